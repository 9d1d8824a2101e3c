"""Secret redaction: applied to every command and output as the core first reads it.

Redaction comes before any cut, so no cut can leave a fragment too short for a pattern
to know. Text an earlier stage already cut (the receiver keeps the head and tail of an
over-long attribute around a marker) is handled too: the line on either side of a cut
marker is masked, whatever it held.

Each rule is a regex that matches *at* one of its trigger strings: the triggers are found
in one Hyperscan pass (``str.find`` per trigger without it) and the regex is tried only
there, so a long output without secrets costs one scan, not a regex pass per rule.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any, Final

MASK: Final = "[REDACTED]"

_NOT_WORD = r"(?<![A-Za-z0-9_])"
_NAME_TAIL = r"""[A-Za-z0-9_-]*["']?[ \t]*[:=][ \t]*["']?"""
_VALUE = r"""(?P<v>[^\s"',;&]{4,})"""

# (regex tried at each trigger, lower-case triggers). The regex masks its group ``v`` when
# it has one, else the whole match.
_RULES: Final[tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]] = (
    # Authorization: Bearer/Basic/Token <credential>
    (
        re.compile(rf"{_NOT_WORD}(?:bearer|basic|token)\s+(?P<v>[A-Za-z0-9._~+/=-]{{8,}})", re.I),
        ("bearer", "basic", "token"),
    ),
    (
        re.compile(rf"{_NOT_WORD}(?:sk|rk|pk)-(?:proj-|ant-|live-|test-)?[A-Za-z0-9_-]{{16,}}"),
        ("sk-", "rk-", "pk-"),
    ),
    (
        re.compile(rf"{_NOT_WORD}(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{{16,}}"),
        ("sk_live_", "sk_test_", "rk_live_", "rk_test_", "pk_live_", "pk_test_"),
    ),
    (
        re.compile(rf"{_NOT_WORD}(?:ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{{20,}}"),
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    (re.compile(rf"{_NOT_WORD}glpat-[A-Za-z0-9_-]{{20,}}"), ("glpat-",)),
    (
        re.compile(rf"{_NOT_WORD}xox[abposre]-[A-Za-z0-9-]{{10,}}"),
        ("xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-", "xoxe-"),
    ),
    (
        re.compile(rf"{_NOT_WORD}(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{{16}}\b"),
        ("akia", "asia", "agpa", "aida", "aroa", "anpa"),
    ),
    (re.compile(rf"{_NOT_WORD}AIza[A-Za-z0-9_-]{{30,}}"), ("aiza",)),
    (re.compile(rf"{_NOT_WORD}ya29\.[A-Za-z0-9_-]{{20,}}"), ("ya29.",)),
    (re.compile(rf"{_NOT_WORD}hf_[A-Za-z0-9]{{30,}}"), ("hf_",)),
    (re.compile(rf"{_NOT_WORD}npm_[A-Za-z0-9]{{30,}}"), ("npm_",)),
    (re.compile(rf"{_NOT_WORD}dop_v1_[a-f0-9]{{40,}}"), ("dop_v1_",)),
    (
        re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
        ("eyj",),
    ),
    # scheme://user:password@host in any scheme, user possibly empty (redis://:pw@host)
    (re.compile(r"://[^\s:/@]*:(?P<v>[^\s@]+)@"), ("://",)),
    # name=value, name: value, "name": "value" for secret-sounding names
    (
        re.compile(
            r"(?:api[_-]?key|apikey|secret|token|passw(?:or)?d|passwd|pwd|auth|credential"
            r"|access[_-]?key|private[_-]?key|account[_-]?key|shared[_-]?access[_-]?key"
            rf"|signing[_-]?key|encryption[_-]?key|session[_-]?key){_NAME_TAIL}{_VALUE}",
            re.I,
        ),
        (
            "api",
            "secret",
            "token",
            "pass",
            "pwd",
            "auth",
            "credential",
            "access",
            "private",
            "account",
            "shared",
            "signing",
            "encryption",
            "session",
        ),
    ),
    # NAME_KEY=value, NAME_TOKEN: value (environment style, upper case, any prefix)
    (
        re.compile(rf"""_(?:KEY|TOKEN|PAT|SECRET|PASS)\b["']?(?:=|:[ \t]*)["']?{_VALUE}"""),
        ("_key", "_token", "_pat", "_secret", "_pass"),
    ),
    (re.compile(r"""(?<=[?&])sig=(?P<v>[^&\s"']{8,})"""), ("sig=",)),
    (
        re.compile(r"(?:mysql|mysqldump|mysqladmin|mariadb)\b[^\n]*?\s-p\s?(?P<v>\S{3,})"),
        ("mysql", "mariadb"),
    ),
    (re.compile(r"--password[= ](?P<v>\S{3,})"), ("--password",)),
    (
        re.compile(
            r"""(?:x-api-key|authorization|x-auth-token)["']?[ \t]*[:=][ \t]*["']?"""
            r"""(?!Bearer|Basic|Token)(?P<v>[^\s"']{8,})""",
            re.I,
        ),
        ("x-api-key", "authorization", "x-auth-token"),
    ),
)

_PEM: Final = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.DOTALL
)
_PEM_END: Final = re.compile(r"-----END [A-Z ]*PRIVATE KEY-----")
_B64_LINE: Final = re.compile(r"[A-Za-z0-9+/=]+")
# The markers of ``collector.decoded.truncate_text``, ``normalise.truncate`` and the prompt's
# ``shorten``: "\n…[N chars truncated]…\n" and "\n…[N chars cut]…\n".
_CUT_MARK: Final = re.compile(r"\n…\[\d+ chars (?:truncated|cut)\]…\n")
_ASCII_LOWER: Final = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def _mask_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with each ``(start, end)`` (overlapping ones merged) replaced by one mask."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, last = [], 0
    for start, end in merged:
        out += [text[last:start], MASK]
        last = end
    out.append(text[last:])
    return "".join(out)


_TRIGGERS: Final = tuple(sorted({t for _, triggers in _RULES for t in triggers}))
_PATTERNS_AT: Final = tuple(
    tuple(pattern for pattern, triggers in _RULES if t in triggers) for t in _TRIGGERS
)


# A bare cloud secret (an AWS secret access key: 40 characters of base64 with no name
# before it, as when an agent greps for the value itself). Paths and words of that length
# are told apart by their runs of one case: a random key has none of five letters.
_KEY_LENGTH: Final = 40
_KEY_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+")
# A run of exactly 40 key characters (not inside a longer run, nor base64 padded with "=").
# For Hyperscan the boundaries are characters it consumes: the match ends one past the run,
# unless the run ends the text.
_KEY_RUN: Final = f"(?:^|[^A-Za-z0-9/+])[A-Za-z0-9/+]{{{_KEY_LENGTH}}}(?:[^A-Za-z0-9/+=]|$)"
_KEY_CANDIDATE: Final = re.compile(
    f"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{{{_KEY_LENGTH}}}(?![A-Za-z0-9/+=])"
)
_WORDLIKE: Final = re.compile(r"[a-z]{5}|[A-Z]{5}")
_HAS_CLASSES: Final = (re.compile("[A-Z]"), re.compile("[a-z]"), re.compile("[0-9]"))


def _trigger_database() -> Any | None:
    """One Hyperscan database of every trigger (caseless literals) and of the bare-key
    candidate (its last id), or None without Hyperscan."""
    try:
        import hyperscan
    except ImportError:
        return None
    database = hyperscan.Database()
    database.compile(
        expressions=[re.escape(t).encode() for t in _TRIGGERS] + [_KEY_RUN.encode()],
        ids=list(range(len(_TRIGGERS) + 1)),
        elements=len(_TRIGGERS) + 1,
        flags=[hyperscan.HS_FLAG_CASELESS] * len(_TRIGGERS) + [0],
    )
    return database


_DATABASE: Final = _trigger_database()
_LOCAL: Final = threading.local()  # a scratch space serves one scan at a time: one per thread


def _scratch() -> Any:
    scratch = getattr(_LOCAL, "scratch", None)
    if scratch is None:
        import hyperscan

        scratch = _LOCAL.scratch = hyperscan.Scratch(_DATABASE)
    return scratch


def _trigger_hits(text: str) -> list[tuple[int, int]]:
    """``(start, trigger index)`` of every trigger occurrence in ``text``; a bare-key
    candidate's start has the index ``len(_TRIGGERS)``."""
    hits: list[tuple[int, int]] = []
    if _DATABASE is not None and text.isascii():  # byte offsets are character offsets

        def found(i: int, _start: int, end: int, _flags: int, _context: object) -> None:
            if i < len(_TRIGGERS):
                hits.append((end - len(_TRIGGERS[i]), i))
            else:  # the key run ends at `end`, or one before it when a boundary follows
                hits.append((end - _KEY_LENGTH - (text[end - 1] not in _KEY_CHARS), i))

        _DATABASE.scan(text.encode(), match_event_handler=found, scratch=_scratch())
        return hits
    hits += [(m.start(), len(_TRIGGERS)) for m in _KEY_CANDIDATE.finditer(text)]
    lowered = text.lower()
    if len(lowered) != len(text):  # a few non-ASCII letters lower to two code points
        lowered = text.translate(_ASCII_LOWER)
    for i, trigger in enumerate(_TRIGGERS):
        at = lowered.find(trigger)
        while at >= 0:
            hits.append((at, i))
            at = lowered.find(trigger, at + 1)
    return hits


def _rule_spans(text: str) -> list[tuple[int, int]]:
    """What the rules match, tried at each occurrence of their triggers."""
    spans: list[tuple[int, int]] = []
    for at, i in _trigger_hits(text):
        if i == len(_TRIGGERS):
            if _bare_key(text, at):
                spans.append((at, at + _KEY_LENGTH))
            continue
        for pattern in _PATTERNS_AT[i]:
            found = pattern.match(text, at)
            if found is not None:
                spans.append(found.span("v" if "v" in pattern.groupindex else 0))
    return spans


def _bare_key(text: str, at: int) -> bool:
    """Whether the 40 characters at ``at`` stand alone and look random, not like a path."""
    end = at + _KEY_LENGTH
    before, after = text[at - 1 : at] if at else "", text[end : end + 1]
    if before in _KEY_CHARS or after in _KEY_CHARS or after == "=":
        return False  # part of a longer run, or of base64 padded with "="
    key = text[at:end]
    return all(c.search(key) for c in _HAS_CLASSES) and not _WORDLIKE.search(key)


def _orphan_key_tails(text: str) -> list[tuple[int, int]]:
    """The base64 lines before a ``-----END … PRIVATE KEY-----`` whose BEGIN was cut away."""
    spans = []
    for found in _PEM_END.finditer(text):
        start = found.start()
        while start > 0:
            line_start = text.rfind("\n", 0, start - 1) + 1
            if not _B64_LINE.fullmatch(text[line_start:start].strip()):
                break
            start = line_start
        spans.append((start, found.end()))
    return spans


def _cut_edges(text: str) -> list[tuple[int, int]]:
    """The lines touching a cut marker: a secret and its name may lie on either side."""
    spans = []
    for found in _CUT_MARK.finditer(text):
        start = text.rfind("\n", 0, found.start()) + 1
        end = text.find("\n", found.end())
        spans += [(start, found.start()), (found.end(), len(text) if end < 0 else end)]
    return spans


_EDGES: Final[tuple[tuple[Callable[[str], list[tuple[int, int]]], str], ...]] = (
    (_orphan_key_tails, "PRIVATE KEY-----"),
    (_cut_edges, " chars "),
)


def redact(text: str) -> str:
    """Replace API keys, tokens, passwords and private keys in ``text`` with a mask."""
    if not text:
        return text
    if "PRIVATE KEY-----" in text:
        text = _PEM.sub(MASK, text)
    spans = _rule_spans(text)
    for function, trigger in _EDGES:
        if trigger in text:
            spans += [span for span in function(text) if span[1] > span[0]]
    return _mask_spans(text, spans) if spans else text


def cap(text: str, limit: int) -> str:
    """Truncate to at most ``limit`` characters, marking the cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…"
