"""A minimal YAML writer for the rule files (maps, lists, strings, numbers).

Kept here so rule generation needs no YAML library; multi-line strings become ``|-`` blocks
so PromQL stays readable in review.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

Node = Mapping[str, "Node"] | Sequence["Node"] | str | int | float

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_:./-]*|[0-9]+[smhdwy]")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}


def _scalar(value: str | int | float) -> str:
    if isinstance(value, bool):
        raise TypeError("booleans are not used in rule files")
    if isinstance(value, int | float):
        return json.dumps(value)
    if _PLAIN.fullmatch(value) and value.lower() not in _RESERVED:
        return value
    if "\n" not in value:
        return "'" + value.replace("'", "''") + "'"  # single quotes: PromQL's " stays as is
    return json.dumps(value, ensure_ascii=False)


def _block(text: str, indent: str) -> list[str]:
    return ["|-", *(f"{indent}{line}" if line else "" for line in text.split("\n"))]


def _lines(node: Node, indent: str) -> list[str]:
    out: list[str] = []
    if isinstance(node, Mapping):
        for key, value in node.items():
            out.extend(_entry(f"{indent}{key}:", value, indent))
    elif isinstance(node, Sequence) and not isinstance(node, str):
        for item in node:
            if isinstance(item, str | int | float):
                out.append(f"{indent}- {_scalar(item)}")
                continue
            body = _lines(item, indent + "  ")
            out.append(f"{indent}- {body[0].lstrip()}")
            out.extend(body[1:])
    else:
        raise TypeError(f"not a collection: {node!r}")
    return out


def _entry(head: str, value: Node, indent: str) -> list[str]:
    if isinstance(value, str) and "\n" in value and not value[:1].isspace():
        block = _block(value, indent + "  ")
        return [f"{head} {block[0]}", *block[1:]]
    if isinstance(value, str | int | float):
        return [f"{head} {_scalar(value)}"]
    if not value:
        return [f"{head} {'{}' if isinstance(value, Mapping) else '[]'}"]
    return [head, *_lines(value, indent + "  ")]


def dump(node: Mapping[str, Node], header: str = "") -> str:
    """``node`` as YAML text, each ``header`` line as a leading comment."""
    comments = [f"# {line}".rstrip() for line in header.splitlines()]
    return "\n".join([*comments, *_lines(node, "")]) + "\n"
