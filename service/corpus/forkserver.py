"""The process Dask's LocalCluster workers fork from, started before this process imports the tagger.

Workers fork from one server process that has imported Dask and the tagger once: spawned workers would each
import them again, and forking this process itself is unsafe once Dask's event-loop thread runs. Started first
thing by `policytag tag --engine dask` (without --scheduler), the server imports them on one core while this
process imports what it needs on the other, so the workers are ready sooner (benchmarks/README.md). This module
imports only the standard library.
"""
from __future__ import annotations

import importlib.util
import multiprocessing
import os

PRELOAD = ["distributed", "service.corpus.worker"]
# What Dask's nannies set for their workers (one thread per numerical library); the workers inherit the
# server's environment, and the server starts before a nanny could set anything.
WORKER_ENVIRONMENT = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def available() -> bool:
    """Whether workers can fork from a server (not on Windows)."""
    return "forkserver" in multiprocessing.get_all_start_methods()


def start() -> None:
    """Start the fork server now (it imports PRELOAD); a no-op where there is none, without Dask (the command
    is about to say how to install it), or if it already runs."""
    if not available() or importlib.util.find_spec("distributed") is None:
        return
    for name, value in WORKER_ENVIRONMENT.items():
        os.environ.setdefault(name, value)  # this process does no numerical work itself with --engine dask
    multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
    from multiprocessing import forkserver

    forkserver.ensure_running()
