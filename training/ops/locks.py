"""Cross-process locks on files in the data directory (gunicorn workers, CLI and training jobs share it)."""
from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from model.errors import PolicytagError


class Busy(PolicytagError):
    """Another process holds the lock."""


def try_lock(path: Path) -> int:
    """Take an exclusive lock without waiting; returns the open descriptor (closing it releases the lock)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise Busy(str(path)) from None
    return fd


def is_locked(path: Path) -> bool:
    try:
        os.close(try_lock(path))
    except Busy:
        return True
    return False


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock for a short read-modify-write, waiting for other holders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
