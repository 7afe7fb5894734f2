"""The process Dask's LocalCluster workers fork from, started before this process imports the tagger.

Workers fork from one server process that has imported Dask, scikit-learn and the tagger once: spawned workers
each imported them again (~2.5 CPU s a worker), and forking this process itself is unsafe once Dask's
event-loop thread runs. Started first thing by `policytag tag --engine dask` (without --scheduler), the server
imports them on one core while this process imports the same for its own part on the other: the workers were
ready 1.5-2 s after the command started instead of 3.3-4 s. This module imports only the standard library.
"""
from __future__ import annotations

import multiprocessing

PRELOAD = ["distributed", "service.corpus.worker"]


def available() -> bool:
    """Whether workers can fork from a server (not on Windows)."""
    return "forkserver" in multiprocessing.get_all_start_methods()


def start() -> None:
    """Start the fork server now (it imports PRELOAD); a no-op where there is none, or if it already runs."""
    if not available():
        return
    multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
    from multiprocessing import forkserver

    forkserver.ensure_running()
