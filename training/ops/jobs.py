"""Background training jobs: one process per run, one run at a time, a dead run reported failed.

Two backends with one contract (`start` -> job id or TrainingBusy; `get` -> the job's record):
- `FileJobs` (the embedded default): records in `<home>/jobs/<id>.json`. The web worker takes the training
  lock file and hands it to the child process, so "one training at a time" holds across workers and the CLI;
  a job whose process died (even kill -9) is reported failed because the lock is free while it says running.
- `DatabaseJobs` (shared PostgreSQL): records are rows of `training_jobs`. The child process holds a session
  advisory lock for the whole run, so exactly one host trains at a time cluster-wide; starts are serialised by
  a second lock. A running job whose database session is gone (its host died) is reported failed, and a queued
  job that no process picked up within `QUEUE_GRACE_S` too.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from model.atomic import write_atomic
from training.errors import TrainingBusy
from training.ops.locks import Busy, is_locked, try_lock

LOCK_FILE = "train.lock"
QUEUE_GRACE_S = 60  # a queued job must be picked up by its process within this
_ID_CHARS = set("0123456789abcdef")
DIED = ("the training process ended without finishing (killed or crashed, or its host went away); "
        "the served model and the labels are unchanged; start training again")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _valid_id(job_id: str) -> bool:
    return bool(job_id) and not set(job_id) - _ID_CHARS


def _spawn(home: Path, seeds: Path, job_id: str, force: bool, tolerance: float | None, fd: int | None,
           env: dict[str, str] | None = None) -> None:
    """Start the training child (`python -m training.ops.jobs ...`), logging to `<home>/jobs/<id>.log`."""
    (home / "jobs").mkdir(parents=True, exist_ok=True)
    log = open(home / "jobs" / f"{job_id}.log", "ab")
    args = [sys.executable, "-m", "training.ops.jobs", str(home), str(seeds), job_id,
            "-" if fd is None else str(fd), str(int(force))]
    if tolerance is not None:
        args.append(str(tolerance))
    process = subprocess.Popen(args, pass_fds=() if fd is None else (fd,), stdout=log, stderr=log,
                               stdin=subprocess.DEVNULL, start_new_session=True, env={**os.environ, **(env or {})})
    log.close()
    threading.Thread(target=process.wait, daemon=True).start()  # reap it; no zombie in the worker


class FileJobs:
    """Jobs of one machine: JSON records in `<home>/jobs/`, one run at a time by a lock file."""

    def __init__(self, home: Path, seeds: Callable[[], Path]) -> None:
        """`seeds`: gives the seeds folder when a job starts (reading jobs needs none)."""
        self.home, self.seeds = Path(home), seeds

    def _path(self, job_id: str) -> Path:
        return self.home / "jobs" / f"{job_id}.json"

    def _write(self, job: dict[str, Any]) -> None:
        write_atomic(self._path(job["id"]), json.dumps(job, ensure_ascii=False, indent=2).encode("utf-8"))

    @contextmanager
    def training_lock(self) -> Iterator[None]:
        """Hold "the one training run" for the block; TrainingBusy if another run holds it."""
        try:
            fd = try_lock(self.home / LOCK_FILE)
        except Busy:
            raise TrainingBusy("another training run is in progress; wait for it to finish") from None
        try:
            yield
        finally:
            os.close(fd)

    def start(self, force: bool = False, tolerance: float | None = None, requested_by: str | None = None) -> str:
        """Start training in a separate process; returns the job id. Raises TrainingBusy if one is running."""
        seeds = self.seeds()  # before anything is recorded: no seeds folder, no job
        try:
            fd = try_lock(self.home / LOCK_FILE)
        except Busy:
            raise TrainingBusy("a training run is already in progress; wait for it (GET /v1/jobs/<id>)") from None
        try:
            job_id = uuid.uuid4().hex[:12]
            self._write({"id": job_id, "status": "queued", "created": _now(), "requested_by": requested_by,
                         "force": force})
            # The child inherits the locked descriptor; it keeps to the local files whatever its environment says.
            _spawn(self.home, seeds, job_id, force, tolerance, fd, {"POLICYTAG_DATABASE_URL": ""})
            return job_id
        finally:
            os.close(fd)

    def get(self, job_id: str) -> dict[str, Any] | None:
        """The job's record, or None if there is no such job."""
        if not _valid_id(job_id):
            return None
        try:
            job: dict[str, Any] = json.loads(self._path(job_id).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        if job["status"] in ("queued", "running") and not is_locked(self.home / LOCK_FILE):
            # Re-read: the job may have finished between the two reads.
            job = json.loads(self._path(job_id).read_text(encoding="utf-8"))
            if job["status"] in ("queued", "running"):
                job.update(status="failed", finished=_now(), error=DIED)
                self._write(job)
        return job

    def pid(self, job_id: str) -> int | None:
        """The process id of a job that has started running, or None (for operators on this host)."""
        try:
            return int(self._path(job_id).with_suffix(".pid").read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None

    def begin(self, job_id: str) -> dict[str, Any]:
        """In the child: mark the job running (the lock came with the inherited descriptor)."""
        job: dict[str, Any] = json.loads(self._path(job_id).read_text(encoding="utf-8"))
        job.update(status="running", started=_now())
        self._write(job)
        write_atomic(self.home / "jobs" / f"{job_id}.pid", f"{os.getpid()}\n".encode())
        return job

    def finish(self, job: dict[str, Any]) -> None:
        self._write(job)

    def end(self) -> None:
        """In the child, after the record is final (the lock goes with the process)."""


class DatabaseJobs:
    """Jobs shared by every host: rows of `training_jobs`, one run at a time by a PostgreSQL advisory lock."""

    def __init__(self, database: Any, home: Path, seeds: Callable[[], Path]) -> None:
        """`seeds`: gives the seeds folder when a job starts (reading jobs needs none)."""
        self.database, self.home, self.seeds = database, Path(home), seeds
        self._session: Any = None

    @contextmanager
    def training_lock(self) -> Iterator[None]:
        """Hold "the one training run" (cluster-wide) for the block; TrainingBusy if any host holds it."""
        from training.ops.database import TRAINING

        session = self.database.session()
        try:
            with self.database.guard():
                taken = session.execute("SELECT pg_try_advisory_lock(%s)", (TRAINING,)).fetchone()[0]
            if not taken:
                raise TrainingBusy("another training run is in progress (on this or another host); "
                                   "wait for it to finish")
            yield
        finally:
            session.close()  # ends the session, which releases the lock

    @staticmethod
    def _lock_held(conn: Any, backend_pid: int | None = None) -> bool:
        from training.ops.database import TRAINING

        sql = ("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = ?"
               " AND objsubid = 1 AND granted AND database = (SELECT oid FROM pg_database"
               " WHERE datname = current_database())" + (" AND pid = ?" if backend_pid is not None else "") + ")")
        params = (TRAINING,) if backend_pid is None else (TRAINING, backend_pid)
        return bool(conn.execute(sql, params).fetchone()[0])

    def start(self, force: bool = False, tolerance: float | None = None, requested_by: str | None = None) -> str:
        """Queue a job and start its process on this host; TrainingBusy if any host is training."""
        from training.ops.database import JOB_START

        seeds = self.seeds()  # before anything is recorded: no seeds folder, no job
        job_id = uuid.uuid4().hex[:12]
        record = {"id": job_id, "status": "queued", "created": _now(), "requested_by": requested_by, "force": force}
        busy = "a training run is already in progress (on this or another host); wait for it (GET /v1/jobs/<id>)"
        with self.database.locked(JOB_START) as conn:
            if self._lock_held(conn):
                raise TrainingBusy(busy)
            waiting = conn.execute("SELECT 1 FROM training_jobs WHERE status = 'queued' AND created_at > "
                                   f"now() - interval '{QUEUE_GRACE_S} seconds'").fetchone()
            if waiting:
                raise TrainingBusy(busy)
            conn.execute("INSERT INTO training_jobs (id, status, record, host) VALUES (?, 'queued', ?, ?)",
                         (job_id, json.dumps(record, ensure_ascii=False), socket.gethostname()))
        _spawn(self.home, seeds, job_id, force, tolerance, None, {"POLICYTAG_DATABASE_URL": self.database.url})
        return job_id

    def get(self, job_id: str) -> dict[str, Any] | None:
        """The job's record, or None; a job whose process is gone is reported (and recorded) failed."""
        if not _valid_id(job_id):
            return None
        with self.database.connection() as conn:
            row = conn.execute("SELECT record, status, backend_pid, created_at > now() - interval "
                               f"'{QUEUE_GRACE_S} seconds' FROM training_jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                return None
            record, status, backend_pid, fresh = row
            job: dict[str, Any] = json.loads(record)
            if status == "running" and backend_pid is not None and self._lock_held(conn, backend_pid):
                return job
            if status == "queued" and fresh:
                return job
            if status in ("queued", "running"):
                job.update(status="failed", finished=_now(), error=DIED)
                changed = conn.execute("UPDATE training_jobs SET status = 'failed', record = ? WHERE id = ?"
                                       " AND status = ? AND backend_pid IS NOT DISTINCT FROM ?",
                                       (json.dumps(job, ensure_ascii=False), job_id, status, backend_pid))
                if changed.rowcount == 0:  # it moved on meanwhile: report what it says now
                    job = json.loads(conn.execute("SELECT record FROM training_jobs WHERE id = ?",
                                                  (job_id,)).fetchone()[0])
        return job

    def pid(self, job_id: str) -> int | None:
        """The process id of a job that has started running (on the host in its row), or None."""
        with self.database.connection() as conn:
            row = conn.execute("SELECT pid FROM training_jobs WHERE id = ?", (job_id,)).fetchone()
        return int(row[0]) if row and row[0] is not None else None

    def begin(self, job_id: str) -> dict[str, Any]:
        """In the child: take the cluster-wide training lock for the life of this process, mark the job running."""
        from training.ops.database import TRAINING

        self._session = session = self.database.session()
        with self.database.guard():
            job: dict[str, Any] = json.loads(session.execute("SELECT record FROM training_jobs WHERE id = %s",
                                                             (job_id,)).fetchone()[0])
            taken = session.execute("SELECT pg_try_advisory_lock(%s)", (TRAINING,)).fetchone()[0]
        if not taken:
            job.update(status="failed", finished=_now(), error="another training run started first; try again later")
            self.finish(job)
            raise TrainingBusy(job["error"])
        job.update(status="running", started=_now())
        with self.database.guard():
            session.execute("UPDATE training_jobs SET status = 'running', record = %s, host = %s, pid = %s,"
                            " backend_pid = pg_backend_pid() WHERE id = %s",
                            (json.dumps(job, ensure_ascii=False), socket.gethostname(), os.getpid(), job_id))
        return job

    def finish(self, job: dict[str, Any]) -> None:
        with self.database.connection() as conn:
            conn.execute("UPDATE training_jobs SET status = ?, record = ? WHERE id = ?",
                         (job["status"], json.dumps(job, ensure_ascii=False), job["id"]))

    def end(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


def _child(home: Path, seeds: Path, job_id: str, force: bool, tolerance: float | None) -> int:
    from training.learning.gate import DEFAULT_TOLERANCE
    from training.workspace import Workspace

    os.nice(5)  # tagging requests come first on a busy machine
    workspace = Workspace(home, seeds)
    jobs = workspace.jobs.backend
    try:
        job = jobs.begin(job_id)
    except TrainingBusy:
        return 1
    try:
        try:
            manifest = workspace.train(force=force, lock=False, progress=lambda m: print(m, flush=True),
                                       tolerance=DEFAULT_TOLERANCE if tolerance is None else tolerance)
        except Exception as exc:  # noqa: BLE001 - every failure is reported in the job, not lost
            traceback.print_exc()
            job.update(status="failed", finished=_now(), error=f"{type(exc).__name__}: {exc}")
            jobs.finish(job)
            return 1
        job.update(status="succeeded", finished=_now(), version=manifest["version"],
                   promoted=manifest["promotion"]["promoted"], promotion=manifest["promotion"],
                   metrics=manifest["metrics"])
        jobs.finish(job)
        return 0
    finally:
        jobs.end()


if __name__ == "__main__":
    _home, _seeds, _job, _fd, _force, *_rest = sys.argv[1:]
    sys.exit(_child(Path(_home), Path(_seeds), _job, _force == "1", float(_rest[0]) if _rest else None))


__all__ = ["LOCK_FILE", "DatabaseJobs", "FileJobs", "TrainingBusy"]
