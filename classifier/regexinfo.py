"""What the matcher needs to know about a signature pattern, read from its parse tree.

Two facts: whether the pattern stays inside Hyperscan's dialect and on one line (so
both back-ends agree on *which line* a match is on), and which literal substrings any
match must contain (the pure-Python back-end's prefilter).
"""

from __future__ import annotations

import re

# The stdlib's own regex parser: the only exact reading of Python's syntax.
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

_MIN_LITERAL = 3
_EDGE = "\x00"  # marks a word boundary the pattern asserts (\b, ^, $) inside a literal
_WORD = re.compile(r"\w+")
_WORD_CHAR = re.compile(r"\w")
_BOUNDARIES = {
    sre.AT_BOUNDARY,
    sre.AT_BEGINNING,
    sre.AT_BEGINNING_STRING,
    sre.AT_END,
    sre.AT_END_STRING,
}
_UNSUPPORTED = {
    sre.GROUPREF: "backreference",
    sre.GROUPREF_EXISTS: "conditional group",
    sre.ASSERT: "lookaround",
    sre.ASSERT_NOT: "lookaround",
    sre.ATOMIC_GROUP: "atomic group",
    sre.POSSESSIVE_REPEAT: "possessive repeat",
}
_NEWLINE_CATEGORIES = {sre.CATEGORY_SPACE, sre.CATEGORY_NOT_DIGIT, sre.CATEGORY_NOT_WORD}
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT)


def check_pattern(pattern: str, flags: re.RegexFlag) -> None:
    """Raise ValueError unless ``pattern`` is ASCII, portable to Hyperscan and single-line.

    Single-line means no match can contain a newline: then the earliest-ending match
    (Hyperscan) and the leftmost match (``re``) always lie on the same line.
    """
    if not pattern.isascii():
        raise ValueError(f"non-ASCII pattern: {pattern!r}")
    if flags & ~re.IGNORECASE:
        raise ValueError(f"only re.IGNORECASE is supported: {pattern!r}")
    tree = sre_parse.parse(pattern, flags)
    if tree.state.flags & ~re.UNICODE != flags:
        raise ValueError(f"inline flags are not supported: {pattern!r}")
    _walk(tree, pattern)
    if re.compile(pattern, flags).fullmatch(""):
        raise ValueError(f"pattern matches the empty string: {pattern!r}")


def _walk(seq: Any, pattern: str) -> None:
    for op, av in seq:
        if op in _UNSUPPORTED:
            raise ValueError(f"{_UNSUPPORTED[op]} in {pattern!r}")
        if op is sre.SUBPATTERN:
            if av[1] or av[2]:
                raise ValueError(f"inline flags are not supported: {pattern!r}")
            _walk(av[3], pattern)
        elif op is sre.BRANCH:
            for branch in av[1]:
                _walk(branch, pattern)
        elif op in _REPEATS:
            _walk(av[2], pattern)
        elif _leaf_matches_newline(op, av):
            raise ValueError(f"pattern can match a newline: {pattern!r}")


def _leaf_matches_newline(op: Any, av: Any) -> bool:
    if op is sre.LITERAL:
        return bool(av == 10)
    if op is sre.NOT_LITERAL:
        return bool(av != 10)
    if op is sre.IN:
        negate = bool(av) and av[0][0] is sre.NEGATE
        return _set_has_newline(av) != negate
    return False  # ANY without DOTALL, AT anchors


def _set_has_newline(items: Any) -> bool:
    for op, av in items:
        if op is sre.LITERAL and av == 10:
            return True
        if op is sre.RANGE and av[0] <= 10 <= av[1]:
            return True
        if op is sre.CATEGORY and av in _NEWLINE_CATEGORIES:
            return True
    return False


def required_literals(pattern: str, flags: re.RegexFlag) -> frozenset[bytes] | None:
    """Lower-cased literals one of which every match contains, or None if none is useful."""
    best = _requirement(sre_parse.parse(pattern, flags))
    if best is None or min(len(lit.strip(_EDGE)) for lit in best) < _MIN_LITERAL:
        return None
    return frozenset(lit.replace(_EDGE, "").lower().encode("ascii") for lit in best)


def required_words(pattern: str, flags: re.RegexFlag) -> frozenset[bytes] | None:
    """Lower-cased whole words (``\\w+`` tokens of the text) one of which every match holds.

    A word counts only when the pattern itself bounds it on both sides (a non-word
    literal character, ``\\b``, ``^`` or ``$``), so it must appear as a complete token.
    """
    best = _requirement(sre_parse.parse(pattern, flags))
    if best is None:
        return None
    words = set()
    for literal in best:
        complete = [
            w for w in _WORD.findall(literal) if len(w) >= _MIN_LITERAL and _is_complete(w, literal)
        ]
        if not complete:
            return None
        words.add(max(complete, key=len).lower().encode("ascii"))
    return frozenset(words)


def _is_complete(word: str, literal: str) -> bool:
    start = literal.find(word)
    while start >= 0:
        before = literal[start - 1] if start else ""
        end = start + len(word)
        after = literal[end] if end < len(literal) else ""
        if before and after and not _WORD_CHAR.match(before) and not _WORD_CHAR.match(after):
            return True
        start = literal.find(word, start + 1)
    return False


def _score(req: frozenset[str] | None) -> tuple[int, int]:
    if not req:
        return (0, 0)
    return (min(len(lit.strip(_EDGE)) for lit in req), -len(req))


def _requirement(seq: Any) -> frozenset[str] | None:
    best: frozenset[str] | None = None
    run: list[str] = []

    def consider(req: frozenset[str] | None) -> None:
        nonlocal best
        if req and _score(req) > _score(best):
            best = req

    for op, av in seq:
        char = _single_char(op, av)
        if char is None and op is sre.AT and av in _BOUNDARIES:
            char = _EDGE
        if char is not None:
            run.append(char)
            continue
        consider(frozenset({"".join(run)}) if run else None)
        run = []
        consider(_sub_requirement(op, av))
    consider(frozenset({"".join(run)}) if run else None)
    return best


def _sub_requirement(op: Any, av: Any) -> frozenset[str] | None:
    if op is sre.SUBPATTERN:
        return _requirement(av[3])
    if op is sre.BRANCH:
        alternatives = [_requirement(branch) for branch in av[1]]
        if any(not alt for alt in alternatives):
            return None
        return frozenset().union(*(alt for alt in alternatives if alt))
    if op in _REPEATS and av[0] >= 1:
        return _requirement(av[2])
    return None


def _single_char(op: Any, av: Any) -> str | None:
    if op is sre.LITERAL:
        return chr(av)
    if op is sre.IN and av and all(item_op is sre.LITERAL for item_op, _ in av):
        chars = {chr(item_av).lower() for _, item_av in av}
        if len(chars) == 1:
            return chars.pop()
    return None
