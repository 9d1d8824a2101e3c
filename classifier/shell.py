"""A small, forgiving shell-command splitter: which programs ran, joined how.

Not a shell parser: it splits a command line into pipelines and simple commands while
respecting quotes, ``$(…)``/backticks/subshells and heredoc bodies, which is what
deciding "whose exit code is this?" needs. Anything it cannot read stays in words.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_REDIRECT = re.compile(r"^(?:\d*|&)(?:>>?|<<?<?)&?(\S*)$")
_WRAPPERS = frozenset({"sudo", "env", "nohup", "nice", "time", "stdbuf", "exec", "command"})
_VALUE_WRAPPERS = frozenset({"timeout", "xargs"})  # wrappers whose own operands come first
_PAIRS = {"(": ")", "{": "}"}


@dataclass(frozen=True, slots=True)
class Pipeline:
    """Simple commands joined by ``|``, and the list operator written before it."""

    commands: tuple[tuple[str, ...], ...]
    joiner: str  # "" for the first, else one of ";", "\n", "&", "&&", "||"


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.pipelines: list[Pipeline] = []
        self.commands: list[tuple[str, ...]] = []
        self.words: list[str] = []
        self.word: list[str] = []
        self.joiner = ""
        self.heredocs: list[str] = []

    def end_word(self) -> None:
        if self.word:
            self.words.append("".join(self.word))
            self.word = []

    def end_command(self) -> None:
        self.end_word()
        if self.words:
            self.commands.append(tuple(self.words))
        self.words = []

    def end_pipeline(self, next_joiner: str) -> None:
        self.end_command()
        if self.commands:
            self.pipelines.append(Pipeline(tuple(self.commands), self.joiner))
            self.joiner = next_joiner
        elif next_joiner in ("&&", "||"):
            self.joiner = next_joiner
        self.commands = []

    def read_until(self, closer: str, escapes: bool) -> str:
        start = self.pos
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if escapes and char == "\\":
                self.pos += 2
                continue
            self.pos += 1
            if char == closer:
                return self.text[start : self.pos - 1]
        return self.text[start:]

    def read_balanced(self, opener: str) -> str:
        closer, depth, start = _PAIRS[opener], 1, self.pos
        while self.pos < len(self.text) and depth:
            char = self.text[self.pos]
            self.pos += 1
            if char in "'\"`":
                self.read_until(char, escapes=char != "'")
            elif char == opener:
                depth += 1
            elif char == closer:
                depth -= 1
        return self.text[start : self.pos]

    def skip_heredoc_bodies(self) -> None:
        while self.heredocs and self.pos < len(self.text):
            end = self.text.find("\n", self.pos)
            line = self.text[self.pos : len(self.text) if end < 0 else end]
            self.pos = len(self.text) if end < 0 else end + 1
            if line.strip() == self.heredocs[0]:
                self.heredocs.pop(0)
        self.heredocs = []

    def heredoc(self) -> None:
        match = re.match(r"<<-?[ \t]*(['\"]?)([^\s'\";&|<>()]+)\1", self.text[self.pos :])
        if match is None:
            self.word.append("<<")
            self.pos += 2
            return
        self.heredocs.append(match.group(2))
        self.pos += match.end()

    def step(self) -> None:
        text, char = self.text, self.text[self.pos]
        two = text[self.pos : self.pos + 2]
        if char in " \t":
            self.end_word()
        elif char == "\\":
            if text[self.pos + 1 : self.pos + 2] != "\n":
                self.word.append(text[self.pos + 1 : self.pos + 2])
            self.pos += 1
        elif char in "'\"`":
            self.pos += 1
            self.word.append(self.read_until(char, escapes=char != "'"))
            return
        elif two == "$(" or (char in "({" and not self.word):
            prefix = "$(" if two == "$(" else char
            self.pos += len(prefix)
            self.word.append(prefix + self.read_balanced(prefix[-1]))
            return
        elif char == "#" and not self.word:
            end = text.find("\n", self.pos)
            self.pos = len(text) if end < 0 else end
            return
        elif two == "<<" and text[self.pos : self.pos + 3] != "<<<":
            self.heredoc()
            return
        elif two in ("&&", "||"):
            self.end_pipeline(two)
            self.pos += 1
        elif char == "|":
            self.end_command()
            self.pos += 1 if two == "|&" else 0
        elif char == "&" and not (self.word and self.word[-1][-1:] in "<>") and two != "&>":
            self.end_pipeline("&")
        elif char in ";\n":
            self.end_pipeline(char)
            if char == "\n":
                self.pos += 1
                self.skip_heredoc_bodies()
                return
        else:
            self.word.append(char)
        self.pos += 1


@functools.lru_cache(maxsize=2048)
def split(command: str) -> tuple[Pipeline, ...]:
    """The pipelines of ``command`` in order, each with the operator that joined it.

    Cached: detection and intent both read the same command line.
    """
    scanner = _Scanner(command)
    while scanner.pos < len(command):
        scanner.step()
    scanner.end_pipeline("")
    return tuple(scanner.pipelines)


def program(words: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """The program a simple command runs and its arguments, past env assignments and wrappers.

    Redirections are dropped; the program is the basename (``/usr/bin/grep`` → ``grep``).
    """
    args = [w for w in _without_redirects(words) if w]
    while args:
        head = args[0]
        if _ASSIGNMENT.match(head) or head in _WRAPPERS:
            args.pop(0)
            while head in _WRAPPERS and args and args[0].startswith("-"):
                args.pop(0)
        elif head in _VALUE_WRAPPERS:
            args.pop(0)
            while args and (args[0].startswith("-") or args[0][:1].isdigit()):
                args.pop(0)
        else:
            break
    if not args:
        return "", ()
    name = args[0].rsplit("/", 1)[-1]
    if name.startswith("python") and len(args) > 2 and args[1] == "-m":
        return args[2], tuple(args[3:])  # python -m pip … runs pip
    return name, tuple(args[1:])


def _without_redirects(words: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    skip_next = False
    for word in words:
        if skip_next:
            skip_next = False
            continue
        match = _REDIRECT.match(word)
        if match:
            skip_next = not match.group(1)
            continue
        out.append(word)
    return out
