"""Tagging takes turns: one text (or one batch of an upload's paragraphs) at a time in each worker process.

Tagging is CPU-bound Python, so the threads of one process cannot tag in parallel anyway (the GIL); several
trying at once only add GIL hand-overs, each a wake-up and a context switch, and with them server CPU per
request (`benchmarks/load.py` measures it). Turns are first come, first served, and taken per text: a request
of many texts does not hold up a one-sentence request queued behind it for all of its length (a plain lock would let the
thread that just released it take it straight back). The threads stay free for work that waits on something
else (a label write waiting for the store, a response to a slow reader).
"""
from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from service.budget import Deadline


class Turns:
    """A first-come, first-served lock whose waiters may give up after a timeout."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._waiting: deque[threading.Lock] = deque()
        self._busy = False

    def acquire(self, timeout: float) -> bool:
        with self._guard:
            if not self._busy:
                self._busy = True
                return True
            mine = threading.Lock()
            mine.acquire()
            self._waiting.append(mine)
        if mine.acquire(timeout=min(max(timeout, 0.0), threading.TIMEOUT_MAX)):
            return True  # handed over by release(): the turn is ours
        with self._guard:
            try:
                self._waiting.remove(mine)
                return False
            except ValueError:
                pass  # handed over just as the wait ran out: pass the turn on, as if it had never come
        self.release()
        return False

    def release(self) -> None:
        with self._guard:
            if self._waiting:
                self._waiting.popleft().release()  # the next in line has the turn; still busy
            else:
                self._busy = False

    def busy(self) -> bool:
        return self._busy

    def waiting(self) -> int:
        """How many callers wait in line for the turn."""
        with self._guard:
            return len(self._waiting)


_TAGGING = Turns()


def tagging_turns() -> Turns:
    """This process's turns to tag, to observe: whether one is taken (`busy()`) and how many wait (`waiting()`)."""
    return _TAGGING


@contextmanager
def tagging_turn(deadline: Deadline) -> Iterator[None]:
    """Wait for this process's turn to tag, at most until `deadline` (then TimeIsUp, as for slow tagging)."""
    if not _TAGGING.acquire(deadline.remaining()):
        raise deadline.expired()
    try:
        yield
    finally:
        _TAGGING.release()
