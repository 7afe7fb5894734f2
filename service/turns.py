"""Tagging takes turns: one text (or one batch of an upload's paragraphs) at a time in each worker process.

Tagging is CPU-bound Python, so the threads of one process cannot tag in parallel anyway (the GIL); several
trying at once only add GIL hand-overs, each a wake-up and a context switch. On the load benchmark with 8
threads, two workers and connections spread unevenly, that made the server spend 1,240-1,620 us of CPU per
request instead of ~1,030 us. Taking turns per text keeps a request of many texts from holding up the others
for all of its length, and leaves the threads free for work that waits on something else (a label write
waiting for the store, a response to a slow reader).
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from service.budget import Deadline

_TAGGING = threading.Lock()


@contextmanager
def tagging_turn(deadline: Deadline) -> Iterator[None]:
    """Wait for this process's turn to tag, at most until `deadline` (then ApiError 503, as for slow tagging)."""
    if not _TAGGING.acquire(timeout=deadline.remaining()):
        raise deadline.expired()
    try:
        yield
    finally:
        _TAGGING.release()
