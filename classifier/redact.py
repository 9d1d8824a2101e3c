"""Secret redaction: applied to every command and message before it leaves the core."""

from __future__ import annotations

import re

MASK = "[REDACTED]"

# (pattern, replacement, triggers): a pattern runs only when one of its lower-case trigger
# substrings is in the text, which keeps redaction cheap on the hot path.
_RULES: tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...] = (
    (
        re.compile(
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)",
            re.DOTALL,
        ),
        MASK,
        ("private key-----",),
    ),
    (
        re.compile(r"\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE),
        rf"\1 {MASK}",
        ("bearer", "basic", "token"),
    ),
    (re.compile(r"\b(?:sk|rk|pk)-(?:proj-|ant-|live-|test-)?[A-Za-z0-9_-]{16,}"), MASK, ("k-",)),
    (re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{20,}"), MASK, ("gh", "pat_")),
    (re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}"), MASK, ("glpat-",)),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), MASK, ("xox",)),
    (re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"), MASK, ("akia", "asia")),
    (re.compile(r"\bAIza[A-Za-z0-9_-]{30,}"), MASK, ("aiza",)),
    (re.compile(r"\bhf_[A-Za-z0-9]{30,}"), MASK, ("hf_",)),
    (re.compile(r"\bnpm_[A-Za-z0-9]{30,}"), MASK, ("npm_",)),
    (
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
        MASK,
        ("eyj",),
    ),
    (
        re.compile(r"([a-z][a-z0-9+.-]*://[^\s:/@]+:)[^\s@/]+@", re.IGNORECASE),
        rf"\1{MASK}@",
        ("://",),
    ),
    (
        re.compile(
            r"""((?:api[_-]?key|apikey|secret|token|passw(?:or)?d|passwd|pwd|auth|credentials?"""
            r"""|access[_-]?key|private[_-]?key|client[_-]?secret)[A-Za-z0-9_-]*"""
            r"""["']?\s*[:=]\s*["']?)([^\s"',;&]{4,})""",
            re.IGNORECASE,
        ),
        rf"\1{MASK}",
        ("key", "secret", "token", "pass", "pwd", "auth", "credential"),
    ),
    (
        re.compile(r"((?:mysql|mysqldump|mysqladmin|mariadb)\b[^\n]*?\s-p\s?)(\S{3,})"),
        rf"\1{MASK}",
        ("mysql", "mariadb"),
    ),
    (re.compile(r"(--password[= ])(\S{3,})"), rf"\1{MASK}", ("--password",)),
    (
        re.compile(r"(?i)(x-api-key:\s*|authorization:\s*)(?!Bearer|Basic|Token)(\S{8,})"),
        rf"\1{MASK}",
        ("x-api-key", "authorization"),
    ),
)


def redact(text: str) -> str:
    """Replace API keys, tokens, passwords and private keys in ``text`` with a mask."""
    lowered = text.lower()
    for pattern, replacement, triggers in _RULES:
        if any(t in lowered for t in triggers):
            text = pattern.sub(replacement, text)
    return text


def cap(text: str, limit: int) -> str:
    """Truncate to at most ``limit`` characters, marking the cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…"
