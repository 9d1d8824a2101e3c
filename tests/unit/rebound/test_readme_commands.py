"""Every ``rebound …`` command the README shows is one the command line accepts."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from rebound.cli import build_parser

README = Path(__file__).resolve().parents[3] / "README.md"
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
_SEGMENT = re.compile(r"\s*(?:&&|\|\||;|&|\|)\s*")
_PLACEHOLDER = re.compile(r"^[A-Z][A-Z0-9_:.]*$")


def _shell_lines(text: str) -> list[str]:
    lines: list[str] = []
    for lang, body in _FENCE.findall(text):
        if lang not in ("", "bash", "sh", "shell", "console"):
            continue
        for line in body.replace("\\\n", " ").splitlines():
            line = re.sub(r"(^|\s)#.*$", "", line).removeprefix("$ ").strip()
            if line:
                lines.append(line)
    return lines


def _invocations(line: str) -> list[list[str]]:
    found = []
    for segment in _SEGMENT.split(line.replace("[", " ").replace("]", " ")):
        words = [w for w in shlex.split(segment) if w != "..."]
        while words and "=" in words[0] and not words[0].startswith("-"):
            words.pop(0)  # VAR=value prefixes
        if words[:3] == ["python3", "-m", "rebound"] or words[:3] == ["python", "-m", "rebound"]:
            words = ["rebound", *words[3:]]
        if words[:1] == ["rebound"] and len(words) > 1:
            found.append(words[1:])
    return found


def _with_values(args: list[str]) -> list[str]:
    """Placeholders (``N``, ``FILE``, ``HOST:PORT``) after a flag become a value of any type."""
    return [
        "1" if _PLACEHOLDER.match(a) and i and args[i - 1].startswith("--") else a
        for i, a in enumerate(args)
    ]


COMMANDS = [args for line in _shell_lines(README.read_text("utf-8")) for args in _invocations(line)]


def test_the_readme_shows_commands() -> None:
    assert len(COMMANDS) >= 5


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_readme_command_parses(args: list[str]) -> None:
    try:
        build_parser().parse_args(_with_values(args))
    except SystemExit as exc:  # 0: an action such as --version that prints and exits
        if exc.code == 0:
            return
        pytest.fail(f"`rebound {' '.join(args)}` is rejected by the parser (exit {exc.code})")


def test_a_flag_the_parser_lacks_is_caught() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(_with_values(["serve", "--no-such-flag"]))
