"""Atomic file writing: the one way policytag writes a file (temp file in the same folder, fsync, rename).

Readers see the old file or the new one, never half of it; a failed write leaves no temp file behind.
Kept free of heavy imports so the CLI can use it for `-o FILE` without loading scikit-learn.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def atomic_file(path: Path, binary: bool = True) -> Iterator[IO[Any]]:
    """A handle (bytes, or UTF-8 text) on a temp file beside `path`; it replaces `path` when the block ends
    without an error. A `path` that is not a regular file (/dev/null, /dev/stdout, a named pipe) is written
    to as it is: renaming over it would replace the device or pipe with a file (as root, /dev/null itself)."""
    if path.exists() and not path.is_file():
        with open(path, "wb") if binary else open(path, "w", encoding="utf-8", newline="") as through:
            yield through
        return
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        handle: IO[Any] = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes files private; reports, results and manifests are meant to be read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically, creating the folder if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as handle:
        handle.write(data)
