"""The serving worker's thread pool: short CPU-bound requests at most two at a time, handed from thread to thread.

gunicorn's threaded worker hands every request to `concurrent.futures.ThreadPoolExecutor`, so up to all of a
worker's threads run tag requests at once. They cannot run in parallel (the GIL, the tagging turn), so they only
pass the GIL back and forth: with 2 threads the same server spends less CPU per tag request and answers more of
them (`benchmarks/README.md` has the figures), but 2 threads are too few for requests that wait (an upload being
read, a label write waiting for the store). Here short work (`submit_short`: a small tag request) runs on at most
`short_limit` threads at once and a thread that finishes one takes the next waiting one itself, while other work
may use every thread. Idle threads wait in a stack, so the threads the load needs stay the same ones.
"""
from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

_Work = tuple[Future, Callable[..., Any], tuple[Any, ...]]


class _Slot:
    """One pool thread's mailbox: the work it is handed and the lock it sleeps on until then."""

    def __init__(self) -> None:
        self.work: tuple[_Work, bool] | None = None
        self.wake = threading.Lock()
        self.wake.acquire()


class LifoThreadPool:
    """At most `max_workers` threads, started when work finds none idle, of which at most `short_limit` run
    `submit_short` work; `submit` and `shutdown` as in `concurrent.futures.ThreadPoolExecutor` (what gunicorn's
    threaded worker uses of it)."""

    def __init__(self, max_workers: int, short_limit: int = 2, name: str = "policytag") -> None:
        if max_workers < 1 or short_limit < 1:
            raise ValueError("max_workers and short_limit must be at least 1")
        self._max = max_workers
        self._short_limit = short_limit
        self._name = name
        self._lock = threading.Lock()
        self._idle: list[_Slot] = []  # a stack: the thread that went idle last is woken first
        self._backlog: deque[tuple[_Work, bool]] = deque()  # work that found every thread busy (short or not)
        self._short_waiting: deque[_Work] = deque()  # short work beyond short_limit, first come first served
        self._short_running = 0  # short work on threads or in the backlog
        self._threads = 0
        self._closed = False

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future:
        return self._submit(fn, args, short=False)

    def submit_short(self, fn: Callable[..., Any], /, *args: Any) -> Future:
        """`submit` for short CPU-bound work: at most `short_limit` such items run at once."""
        return self._submit(fn, args, short=True)

    def _submit(self, fn: Callable[..., Any], args: tuple[Any, ...], short: bool) -> Future:
        future: Future = Future()
        work = (future, fn, args)
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot submit work after shutdown")
            if short:
                if self._short_running >= self._short_limit:
                    self._short_waiting.append(work)
                    return future
                self._short_running += 1
            if self._idle:
                slot = self._idle.pop()
                slot.work = (work, short)
                slot.wake.release()
            elif self._threads < self._max:
                self._threads += 1
                threading.Thread(target=self._run, args=((work, short),), name=f"{self._name}-{self._threads}",
                                 daemon=True).start()
            else:
                self._backlog.append((work, short))
        return future

    def _run(self, item: tuple[_Work, bool] | None) -> None:
        slot = _Slot()
        while item is not None:
            (future, fn, args), short = item
            if future.set_running_or_notify_cancel():
                try:
                    result = fn(*args)
                except BaseException as exc:  # noqa: BLE001 - handed to the future, as ThreadPoolExecutor does
                    future.set_exception(exc)
                else:
                    future.set_result(result)
            del future, fn, args
            with self._lock:
                if short and self._short_waiting:  # the next short item takes this one's place, on this thread
                    item = (self._short_waiting.popleft(), True)
                    continue
                if short:
                    self._short_running -= 1
                if self._backlog:
                    item = self._backlog.popleft()
                    continue
                if self._closed:
                    self._threads -= 1
                    return
                self._idle.append(slot)
            slot.wake.acquire()
            item, slot.work = slot.work, None

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop taking work; idle threads end (`wait` is accepted and ignored: the threads are daemons)."""
        with self._lock:
            self._closed = True
            if cancel_futures:
                for work, _ in self._backlog:
                    work[0].cancel()
                for work in self._short_waiting:
                    work[0].cancel()
            idle, self._idle = self._idle, []
        for slot in idle:
            slot.work = None
            slot.wake.release()
