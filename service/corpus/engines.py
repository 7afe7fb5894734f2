"""Where tasks run: in this process (--jobs 1), a local process pool, or a Dask distributed cluster.

Every engine returns results in task order while keeping only a few tasks in flight per worker, so memory
stays flat however large the corpus is, and the output is the same bytes whatever the engine or N.
"""
from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from service.corpus import forkserver
from service.corpus.errors import CorpusError
from service.corpus.plan import Task
from service.corpus.rows import Settings
from service.corpus.worker import ModelRef, TaskResult, run_task

IN_FLIGHT_PER_WORKER = 3  # enough to keep a worker busy while the parent writes; bounds memory
SCHEDULER_CONNECT_TIMEOUT = "20s"  # how long to keep trying an existing scheduler before saying it cannot be reached
# A LocalCluster for one batch run: Dask's sampling profiler and GIL monitor cost CPU that nobody looks at
# here. Dask's default environment for workers sets MALLOC_TRIM_THRESHOLD_, and setting any glibc malloc
# threshold turns off its dynamic mmap threshold, so every large array would be mmapped and unmapped again
# (page faults and system time; benchmarks/README.md has the figures). The event loop's own timers
# (blocked-loop check, system and memory monitors) would wake each worker many times a second for a dashboard
# nobody opens. Work stealing only reshuffles the few tasks in flight.
# The nannies pass this config to the workers.
LOCAL_CLUSTER_CONFIG: dict[str, object] = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.nanny.pre-spawn-environ": forkserver.WORKER_ENVIRONMENT,
    "distributed.admin.tick.interval": "500ms",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.scheduler.work-stealing": False,
}


class Engine(Protocol):
    def run(self, tasks: Iterable[Task], settings: Settings, ref: ModelRef) -> Iterator[TaskResult]: ...
    def close(self) -> None: ...


def _ordered(submit: Any, tasks: Iterable[Task], window: int) -> Iterator[TaskResult]:
    """Submit up to `window` tasks ahead and yield their results in submission order."""
    pending: deque[Any] = deque()
    iterator = iter(tasks)
    for task in iterator:
        pending.append(submit(task))
        if len(pending) >= window:
            break
    while pending:
        result = pending.popleft().result()
        for task in iterator:
            pending.append(submit(task))
            break
        yield result


class InProcess:
    """--jobs 1: no worker process, no copying of rows between processes."""

    def run(self, tasks: Iterable[Task], settings: Settings, ref: ModelRef) -> Iterator[TaskResult]:
        for task in tasks:
            yield run_task(task, settings, ref)

    def close(self) -> None:
        pass


def _worker_init() -> None:
    # Ctrl-C goes to the whole process group; the parent stops the pool and keeps the partial output.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A parent killed outright (kill -9, OOM killer) cannot stop its workers, and they would wait for work
    # forever holding a model each: they leave when their parent is gone.
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="policytag-parent-watch").start()


class LocalPool:
    """N worker processes on this machine; each loads the model on its first task and keeps it."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.pool = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init)

    def run(self, tasks: Iterable[Task], settings: Settings, ref: ModelRef) -> Iterator[TaskResult]:
        def submit(task: Task) -> Future[TaskResult]:
            return self.pool.submit(run_task, task, settings, ref)

        try:
            yield from _ordered(submit, tasks, IN_FLIGHT_PER_WORKER * self.jobs)
        except BrokenProcessPool:
            raise CorpusError("a worker process died (killed, or out of memory?); with -o FILE the rows written "
                              "so far are kept: rerun with --resume (and fewer --jobs if memory is short)") from None

    def close(self) -> None:
        processes = list((getattr(self.pool, "_processes", None) or {}).values())
        self.pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():  # a worker in the middle of a long file (Ctrl-C, an error): the run is over
                process.terminate()
        for process in processes:
            process.join(timeout=5)


class DaskEngine:
    """A Dask distributed cluster (`scheduler` address), or a LocalCluster of `jobs` single-threaded workers.

    Tasks carry paths, not file contents (stdin and .jsonl slices excepted): workers must see the inputs and
    the data directory at the same paths. Each worker process loads the model once (see worker.load_model).
    """

    def __init__(self, jobs: int, scheduler: str | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise CorpusError("--engine dask needs Dask: pip install 'policytag[dask]' "
                              "(or pip install 'dask[distributed]')") from None
        self.cluster = None
        try:
            if scheduler:
                self.client = Client(scheduler, timeout=SCHEDULER_CONNECT_TIMEOUT)
            else:
                import dask

                config = dict(LOCAL_CLUSTER_CONFIG)
                if forkserver.available():  # not on Windows
                    config["distributed.worker.multiprocessing-method"] = "forkserver"
                with dask.config.set(config):
                    _preload_forkserver()
                    self.cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                                dashboard_address=None, silence_logs=logging.ERROR)
                self.client = Client(self.cluster)
        except OSError as exc:
            raise CorpusError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); check --scheduler "
                              "(tcp://HOST:PORT) and that the scheduler is running") from None
        threads = sum(self.client.nthreads().values()) or jobs
        self.window = IN_FLIGHT_PER_WORKER * max(threads, 1)

    def run(self, tasks: Iterable[Task], settings: Settings, ref: ModelRef) -> Iterator[TaskResult]:
        def submit(task: Task) -> Any:
            # pure=False: two tasks are never merged by Dask, whatever they hold
            return self.client.submit(run_task, task, settings, ref, pure=False)

        return _ordered(submit, tasks, self.window)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _preload_forkserver() -> None:
    """Workers fork from a server process that has imported Dask and the tagger (service.corpus.forkserver;
    `policytag tag` has usually started it already, while it imported the rest)."""
    try:
        from distributed.utils import get_mp_context

        context = get_mp_context()  # Dask sets its own preload list on its first call: call first, then replace
    except (ImportError, AttributeError):  # another Dask version: workers start as Dask starts them
        return
    if context.get_start_method() == "forkserver":
        forkserver.start()  # sets our preload list (replacing Dask's) and starts the server if it is not running


def make_engine(engine: str, jobs: int, scheduler: str | None = None) -> Engine:
    """The engine for --engine/--jobs/--scheduler."""
    if engine == "dask":
        return DaskEngine(jobs, scheduler)
    if scheduler:
        raise CorpusError("--scheduler is for --engine dask; add --engine dask or drop --scheduler")
    return InProcess() if jobs <= 1 else LocalPool(jobs)


def default_jobs() -> int:
    """--jobs default: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)
