"""Network errors: DNS, refused and timed-out connections, HTTP errors, TLS."""

from __future__ import annotations

from rebound.demo.catalog.text import START_API, pip_ok, traceback
from rebound.demo.steps import Scenario, ToolStep, lines

_PIP_DNS_RETRY = (
    "WARNING: Retrying (Retry(total={n}, connect=None, read=None, redirect=None, status=None)) "
    "after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection."
    "HTTPSConnection object at 0x7f9c1e2b3d90>: Failed to establish a new connection: "
    "[Errno -3] Temporary failure in name resolution')': /simple/httpx/"
)

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "curl_dns_failure",
        "network",
        "dns_resolution_failure",
        ToolStep(
            'curl -sSL "https://api.exchangerate.host/timeseries?start_date=2024-01-01" '
            "-o data/rates.json",
            "curl: (6) Could not resolve host: api.exchangerate.host",
            6,
            0.1,
        ),
        blocking=0.65,
    ),
    Scenario(
        "pip_no_dns",
        "network",
        "dns_resolution_failure",
        ToolStep(
            "pip install httpx==0.27.0",
            lines(
                *(_PIP_DNS_RETRY.format(n=n) for n in range(4, -1, -1)),
                "ERROR: Could not find a version that satisfies the requirement httpx==0.27.0 "
                "(from versions: none)",
                "ERROR: No matching distribution found for httpx==0.27.0",
            ),
            1,
            16.0,
        ),
        blocking=0.8,
    ),
    Scenario(
        "local_api_not_started",
        "network",
        "connection_refused_unreachable",
        ToolStep(
            "curl -s http://localhost:8000/health",
            "curl: (7) Failed to connect to localhost port 8000 after 0 ms: Connection refused",
            7,
            0.1,
        ),
        recovery=(
            START_API,
            ToolStep("sleep 2 && curl -s http://localhost:8000/health", '{"status":"ok"}', 0, 2.1),
        ),
    ),
    Scenario(
        "smoke_test_refused",
        "network",
        "connection_refused_unreachable",
        ToolStep(
            "python scripts/smoke_test.py",
            traceback(
                '  File "/workspace/ledger/scripts/smoke_test.py", line 12, in <module>',
                '    resp = requests.get(f"{BASE}/api/invoices", timeout=5)',
                "           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
                '  File "/usr/local/lib/python3.11/site-packages/requests/adapters.py", '
                "line 700, in send",
                "    raise ConnectionError(e, request=request)",
                error="requests.exceptions.ConnectionError: HTTPConnectionPool(host='localhost', "
                "port=8000): Max retries exceeded with url: /api/invoices (Caused by "
                "NewConnectionError('<urllib3.connection.HTTPConnection object at "
                "0x7f2a4c3b1f10>: Failed to establish a new connection: [Errno 111] "
                "Connection refused'))",
            ),
            1,
            0.8,
        ),
        recovery=(
            START_API,
            ToolStep(
                "python scripts/smoke_test.py",
                "GET /api/invoices -> 200 (48 items)\nGET /api/customers -> 200 (7 items)\nOK",
                0,
                1.1,
            ),
        ),
    ),
    Scenario(
        "pip_read_timeout",
        "network",
        "connection_timeout",
        ToolStep(
            "pip install -r requirements.txt",
            lines(
                "Collecting pandas==2.2.2 (from -r requirements.txt (line 4))",
                "  Downloading pandas-2.2.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"
                ".whl (13.0 MB)",
                "ERROR: Exception:",
                "Traceback (most recent call last):",
                '  File "/usr/local/lib/python3.11/site-packages/pip/_vendor/urllib3/response.py",'
                " line 438, in _error_catcher",
                "    yield",
                "socket.timeout: The read operation timed out",
                "",
                "During handling of the above exception, another exception occurred:",
                "",
                "pip._vendor.urllib3.exceptions.ReadTimeoutError: HTTPSConnectionPool("
                "host='files.pythonhosted.org', port=443): Read timed out.",
            ),
            2,
            31.0,
        ),
        recovery=(
            ToolStep(
                "pip install --default-timeout=120 -r requirements.txt",
                pip_ok("numpy-1.26.4", "pandas-2.2.2", "pytz-2024.1", "tzdata-2024.1"),
                0,
                48.0,
            ),
        ),
        blocking=0.9,
    ),
    Scenario(
        "git_clone_timeout",
        "network",
        "connection_timeout",
        ToolStep(
            "git clone https://github.com/pallets/click.git vendor/click",
            "Cloning into 'vendor/click'...\nfatal: unable to access "
            "'https://github.com/pallets/click.git/': Failed to connect to github.com port 443 "
            "after 130279 ms: Connection timed out",
            128,
            130.0,
        ),
        blocking=0.75,
    ),
    Scenario(
        "fixture_url_404",
        "network",
        "http_client_error",
        ToolStep(
            "curl -fsSL https://raw.githubusercontent.com/ledger-dev/fixtures/main/rates.csv "
            "-o tests/data/rates.csv",
            "curl: (22) The requested URL returned error: 404",
            22,
            0.4,
        ),
        recovery=(
            ToolStep(
                "curl -fsSL https://raw.githubusercontent.com/ledger-dev/fixtures/master/rates.csv"
                " -o tests/data/rates.csv",
                "",
                0,
                0.6,
            ),
        ),
        blocking=0.7,
    ),
    Scenario(
        "release_download_503",
        "network",
        "http_server_error",
        ToolStep(
            "curl -fsSL -o /usr/local/bin/jq "
            "https://github.com/jqlang/jq/releases/download/jq-1.7.1/jq-linux-amd64",
            "curl: (22) The requested URL returned error: 503",
            22,
            0.9,
        ),
        recovery=(
            ToolStep(
                "sleep 10 && curl -fsSL -o /usr/local/bin/jq "
                "https://github.com/jqlang/jq/releases/download/jq-1.7.1/jq-linux-amd64",
                "",
                0,
                12.0,
            ),
        ),
        blocking=0.6,
    ),
    Scenario(
        "pip_ssl_verify",
        "network",
        "tls_certificate_error",
        ToolStep(
            "pip install rich",
            "Could not fetch URL https://pypi.org/simple/rich/: There was a problem confirming "
            "the ssl certificate: HTTPSConnectionPool(host='pypi.org', port=443): Max retries "
            "exceeded with url: /simple/rich/ (Caused by SSLError(SSLCertVerificationError(1, "
            "'[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed "
            "certificate in certificate chain (_ssl.c:1006)'))) - skipping\n"
            "ERROR: Could not find a version that satisfies the requirement rich (from "
            "versions: none)\nERROR: No matching distribution found for rich",
            1,
            3.0,
        ),
        blocking=0.6,
    ),
)
