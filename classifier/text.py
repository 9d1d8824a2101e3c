"""Making tool output readable before matching and quoting it.

Terminal output carries ANSI escapes, ``\\r``-overwritten progress bars and sometimes the
command echoed back; none of it is evidence and all of it is noise in a message.
"""

from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
# A character followed by itself: deleting those leaves one of each run, and a literal
# (empty) replacement keeps ``sub`` from calling back into Python for every match.
_REPEATED = re.compile(r"(.)(?=\1)")
# site.py's complaint about a broken .pth file: printed at every start, never the failure
_PTH_WARNING = re.compile(
    r"^Error processing line \d+ of [^\n]*\.pth:\n.*?^Remainder of file ignored\n?", re.M | re.S
)
_SPACE = re.compile(r"\s+")
_NON_SPACE = re.compile(r"\S")
_BAR = "[━█▏▎▍▌▋▊▉#=]{8,}"
_PROGRESS_FEATURE = re.compile(
    rf"\d{{1,3}}(?:\.\d+)? ?%|{_BAR}|\bETA\b|\beta \d|[kMG]i?B/s\b|\bit/s\b"
)
_PROGRESS_BAR = re.compile(_BAR)
_ECHO_LINES = 8
_ECHO_PREFIX = 40  # characters of the first output line compared with the command
_PROMPT = re.compile(  # shell prompts that terminal recorders leave in the output
    r"^\s*(?:PS[^>\n]*>\s*(?:prompt)?|\\u@\\h:\S*\s*\$|[\w.-]+@[\w.-]*:\S*\s*\$|PS1:)\s*$"
)
_LINE_CAP = 400
_CONTEXT_BYTES = 2048
_ERROR_TEXT_NOISE = re.compile(
    r"^(?:exit[ _]?(?:code|status)[ _:=]*-?\d+|task failed|error|failed|unknown)$", re.I
)


def clean(text: str) -> str:
    """``text`` without ANSI escapes, \\r-overwritten progress and known harmless warnings."""
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    if "\r" in text:
        text = "\n".join(_last_overwrite(line) for line in text.split("\n"))
    if "Remainder of file ignored" in text:
        text = _PTH_WARNING.sub("", text)
    return text


def _last_overwrite(line: str) -> str:
    if "\r" not in line:
        return line
    parts = [part for part in line.split("\r") if part.strip()]
    return parts[-1] if parts else ""


def _norm(text: str) -> str:
    return _REPEATED.sub("", _SPACE.sub("", text))


def _norm_head(text: str, size: int) -> str:
    """``_norm(text)[:size]``, normalising only as much of ``text`` as that needs."""
    # _norm of a prefix is a prefix of _norm of the whole: grow the prefix until enough.
    chunk = 4 * size
    while True:
        head = _norm(text[:chunk])
        if len(head) >= size or chunk >= len(text):
            return head[:size]
        chunk *= 4


def _first_mark(text: str) -> str:
    """The first non-blank character of the first line ("" when that line is blank)."""
    found = _NON_SPACE.search(text)
    if found is None or "\n" in text[: found.start()]:
        return ""
    return found.group()


def _first_line(text: str) -> str:
    end = text.find("\n")
    return text if end < 0 else text[:end]


def strip_echo(output: str, command: str | None) -> str:
    """``output`` without leading lines that echo the command back (terminal recorders)."""
    if not command or not output:
        return output
    mark = _first_mark(output)
    if not mark or mark != _first_mark(command):
        return output  # cheap: an echo begins with the command's first character
    first_cmd = _norm(_first_line(command))
    if len(first_cmd) < 4:
        return output
    first_out = _norm_head(_first_line(output), _ECHO_PREFIX)
    if not first_out or not first_cmd.startswith(first_out):
        return output
    whole = _norm(command)
    lines = output.split("\n")
    drop = 0
    for line in lines[:_ECHO_LINES]:
        normed = _norm(line)
        if not normed or normed not in whole:
            break
        drop += 1
    return "\n".join(lines[drop:])


def informative_error_text(error_text: str) -> str:
    """The span's error text less lines that only restate the exit status."""
    if not error_text:
        return ""
    kept = [ln for ln in error_text.splitlines() if not _ERROR_TEXT_NOISE.match(ln.strip())]
    return "\n".join(kept).strip()


def is_progress(line: str) -> bool:
    """True for a progress-bar line (two or more of: percentage, bar, ETA, rate)."""
    return _may_be_progress(line) and len(_PROGRESS_FEATURE.findall(line)) >= 2


def _may_be_progress(line: str) -> bool:
    # Every feature holds one of these; most lines hold none, and ``in`` is cheap.
    hinted = "%" in line or "/s" in line or "ETA" in line or "eta " in line
    return hinted or _PROGRESS_BAR.search(line) is not None


def _readable(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        if is_progress(line) or _PROMPT.match(line):
            continue
        line = line.rstrip()
        out.append(line if len(line) <= _LINE_CAP else line[:_LINE_CAP] + "…")
    return out


def context(data: bytes, start: int, end: int, before: int = 3, after: int = 2) -> str:
    """The line ``data[start:end]`` with a few readable lines around it."""
    prefix = data[max(0, start - _CONTEXT_BYTES) : start].decode("utf-8", "replace")
    head = prefix.split("\n")[-before - 1 : -1] if start else []
    line = data[start:end].decode("utf-8", "replace")
    suffix = data[end + 1 : end + 1 + _CONTEXT_BYTES].decode("utf-8", "replace")
    rest = suffix.split("\n", after)[:after] if end < len(data) else []
    lines = [*_readable(head), line.rstrip(), *_readable(rest)]
    return "\n".join(lines).strip("\n")


def tail(text: str, lines: int = 12, limit: int = 1500) -> str:
    """The last readable lines of ``text``, at most ``limit`` characters."""
    kept = _readable([ln for ln in text[-limit * 4 :].split("\n") if ln.strip()])[-lines:]
    joined = "\n".join(kept)
    return joined[-limit:]
