"""The importer interface: what a format must provide before it can be registered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rebound.collector.importers.model import Problem, Run
from rebound.collector.importers.registry import Importer, load_all


class _RecognisesOnly(Importer):
    name = "half"
    description = "recognises files but cannot read them"

    def recognises(self, path: Path, head: bytes) -> bool:
        return True


class _Complete(_RecognisesOnly):
    def read(self, path: Path) -> Iterator[Run | Problem]:
        yield Problem(str(path), None, "never readable")


def test_a_format_without_a_reader_cannot_be_made() -> None:
    with pytest.raises(TypeError, match="read"):
        _RecognisesOnly()  # type: ignore[abstract]


def test_a_complete_format_claims_no_directory_unless_it_says_so(tmp_path: Path) -> None:
    importer = _Complete()
    assert importer.claims_dir(tmp_path) is False
    missing = tmp_path / "x"
    assert list(importer.read(missing)) == [Problem(str(missing), None, "never readable")]


def test_every_built_in_format_is_registered_under_its_name_with_a_description() -> None:
    formats = load_all()
    built_in = {"atif", "claude-code", "codex", "mini-swe-agent", "openhands", "swe-agent"}
    assert built_in <= set(formats)
    for name, importer in formats.items():
        assert importer.name == name
        assert importer.description.strip()
