"""Every kind of secret the redactor knows, as hypothesis strategies.

Each kind draws ``(shown, secret)``: ``shown`` is how the secret appears in agent text
(with its prefix, header or variable name), ``secret`` the part that must never leave the
process. Values are random, made here; none comes from real credentials.
"""

from __future__ import annotations

import re
import string

from hypothesis import strategies as st

ALNUM = string.ascii_letters + string.digits
UPPER = string.ascii_uppercase + string.digits
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "_-"


# Secrets are random: a run like "0000" could be found in any id or timestamp, and a run of
# lower-case letters in any word of the text around it ("ignature" in "signature").
_NOT_RANDOM = re.compile(r"(.)\1{3}|[a-z]{5}")


def _body(alphabet: str, size: int) -> st.SearchStrategy[str]:
    text = st.text(alphabet, min_size=size, max_size=size)
    return text.filter(
        lambda body: (
            len({body[i : i + 3] for i in range(size - 2)}) > size // 2
            and not _NOT_RANDOM.search(body)
        )
    )


def _prefixed(prefix: str, alphabet: str, size: int) -> st.SearchStrategy[tuple[str, str]]:
    return _body(alphabet, size).map(lambda body: (prefix + body, body))


def _jwt() -> st.SearchStrategy[tuple[str, str]]:
    parts = st.tuples(_body(URLSAFE, 20), _body(URLSAFE, 40), _body(URLSAFE, 43))
    return parts.map(lambda p: (f"eyJ{p[0]}.eyJ{p[1]}.{p[2]}", f"{p[0]}.eyJ{p[1]}.{p[2]}"))


def _pem() -> st.SearchStrategy[tuple[str, str]]:
    def block(lines: list[str]) -> tuple[str, str]:
        body = "\n".join(lines)
        kind = "RSA PRIVATE KEY" if lines[0][0] < "a" else "PRIVATE KEY"
        return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----", body

    return st.lists(_body(B64, 64), min_size=2, max_size=2).map(block)


def _url() -> st.SearchStrategy[tuple[str, str]]:
    schemes = st.sampled_from(
        ["postgres", "postgresql", "mysql", "redis", "amqp", "mongodb+srv", "https", "ftp"]
    )
    users = st.sampled_from(["app", "admin", ""])
    return st.tuples(schemes, users, _body(ALNUM + "!*-_.~$", 18)).map(
        lambda p: (f"{p[0]}://{p[1]}:{p[2]}@db.internal:5432/app", p[2])
    )


def _assignment(names: list[str], sep: str) -> st.SearchStrategy[tuple[str, str]]:
    return st.tuples(st.sampled_from(names), _body(ALNUM, 24)).map(
        lambda p: (f"{p[0]}{sep}{p[1]}", p[1])
    )


KINDS: dict[str, st.SearchStrategy[tuple[str, str]]] = {
    "openai": _prefixed("sk-proj-", URLSAFE, 40),
    "anthropic": _prefixed("sk-ant-api03-", URLSAFE, 40),
    "stripe": _prefixed("sk_live_", ALNUM, 24),
    "github": _prefixed("ghp_", ALNUM, 36),
    "github_pat": _prefixed("github_pat_", ALNUM + "_", 60),
    "gitlab": _prefixed("glpat-", URLSAFE, 20),
    "slack": _prefixed("xoxb-", ALNUM + "-", 30),
    "aws_key_id": _prefixed("AKIA", UPPER, 16),
    "aws_secret_bare": _body(B64, 40)
    .filter(
        lambda k: (
            any(c.isupper() for c in k)
            and any(c.islower() for c in k)
            and any(c.isdigit() for c in k)
            and not re.search("[a-z]{5}|[A-Z]{5}", k)
        )
    )
    .map(lambda k: (f'grep -rn "{k}" .', k)),
    "aws_secret": _assignment(["aws_secret_access_key = ", "AWS_SECRET_ACCESS_KEY="], ""),
    "google_api": _prefixed("AIza", URLSAFE, 35),
    "google_oauth": _prefixed("ya29.", URLSAFE, 60),
    "huggingface": _prefixed("hf_", ALNUM, 34),
    "npm": _prefixed("npm_", ALNUM, 36),
    "azure_storage": _body(B64, 64).map(
        lambda k: (f"DefaultEndpointsProtocol=https;AccountName=st;AccountKey={k}==;x=1", k)
    ),
    "jwt": _jwt(),
    "private_key": _pem(),
    "url_password": _url(),
    "authorization_bearer": _prefixed("Authorization: Bearer ", URLSAFE + ".", 32),
    "authorization_basic": _prefixed("Authorization: Basic ", B64, 24),
    "api_key_header": _prefixed("X-Api-Key: ", ALNUM, 32),
    "env_token": _assignment(["GITHUB_TOKEN", "CI_JOB_TOKEN", "SLACK_BOT_TOKEN"], "="),
    "env_key": _assignment(["OPENAI_API_KEY", "STRIPE_KEY", "MY_SERVICE_KEY"], "="),
    "password": _assignment(["password=", "DB_PASSWORD: ", "--password "], ""),
}
