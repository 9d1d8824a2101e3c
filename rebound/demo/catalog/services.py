"""Service and process errors: no systemd, busy ports, databases, docker, OOM kills."""

from __future__ import annotations

from rebound.demo.catalog.text import RUNPY, START_API, traceback
from rebound.demo.steps import Scenario, ToolStep

_NO_SYSTEMD = (
    "System has not been booted with systemd as init system (PID 1). Can't operate.\n"
    "Failed to connect to bus: Host is down"
)

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "redis_without_systemd",
        "service_process",
        "service_manager_unavailable",
        ToolStep("systemctl start redis-server", _NO_SYSTEMD, 1, 0.1),
        recovery=(
            ToolStep(
                "redis-server --daemonize yes",
                "812:C 14 Mar 2024 09:20:11.402 # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo\n"
                "812:C 14 Mar 2024 09:20:11.402 # Redis version=7.0.15, bits=64, commit=00000000, "
                "modified=0, pid=812, just started\n"
                "812:C 14 Mar 2024 09:20:11.402 # Configuration loaded",
                0,
                0.2,
            ),
            ToolStep("redis-cli ping", "PONG", 0, 0.05),
        ),
    ),
    Scenario(
        "uvicorn_port_in_use",
        "service_process",
        "port_already_in_use",
        ToolStep(
            "python -m uvicorn ledger.api:app --port 8000",
            "INFO:     Started server process [5120]\nINFO:     Waiting for application startup.\n"
            "INFO:     Application startup complete.\n"
            "ERROR:    [Errno 98] error while attempting to bind on address ('127.0.0.1', 8000): "
            "address already in use\nINFO:     Waiting for application shutdown.\n"
            "INFO:     Application shutdown complete.",
            1,
            1.2,
        ),
        recovery=(
            ToolStep("fuser -k 8000/tcp", "8000/tcp:             4821", 0, 0.3),
            START_API,
        ),
    ),
    Scenario(
        "docker_daemon_down",
        "service_process",
        "container_runtime_unavailable",
        ToolStep(
            "docker compose up -d postgres",
            "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker "
            "daemon running?",
            1,
            0.3,
        ),
        recovery=(
            ToolStep(
                "service postgresql start",
                "Starting PostgreSQL 15 database server: main.",
                0,
                3.0,
            ),
        ),
        blocking=0.9,
    ),
    Scenario(
        "postgres_peer_auth",
        "service_process",
        "database_error",
        ToolStep(
            "psql -U postgres -c 'CREATE DATABASE ledger_test;'",
            'psql: error: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" '
            'failed: FATAL:  Peer authentication failed for user "postgres"',
            2,
            0.2,
        ),
        recovery=(
            ToolStep(
                "su postgres -c \"psql -c 'CREATE DATABASE ledger_test;'\"",
                "CREATE DATABASE",
                0,
                0.4,
            ),
        ),
    ),
    Scenario(
        "postgres_starting_up",
        "service_process",
        "service_not_ready",
        ToolStep(
            "python -m ledger.cli migrate",
            traceback(
                *RUNPY,
                '  File "/usr/local/lib/python3.11/site-packages/psycopg2/__init__.py", '
                "line 122, in connect",
                "    conn = _connect(dsn, connection_factory=connection_factory, **kwasync)",
                "           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
                error='psycopg2.OperationalError: connection to server at "localhost" (127.0.0.1),'
                " port 5432 failed: FATAL:  the database system is starting up",
            ),
            1,
            0.6,
        ),
        recovery=(
            ToolStep(
                "sleep 5 && python -m ledger.cli migrate",
                "migrations: 3 applied, 0 pending",
                0,
                6.0,
            ),
        ),
    ),
    Scenario(
        "index_build_killed",
        "service_process",
        "process_killed",
        ToolStep(
            "python scripts/build_search_index.py --all",
            "loading 2,418,330 ledger lines...\nKilled",
            137,
            58.0,
        ),
        recovery=(
            ToolStep(
                "python scripts/build_search_index.py --all --batch-size 50000",
                "loading 2,418,330 ledger lines in 49 batches...\nindex written: build/search.idx "
                "(212 MB)",
                0,
                96.0,
            ),
        ),
    ),
)
