"""The serving worker's thread pool: short tag requests two at a time in arrival order, other work never waits
behind them, and results and failures reach the caller as from concurrent.futures."""
from __future__ import annotations

import threading
import time

import pytest

from service.pool import LifoThreadPool


def test_short_work_runs_at_most_short_limit_at_once_and_in_arrival_order():
    pool = LifoThreadPool(8, short_limit=2)
    running, most, order = [0], [0], []
    lock = threading.Lock()
    pair = threading.Barrier(2)  # each task waits for a second one to be running: a limit of 1 would hang here

    def work(k: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
            order.append(k)
        pair.wait(timeout=10)
        with lock:
            running[0] -= 1
        return k

    futures = [pool.submit_short(work, k) for k in range(12)]
    assert [f.result(timeout=10) for f in futures] == list(range(12))
    assert most[0] == 2
    # first come, first served: two threads take turns, so neighbours may start in either order, no more
    assert all(abs(position - k) <= 1 for position, k in enumerate(order)), order
    pool.shutdown()


def test_other_work_is_served_while_short_work_fills_its_places():
    pool = LifoThreadPool(4, short_limit=2)
    release = threading.Event()
    blocked = [pool.submit_short(release.wait, 30) for _ in range(5)]  # two running, three in line
    # A label write, an upload: not in line behind them (were it, it would wait for the release below).
    assert pool.submit(lambda: "write").result(timeout=10) == "write"
    release.set()
    assert all(f.result(timeout=10) for f in blocked)
    pool.shutdown()


def test_work_beyond_the_threads_waits_and_then_runs():
    pool = LifoThreadPool(2, short_limit=1)
    gate = threading.Event()
    held = [pool.submit(gate.wait, 10) for _ in range(2)]
    ran = threading.Event()
    queued = pool.submit(lambda: ran.set() or 42)
    assert not ran.wait(0.1)  # both threads are held: it waits ...
    gate.set()
    assert queued.result(timeout=10) == 42 and all(f.result(timeout=10) for f in held)  # ... then runs
    pool.shutdown()


def test_a_failure_reaches_the_future_and_the_pool_goes_on():
    pool = LifoThreadPool(2)
    failed = pool.submit_short(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        failed.result(timeout=5)
    assert pool.submit_short(lambda: "next").result(timeout=5) == "next"
    pool.shutdown()
    with pytest.raises(RuntimeError):
        pool.submit(lambda: None)


def test_the_same_thread_takes_the_next_request_when_one_is_enough():
    pool = LifoThreadPool(8)
    names = set()
    for _ in range(30):
        names.add(pool.submit(lambda: threading.current_thread().name).result(timeout=5))
        # As a client's requests come: the next one a moment after the answer to the last. The gap is what is
        # modelled (the answering thread goes idle in it, which only the pool's private state would show).
        time.sleep(0.005)
    assert len(names) == 1  # one request at a time: one warm thread, not a round over all eight
    pool.shutdown()
