"""The importers by name, and how a file's format is recognised by name and content."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from rebound.collector.importers.model import Problem, Run


class Importer(ABC):
    """One trajectory format: recognise a file, read it into runs. Subclass and register."""

    name: ClassVar[str]  # the FORMAT argument of ``rebound import``
    description: ClassVar[str]  # its line in ``rebound import --list``

    @abstractmethod
    def recognises(self, path: Path, head: bytes) -> bool:
        """Whether file ``path`` (its name, and ``head``: its first bytes) is in this format."""

    def claims_dir(self, path: Path) -> bool:
        """Whether directory ``path`` is one input of this format (not a tree to walk)."""
        return False

    @abstractmethod
    def read(self, path: Path) -> Iterator[Run | Problem]:
        """Every run in ``path``; what cannot be read is yielded as a ``Problem``."""


FORMATS: dict[str, Importer] = {}


def register(importer: Importer) -> Importer:
    """Add an importer under its name (a module calls this once, at import)."""
    if importer.name in FORMATS:
        raise ValueError(f"importer {importer.name!r} registered twice")
    FORMATS[importer.name] = importer
    return importer


def load_all() -> dict[str, Importer]:
    """Every built-in importer, registered (importing the modules registers them)."""
    from rebound.collector.importers import (  # noqa: F401
        atif,
        claude_code,
        codex,
        mini_swe_agent,
        openhands,
        swe_agent,
    )

    return FORMATS


def recognise(path: Path, head: bytes) -> Importer | None:
    """The first importer that recognises file ``path``, or None.

    Every format is JSON, so a file that does not start like JSON is none of them,
    whatever words its first bytes happen to contain.
    """
    if head.lstrip()[:1] not in (b"{", b"["):
        return None
    for importer in load_all().values():
        if importer.recognises(path, head):
            return importer
    return None


def claimant(path: Path) -> Importer | None:
    """The importer that takes directory ``path`` as one input, or None."""
    for importer in load_all().values():
        if importer.claims_dir(path):
            return importer
    return None
