"""A generic multi-pattern matcher: every pattern in one Hyperscan database, or pure Python.

``scan`` answers, for each pattern that matches, the line of its first match. Patterns
are single-line (see ``regexinfo.check_pattern``), so that line is the same whether it is
found as Hyperscan's earliest-ending match or as ``re``'s leftmost one: both back-ends
return identical results. Hyperscan needs no start-of-match tracking (SOM) for this: the
end offset already names the line, and SOM would only cost scan speed.

The back-end is Hyperscan when it imports, unless ``REBOUND_MATCHER=python`` (or
``backend="python"``) asks for the fallback.
"""

from __future__ import annotations

import functools
import logging
import os
import platform
import re
import threading
from collections.abc import Sequence
from importlib import resources
from typing import Any, Literal, NamedTuple, Protocol

from rebound.classifier import dbcache, regexinfo
from rebound.classifier.regexinfo import check_pattern, required_literals, required_words

log = logging.getLogger(__name__)

BackendName = Literal["hyperscan", "python"]
DEFAULT_WINDOW_KB = 16
_GAP = "\n"
_TOKEN = re.compile(rb"\w+")
_CACHE_NAME = "hyperscan-signatures"
_CACHE_FORMAT = 1  # bump when the serialised form or its flags change


class PatternSpec(Protocol):
    """Anything with a regex and its flags (a ``Signature`` is one)."""

    @property
    def pattern(self) -> str: ...

    @property
    def flags(self) -> re.RegexFlag: ...


class Hit(NamedTuple):
    """Pattern number ``pattern`` matched; its first match lies on the line ``data[start:end]``."""

    pattern: int
    start: int
    end: int


def window(text: str, head_kb: int = DEFAULT_WINDOW_KB, tail_kb: int = DEFAULT_WINDOW_KB) -> bytes:
    """UTF-8 bytes of the first ``head_kb`` and last ``tail_kb`` KiB (in characters) of text."""
    head, tail = head_kb * 1024, tail_kb * 1024
    if len(text) > head + tail:
        text = text[:head] + _GAP + text[-tail:]
    return text.encode("utf-8", "replace")


def _line_of(data: bytes, last: int) -> tuple[int, int]:
    start = data.rfind(b"\n", 0, last) + 1
    end = data.find(b"\n", last)
    return start, len(data) if end < 0 else end


class _PythonBackend:
    """``re`` per pattern, run only when the text holds one of the pattern's required words.

    The prefilter is one pass: the text's set of ``\\w+`` tokens, looked up for every
    pattern that has whole words; patterns with only partial literals fall back to a
    substring test, and the few with neither always run.
    """

    name: BackendName = "python"

    def __init__(self, specs: Sequence[PatternSpec]) -> None:
        self._regexes = [re.compile(s.pattern.encode("ascii"), s.flags | re.M) for s in specs]
        self._always: list[int] = []
        self._by_word: dict[bytes, list[int]] = {}
        self._literals: list[frozenset[bytes]] = []
        by_literal: dict[bytes, list[int]] = {}
        for index, spec in enumerate(specs):
            words = required_words(spec.pattern, spec.flags)
            literals = required_literals(spec.pattern, spec.flags)
            self._literals.append(literals or frozenset())
            if words:
                for word in words:
                    self._by_word.setdefault(word, []).append(index)
            elif literals:
                for literal in literals:
                    by_literal.setdefault(literal, []).append(index)
            else:
                self._always.append(index)
        self._by_literal = sorted(by_literal.items())

    def first_ends(self, data: bytes) -> dict[int, int]:
        lowered = data.lower()
        candidates = set(self._always)
        by_word = self._by_word
        for word in by_word.keys() & set(_TOKEN.findall(lowered)):
            candidates.update(
                i
                for i in by_word[word]
                if not self._literals[i] or any(lit in lowered for lit in self._literals[i])
            )
        for literal, indexes in self._by_literal:
            if literal in lowered:
                candidates.update(indexes)
        found: dict[int, int] = {}
        for index in candidates:
            match = self._regexes[index].search(data)
            if match is not None:
                found[index] = match.end()
        return found


class _HyperscanBackend:
    """One block-mode database; SINGLEMATCH reports each pattern's earliest-ending match."""

    name: BackendName = "hyperscan"

    def __init__(self, specs: Sequence[PatternSpec], hs: Any) -> None:
        key = tuple((s.pattern, int(s.flags)) for s in specs)
        # Each matcher still gets its own database (and scratch) from the shared bytes.
        self._db = hs.loadb(_serialised(key), mode=hs.HS_MODE_BLOCK)
        self._scratch = hs.Scratch(self._db)
        # a scratch space serves one scan at a time: each thread scans with its own clone
        self._local = threading.local()

    def first_ends(self, data: bytes) -> dict[int, int]:
        found: dict[int, int] = {}
        if data:
            scratch = getattr(self._local, "scratch", None)
            if scratch is None:
                scratch = self._local.scratch = self._scratch.clone()
            self._db.scan(data, match_event_handler=_record, context=found, scratch=scratch)
        return found


@functools.lru_cache(maxsize=4)
def _serialised(patterns: tuple[tuple[str, int], ...]) -> bytes:
    """The serialised Hyperscan database of ``(pattern, flags)`` pairs, built once.

    Compiling takes ~0.5 s, so the bytes are also kept on disk (``dbcache``). A file
    there was written only after its patterns passed ``check_pattern``; the key holds
    the checker's source, so a stricter checker never trusts an older file.
    """
    hs = _load_hyperscan()
    assert hs is not None
    key = dbcache.key_of(_CACHE_FORMAT, hs.__version__, platform.machine(), _checker(), patterns)
    data = dbcache.read(_CACHE_NAME, key)
    if data is not None and _loads(hs, data):
        return data
    for pattern, flags in patterns:
        check_pattern(pattern, re.RegexFlag(flags))
    data = _compile(hs, patterns)
    dbcache.write(_CACHE_NAME, key, data)
    return data


def _compile(hs: Any, patterns: tuple[tuple[str, int], ...]) -> bytes:
    base = hs.HS_FLAG_MULTILINE | hs.HS_FLAG_SINGLEMATCH
    flags = [base | (hs.HS_FLAG_CASELESS if f & re.IGNORECASE else 0) for _, f in patterns]
    db = hs.Database(mode=hs.HS_MODE_BLOCK)
    db.compile(
        expressions=[p.encode("ascii") for p, _ in patterns],
        ids=list(range(len(patterns))),
        elements=len(patterns),
        flags=flags,
    )
    return bytes(hs.dumpb(db))


def _loads(hs: Any, data: bytes) -> bool:
    """Whether this Hyperscan accepts ``data`` (another build or CPU may not)."""
    try:
        hs.Scratch(hs.loadb(data, mode=hs.HS_MODE_BLOCK))  # scratch checks the platform
    except hs.error as exc:
        log.info("recompiling the signature database: cached copy refused (%s)", exc)
        return False
    return True


@functools.cache
def _checker() -> str:
    # The source, not __file__: mypyc derives a wrong __file__ for modules of a group in a package.
    package = resources.files(regexinfo.__name__.rpartition(".")[0])
    return dbcache.key_of(package.joinpath("regexinfo.py").read_bytes())


def _record(index: int, _start: int, end: int, _flags: int, found: dict[int, int]) -> None:
    # SINGLEMATCH: each pattern reports once, at its earliest end
    found[index] = end


def _load_hyperscan() -> Any | None:
    try:
        import hyperscan
    except ImportError:
        return None
    return hyperscan


class Matcher:
    """All patterns compiled once; ``scan`` reports the first matching line of each.

    Thread-safe: every thread scans with its own Hyperscan scratch space.
    """

    def __init__(self, specs: Sequence[PatternSpec], backend: BackendName | None = None) -> None:
        wanted = backend or os.environ.get("REBOUND_MATCHER", "hyperscan")
        hs = _load_hyperscan() if wanted != "python" else None
        if wanted == "hyperscan" and hs is None:
            log.warning("hyperscan is not importable; using the pure-Python matcher")
        self._impl: _PythonBackend | _HyperscanBackend
        if hs is not None:
            self._impl = _HyperscanBackend(specs, hs)  # checks the patterns when it compiles
        else:
            for spec in specs:
                check_pattern(spec.pattern, spec.flags)
            self._impl = _PythonBackend(specs)
        self.size = len(specs)

    @property
    def backend(self) -> BackendName:
        """Which back-end this matcher runs on."""
        return self._impl.name

    def scan(self, data: bytes) -> list[Hit]:
        """Hits in pattern order: each matching pattern with the line of its first match."""
        ends = self._impl.first_ends(data)
        if not ends:
            return []
        return [Hit(index, *_line_of(data, max(ends[index] - 1, 0))) for index in sorted(ends)]
