"""Making tool output readable before matching and quoting it.

Terminal output carries ANSI escapes, ``\\r``-overwritten progress bars and sometimes the
command echoed back; none of it is evidence and all of it is noise in a message.
"""

from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_REPEATS = re.compile(r"(.)\1+")
# site.py's complaint about a broken .pth file: printed at every start, never the failure
_PTH_WARNING = re.compile(
    r"^Error processing line \d+ of [^\n]*\.pth:\n.*?^Remainder of file ignored\n?", re.M | re.S
)
_SPACE = re.compile(r"\s+")
_PROGRESS_FEATURE = re.compile(
    r"\d{1,3}(?:\.\d+)? ?%|[━█▏▎▍▌▋▊▉#=]{8,}|\bETA\b|\beta \d|[kMG]i?B/s\b|\bit/s\b"
)
_ECHO_LINES = 8
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
    return _REPEATS.sub(r"\1", _SPACE.sub("", text))


def strip_echo(output: str, command: str | None) -> str:
    """``output`` without leading lines that echo the command back (terminal recorders)."""
    if not command or not output:
        return output
    first_out = _norm(output.split("\n", 1)[0])
    first_cmd = _norm(command.split("\n", 1)[0])
    if len(first_cmd) < 4 or not first_out or not first_cmd.startswith(first_out[:40]):
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
    return len(_PROGRESS_FEATURE.findall(line)) >= 2


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
