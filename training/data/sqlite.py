"""The store's embedded backend: one SQLite file in the data directory (WAL mode, one writer at a time).

Every operation opens its own short-lived connection, so one store may be shared by threads and several
processes (gunicorn workers, a CLI import) may use the same file. A write takes SQLite's write lock up front
(BEGIN IMMEDIATE) and waits up to `timeout` for another writer, then raises StoreBusyError.
"""
from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from training.errors import StoreBusyError, StoreError, StoreFullError, StoreReadOnlyError
from training.ops.locks import locked

# Ordered migrations; migration i (0-based) brings the file to version i + 1.
# Never edit a released entry: append a new one instead.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """
        CREATE TABLE examples (
            id         INTEGER PRIMARY KEY AUTOINCREMENT,
            key        TEXT NOT NULL UNIQUE,
            text       TEXT NOT NULL,
            labels     TEXT NOT NULL,  -- JSON array of sorted domain ids
            source     TEXT NOT NULL,
            author     TEXT,
            created_at TEXT NOT NULL   -- when the current labels were written
        )
        """,
        """
        CREATE TABLE labels_history (
            id         INTEGER PRIMARY KEY AUTOINCREMENT,
            key        TEXT NOT NULL,
            text       TEXT NOT NULL,
            labels     TEXT NOT NULL,
            source     TEXT NOT NULL,
            author     TEXT,
            created_at TEXT NOT NULL
        )
        """,
        "CREATE INDEX labels_history_by_key ON labels_history (key, id)",
    ),
    (
        # Unlabelled paragraphs waiting for review (the active-learning pool); a text leaves it when labelled.
        """
        CREATE TABLE pool (
            id         INTEGER PRIMARY KEY AUTOINCREMENT,
            key        TEXT NOT NULL UNIQUE,
            text       TEXT NOT NULL,
            source     TEXT NOT NULL,
            heading    TEXT NOT NULL DEFAULT '',
            added_at   TEXT NOT NULL
        )
        """,
        # Labels a curator confirmed in the audit: (key, labels) leaves the audit list until the labels change.
        """
        CREATE TABLE label_checks (
            key        TEXT PRIMARY KEY,
            labels     TEXT NOT NULL,  -- JSON array of sorted domain ids, as checked
            action     TEXT NOT NULL,  -- keep / accept
            author     TEXT,
            checked_at TEXT NOT NULL
        )
        """,
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)

# Store files this process has already created/migrated (each request opens the store anew).
_INITIALISED: set[str] = set()


class SqliteBackend:
    """Connections to one SQLite file, created and migrated on first use."""

    def __init__(self, path: str | os.PathLike[str], timeout: float) -> None:
        raw = os.fspath(path)
        if raw == ":memory:" or not raw:
            # Each call opens a new connection, so an in-memory DB would vanish.
            raise StoreError(f"ExampleStore needs a file path, got {raw!r}; use e.g. 'data/examples.db'")
        self.path = Path(raw)
        self.timeout = float(timeout)
        self._initialising = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _from_os_error(exc, self.path) from exc
        try:
            self._initialise()
        except OSError as exc:  # the init lock file next to the database could not be created
            raise _from_os_error(exc, self.path) from exc
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{self.path}: not a usable SQLite database ({exc}); "
                "move the file aside or point policytag at another path"
            ) from exc

    @property
    def name(self) -> str:
        return str(self.path)

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        if not self._initialising and not self.path.exists():
            self._initialise()  # removed while this process ran (a store lives as long as its workspace)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves so that writes
        # can use BEGIN IMMEDIATE (take the write lock up front, wait politely).
        try:
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        except sqlite3.OperationalError as exc:
            raise _classified(exc, self.path, self.timeout) from exc
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            yield conn
        except sqlite3.OperationalError as exc:
            raise _classified(exc, self.path, self.timeout) from exc
        finally:
            conn.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        with self.read() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                # SQLite may already have rolled back (e.g. disk full).
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def schema_version(self) -> int:
        with self.read() as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])

    def _initialise(self) -> None:
        self._initialising = True
        try:
            self._create_or_migrate()
        finally:
            self._initialising = False

    def _create_or_migrate(self) -> None:
        key = str(self.path)
        if key in _INITIALISED and self.path.exists():  # a deleted file is created again below
            return
        # One initialiser at a time, across threads and processes: switching a new file to WAL mode
        # fails at once with "database is locked" (no busy wait) when another connection is doing it too.
        with locked(self.path.with_name(self.path.name + ".init-lock")):
            with self.read() as conn:
                # An up-to-date file needs no write lock: a busy writer elsewhere must not stall opening it.
                if (self.path.stat().st_size > 0
                        and conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
                        and conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"):
                    _INITIALISED.add(key)
                    return
                # WAL lets readers (HTTP requests) proceed while an import writes.
                # The mode is persistent in the file, so this is a no-op after creation.
                conn.execute("PRAGMA journal_mode = WAL")
            with self.write() as conn:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise StoreError(
                        f"{self.path}: schema version {version} is newer than this "
                        f"policytag supports ({SCHEMA_VERSION}); upgrade policytag"
                    )
                for target in range(version + 1, SCHEMA_VERSION + 1):
                    for statement in MIGRATIONS[target - 1]:
                        conn.execute(statement)
                    # user_version is part of the transaction, so a failed
                    # migration leaves the file at its previous version.
                    conn.execute(f"PRAGMA user_version = {target}")
        _INITIALISED.add(key)


READ_ONLY = "the data directory is read-only; make it writable to store labels"
NO_SPACE = "no space left on the data directory; free some space and retry"


def _classified(exc: sqlite3.OperationalError, path: Path, timeout: float) -> Exception:
    """The store error that says what went wrong (busy, read-only, full), or `exc` itself."""
    message = str(exc).lower()
    if "locked" in message or "busy" in message:
        return StoreBusyError(
            f"{path}: the labelled-example store stayed locked by another writer for {timeout:g} s; "
            "retry when the other import or labelling request has finished"
        )
    if "readonly" in message or "read-only" in message or (
        "unable to open" in message and not os.access(path.parent, os.W_OK)
    ):
        return StoreReadOnlyError(f"{READ_ONLY} ({path})")
    if "full" in message or ("disk i/o" in message and _nearly_full(path)):
        return StoreFullError(f"{NO_SPACE} ({path})")
    return exc


def _from_os_error(exc: OSError, path: Path) -> Exception:
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StoreReadOnlyError(f"{READ_ONLY} ({path})")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreFullError(f"{NO_SPACE} ({path})")
    return exc


def _nearly_full(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < 1 << 20
    except OSError:
        return False
