"""An on-disk cache for compiled artefacts (the Hyperscan database), keyed by content.

Compiling every signature costs ~0.5 s at each process start; the result depends only on
the patterns, the Hyperscan build and the machine, so it is kept under
``$XDG_CACHE_HOME/rebound`` (default ``~/.cache/rebound``). Every failure (no home, a
read-only directory, a truncated or foreign file) means "build it": the cache only saves
time, it never decides a result.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

_DIGEST = 32  # bytes of SHA-256 that head each file and vouch for the rest


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/rebound``, else ``~/.cache/rebound``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rebound"


def key_of(*parts: object) -> str:
    """A file-name-safe digest of ``parts`` (their ``repr``: use plain, ordered values)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def read(name: str, key: str, directory: Path | None = None) -> bytes | None:
    """The bytes stored for ``key``, or None when absent, unreadable or damaged."""
    path = (directory or cache_dir()) / f"{name}-{key}.bin"
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    data = raw[_DIGEST:]
    if hashlib.sha256(data).digest() != raw[:_DIGEST]:
        log.warning("ignoring damaged cache file %s", path)
        return None
    return data


def write(name: str, key: str, data: bytes, directory: Path | None = None) -> None:
    """Store ``data`` for ``key`` atomically; a directory that cannot be written is skipped."""
    folder = directory or cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}-")
    except OSError as exc:
        log.debug("not caching %s in %s: %s", name, folder, exc)
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(hashlib.sha256(data).digest() + data)
        os.replace(tmp, folder / f"{name}-{key}.bin")
    except OSError as exc:
        log.debug("not caching %s in %s: %s", name, folder, exc)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
