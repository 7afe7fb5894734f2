"""Background training jobs: one process per run, its state in `<home>/jobs/<id>.json`.

The web worker takes the training lock and hands it to the child process, so "one training at a time"
holds across workers and the CLI; a job whose process died (even kill -9) is reported as failed because
the lock is free again while its state still says running.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import traceback
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from model.atomic import write_atomic
from training.learning.gate import DEFAULT_TOLERANCE
from training.learning.run import LOCK_FILE, TrainingBusy, run_training
from training.ops.locks import Busy, is_locked, try_lock

_ID_CHARS = set("0123456789abcdef")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _path(home: Path, job_id: str) -> Path:
    return home / "jobs" / f"{job_id}.json"


def _write(home: Path, job: dict[str, Any]) -> None:
    path = _path(home, job["id"])
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(job, ensure_ascii=False, indent=2).encode("utf-8"))


def start_job(home: Path, seeds: Path, force: bool = False, tolerance: float | None = None,
              requested_by: str | None = None) -> str:
    """Start training in a separate process; returns the job id. Raises TrainingBusy if one is running."""
    try:
        fd = try_lock(home / LOCK_FILE)
    except Busy:
        raise TrainingBusy("a training run is already in progress; wait for it (GET /v1/jobs/<id>)") from None
    try:
        job_id = uuid.uuid4().hex[:12]
        _write(home, {"id": job_id, "status": "queued", "created": _now(), "requested_by": requested_by,
                      "force": force})
        log = open(home / "jobs" / f"{job_id}.log", "ab")
        args = [sys.executable, "-m", "training.ops.jobs", str(home), str(seeds), job_id, str(fd), str(int(force))]
        if tolerance is not None:
            args.append(str(tolerance))
        # The child inherits the locked descriptor and holds it until it exits.
        process = subprocess.Popen(args, pass_fds=(fd,), stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
        log.close()
        threading.Thread(target=process.wait, daemon=True).start()  # reap it; no zombie in the worker
        return job_id
    finally:
        os.close(fd)


def get_job(home: Path, job_id: str) -> dict[str, Any] | None:
    """The job's state, or None if there is no such job."""
    if not job_id or set(job_id) - _ID_CHARS:
        return None
    try:
        job = json.loads(_path(home, job_id).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    if job["status"] in ("queued", "running") and not is_locked(home / LOCK_FILE):
        # Re-read: the job may have finished between the two reads.
        job = json.loads(_path(home, job_id).read_text(encoding="utf-8"))
        if job["status"] in ("queued", "running"):
            job.update(status="failed", finished=_now(),
                       error="the training process ended without finishing (killed or crashed); "
                             "the served model and the labels are unchanged; start training again")
            _write(home, job)
    return job


def _child(home: Path, seeds: Path, job_id: str, force: bool, tolerance: float | None) -> int:
    os.nice(5)  # tagging requests come first on a busy machine
    job = json.loads(_path(home, job_id).read_text(encoding="utf-8"))
    job.update(status="running", started=_now(), pid=os.getpid())
    _write(home, job)
    try:
        manifest = run_training(home, seeds, force=force, lock=False, progress=lambda m: print(m, flush=True),
                                tolerance=DEFAULT_TOLERANCE if tolerance is None else tolerance)
    except Exception as exc:  # noqa: BLE001 - every failure is reported in the job, not lost
        traceback.print_exc()
        job.update(status="failed", finished=_now(), error=f"{type(exc).__name__}: {exc}")
        _write(home, job)
        return 1
    job.update(status="succeeded", finished=_now(), version=manifest["version"],
               promoted=manifest["promotion"]["promoted"], promotion=manifest["promotion"],
               metrics=manifest["metrics"])
    _write(home, job)
    return 0


if __name__ == "__main__":
    _home, _seeds, _job, _fd, _force, *_rest = sys.argv[1:]
    sys.exit(_child(Path(_home), Path(_seeds), _job, _force == "1", float(_rest[0]) if _rest else None))


__all__ = ["TrainingBusy", "get_job", "start_job"]
