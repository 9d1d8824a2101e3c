"""A small, forgiving shell-command splitter: the words of each simple command, joined how.

Not a shell parser: it splits a command line into pipelines and simple commands while
respecting quotes, ``$(…)``/backticks/subshells and heredoc bodies, which is what
deciding "whose exit code is this?" needs. Anything it cannot read stays in words; the
command model (``commands``) reads the words.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_PAIRS = {"(": ")", "{": "}"}


@dataclass(frozen=True, slots=True)
class Pipeline:
    """Simple commands joined by ``|``, and the list operator written before it."""

    commands: tuple[tuple[str, ...], ...]
    joiner: str  # "" for the first, else one of ";", "\n", "&", "&&", "||"


# One token per match: a run of ordinary characters (with the blanks that end its word,
# if any), or one thing that may be special. Whether ``(``, ``{``, ``#`` and ``&`` are
# special depends on the word so far, so the scanner decides those.
_TOKEN = re.compile(
    r"(?P<plain>[^ \t\n\\'\"`$({#<&|;]+)(?P<ended>[ \t]+)?"
    r"|(?P<blank>[ \t]+)"
    r"|(?P<quote>['\"`])"
    r"|(?P<escape>\\)"
    r"|(?P<open>\$\(|[({])"
    r"|(?P<comment>\#)"
    r"|(?P<heredoc><<(?!<))"
    r"|(?P<list>&&|\|\||[;\n])"
    r"|(?P<pipe>\|&?)"
    r"|(?P<amp>&)"
    r"|(?P<char>[\s\S])"
)
_HEREDOC = re.compile(r"<<-?[ \t]*(['\"]?)([^\s'\";&|<>()]+)\1")
# Inside quotes that honour backslashes: everything up to the closing quote.
_ESCAPED_UNTIL = {q: re.compile(rf"(?:[^\\{q}]+|\\[\s\S])*") for q in '"`'}
# Inside ``(…)``/``{…}``: the next character that can change the nesting depth.
_NESTING = {
    opener: re.compile(rf"['\"`{re.escape(opener + closer)}]") for opener, closer in _PAIRS.items()
}


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.pipelines: list[Pipeline] = []
        self.commands: list[tuple[str, ...]] = []
        self.words: list[str] = []  # of the current command (cleared, never replaced)
        self.word: list[str] = []  # pieces of the current word (cleared, never replaced)
        self.joiner = ""
        self.heredocs: list[str] = []
        self.open_quote = False  # a quote never closed: a shell would wait for the rest

    def run(self) -> tuple[Pipeline, ...]:
        text, match, word, words = self.text, _TOKEN.match, self.word, self.words
        while self.pos < len(text):
            token = match(text, self.pos)
            assert token is not None  # the last alternative matches any character
            self.pos = token.end()
            kind = token.lastgroup
            if kind == "ended":  # the most common token: a whole word, or its last piece
                if word:
                    word.append(token.group("plain"))
                    self.end_word()
                else:
                    words.append(token.group("plain"))
            elif kind == "plain":
                word.append(token.group())
            elif kind == "blank":
                self.end_word()
            else:
                self.special(kind, token.group(), token.start())
        self.end_pipeline("")
        return tuple(self.pipelines)

    def special(self, kind: str | None, token: str, start: int) -> None:
        if kind == "quote":
            self.word.append(self.read_until(token, escapes=token != "'"))
        elif kind == "escape":
            escaped = self.text[self.pos : self.pos + 1]
            if escaped != "\n":  # a backslash-newline continues the line
                self.word.append(escaped)
            self.pos += 1
        elif kind == "open" and (token == "$(" or not self.word):
            self.word.append(token + self.read_balanced(token[-1]))
        elif kind == "comment" and not self.word:
            end = self.text.find("\n", self.pos)
            self.pos = len(self.text) if end < 0 else end
        elif kind == "heredoc":
            self.heredoc(start)
        elif kind == "list":
            self.end_pipeline(token)
            if token == "\n":
                self.skip_heredoc_bodies()
        elif kind == "pipe":
            self.end_command()
        elif kind == "amp" and not self.redirecting():
            self.end_pipeline("&")
        else:
            self.word.append(token)

    def redirecting(self) -> bool:
        """Whether an ``&`` here belongs to a redirection (``2>&1``, ``&>``), not a list."""
        after_redirect = bool(self.word) and self.word[-1][-1:] in "<>"
        return after_redirect or self.text[self.pos : self.pos + 1] == ">"

    def end_word(self) -> None:
        if self.word:
            self.words.append("".join(self.word))
            self.word.clear()

    def end_command(self) -> None:
        self.end_word()
        if self.words:
            self.commands.append(tuple(self.words))
            self.words.clear()

    def end_pipeline(self, next_joiner: str) -> None:
        self.end_command()
        if self.commands:
            self.pipelines.append(Pipeline(tuple(self.commands), self.joiner))
            self.joiner = next_joiner
        elif next_joiner in ("&&", "||"):
            self.joiner = next_joiner
        self.commands = []

    def read_until(self, closer: str, escapes: bool) -> str:
        text, start = self.text, self.pos
        if escapes:
            quoted = _ESCAPED_UNTIL[closer].match(text, start)  # always matches, maybe empty
            end = quoted.end() if quoted else start
        else:
            end = text.find(closer, start)
        if end < 0 or text[end : end + 1] != closer:
            self.pos = len(text)
            self.open_quote = True
            return text[start:]
        self.pos = end + 1
        return text[start:end]

    def read_balanced(self, opener: str) -> str:
        depth, start = 1, self.pos
        search = _NESTING[opener].search
        while depth:
            found = search(self.text, self.pos)
            if found is None:
                self.pos = len(self.text)
                break
            char, self.pos = found.group(), found.end()
            if char in "'\"`":
                self.read_until(char, escapes=char != "'")
            elif char == opener:
                depth += 1
            else:  # the closer
                depth -= 1
        return self.text[start : self.pos]

    def skip_heredoc_bodies(self) -> None:
        for delimiter in self.heredocs:
            found = _terminator(delimiter).search(self.text, self.pos)
            if found is None:  # an unterminated body runs to the end
                self.pos = len(self.text)
                break
            self.pos = min(found.end() + 1, len(self.text))
        self.heredocs = []

    def heredoc(self, start: int) -> None:
        match = _HEREDOC.match(self.text, start)
        if match is None:
            self.word.append("<<")
            return
        self.heredocs.append(match.group(2))
        self.pos = match.end()


@functools.lru_cache(maxsize=64)
def _terminator(delimiter: str) -> re.Pattern[str]:
    """The line that ends a heredoc body: the delimiter alone, blanks around it allowed."""
    return re.compile(rf"^[^\S\n]*{re.escape(delimiter)}[^\S\n]*$", re.MULTILINE)


@functools.lru_cache(maxsize=2048)
def split(command: str) -> tuple[Pipeline, ...]:
    """The pipelines of ``command`` in order, each with the operator that joined it.

    Cached: detection and intent both read the same command line.
    """
    return _Scanner(command).run()


def open_quote(command: str) -> bool:
    """Whether a quote in ``command`` is never closed: a shell given it waits for more
    input (``grep "a\\"b" f``), so the command hangs until it is killed."""
    scanner = _Scanner(command)
    scanner.run()
    return scanner.open_quote
