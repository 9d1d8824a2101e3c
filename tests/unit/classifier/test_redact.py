"""Secrets never leave the process: API keys, tokens, passwords, private keys."""

from __future__ import annotations

import threading

import pytest

from rebound.classifier.core import Classifier
from rebound.classifier.events import Emission
from rebound.classifier.redact import MASK, redact
from tests.support.agentrun import RunBuilder

SECRETS = [
    (
        "export OPENAI_API_KEY=sk-proj-a1B2c3D4e5F6g7H8i9J0kLmNoPqR",
        "sk-proj-a1B2c3D4e5F6g7H8i9J0kLmNoPqR",
    ),
    ("curl -H 'Authorization: Bearer eyJhbGciOi.abcdefghijk.xyz123456789' https://x", "eyJhbGciOi"),
    ("x-api-key: sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv", "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv"),
    ("git clone https://bob:ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8@github.com/o/r", "ghp_A1b2"),
    ("mysql -u root -pS3cretPass db", "S3cretPass"),
    ("psql postgresql://app:hunter2hunter2@db:5432/app", "hunter2hunter2"),
    ("DB_PASSWORD='correct horse' and password=tr0ub4dor", "tr0ub4dor"),
    ("aws AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
    (
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----",
        "b3BlbnNzaC1rZXk",
    ),
    ("HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyzABCDEF12", "hf_abcdefghijklmnopqrstuvwxyzABCDEF12"),
]


@pytest.mark.parametrize(("text", "secret"), SECRETS)
def test_secret_is_masked(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out
    assert MASK in out


@pytest.mark.parametrize(
    "text",
    ["ls -p /tmp", "No such file or directory", "pip install tokenizers", "grep -rn auth src/"],
)
def test_ordinary_text_is_untouched(text: str) -> None:
    assert redact(text) == text


def test_events_carry_no_secret() -> None:
    run = RunBuilder()
    run.tool(
        "curl -H 'Authorization: Bearer abcdefgh12345678' https://api.example.com",
        "curl: (6) Could not resolve host: api.example.com  token=ghs_abcdefghijklmnopqrstuvwxyz",
        6,
    )
    run.tool(
        "OPENAI_API_KEY=sk-abcdefghijklmnopqrstuvwx python app.py",
        "Traceback (most recent "
        "call last):\nopenai.AuthenticationError: Incorrect API key provided: sk-abcdefghij"
        "klmnopqrstuvwx",
        1,
    )
    core = Classifier()
    outputs = core.ingest(run.finish("failed"), now=1.0) + core.close_all()
    text = " ".join(o.event.model_dump_json() for o in outputs if isinstance(o, Emission))
    assert "abcdefgh12345678" not in text
    assert "ghs_abcdefghijklmnopqrstuvwxyz" not in text
    assert "sk-abcdefghijklmnopqrstuvwx" not in text
    assert MASK in text


def test_a_bare_cloud_secret_is_masked_but_paths_and_hashes_of_its_length_are_not() -> None:
    key = "Qm7rT2vX9kLp4Hw8Nc3Zb6Jy1Fd5Gs0Ra7Ue2Yo4"
    assert redact(f'grep -rn "{key}" config/') == f'grep -rn "{MASK}" config/'
    assert redact(f"secret={key}") == f"secret={MASK}"
    for benign in (
        "/usr/share/perl5/Debconf/FrontEnd/Dialog",  # a path: words in it
        "3f786850e387550fdab836ed7e6dc881de23001b",  # a git object id: no upper case
        "ModulesFindPackageHandleStandardArgs1234",  # a name: runs of one case
        f"{key}AB",  # part of a longer run
    ):
        assert redact(f"at {benign} here") == f"at {benign} here"


def test_threads_redact_at_the_same_time() -> None:
    # The core and the model tier's worker redact concurrently; Hyperscan releases the GIL
    # while it scans, and a scratch space serves one scan at a time.
    text = " ".join(command for command, _ in SECRETS) * 40
    expected = redact(text)
    results: list[str] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.extend(redact(text) for _ in range(100))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == 400 and set(results) == {expected}
    assert all(secret not in expected for _, secret in SECRETS)
