"""Where the labelled-example store's tables live, and how a caller gets a connection to them.

Two backends take the same SQL (`?` placeholders, sqlite3's cursor shape): a SQLite file in the data directory
(the embedded default, `training.data.sqlite`) or the shared PostgreSQL database (`POLICYTAG_DATABASE_URL`,
`training.ops.database`). `read()` gives a connection for reads; `write()` gives one transaction that holds the
only write turn (SQLite's write lock, a PostgreSQL advisory lock), committed when the block ends and rolled back
when it raises, so a read-check-write inside it has no races. Waiting for the turn takes at most the timeout the
backend was opened with, then StoreBusyError.
"""
from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

# Seconds any wait for the store (another writer, the database) may take before a StoreError says why. The CLI
# waits this long; the HTTP API passes its own setting (POLICYTAG_STORE_TIMEOUT_SECONDS).
STORE_TIMEOUT_SECONDS = 30.0


class Conn(Protocol):
    """A connection of either backend: `execute(sql with ? placeholders, params)` -> a cursor."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Any: ...


class Backend(Protocol):
    """Where the store's tables live: connections for reads, and for writes one writer at a time."""

    @property
    def name(self) -> str: ...

    @property
    def path(self) -> Path | None: ...  # the SQLite file; None for PostgreSQL

    def read(self) -> AbstractContextManager[Conn]: ...

    def write(self) -> AbstractContextManager[Conn]: ...


class _Postgres:
    """The store's tables in the shared PostgreSQL database; writers take one advisory lock in turn."""

    def __init__(self, database: Any) -> None:
        self.database = database

    path = None

    @property
    def name(self) -> str:
        return str(self.database.name)

    @contextmanager
    def read(self) -> Iterator[Conn]:
        with self.database.connection() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Conn]:
        from training.ops.database import STORE_WRITE

        with self.database.locked(STORE_WRITE) as conn:
            yield conn


def open_backend(where: str | os.PathLike[str] | Any, timeout: float = STORE_TIMEOUT_SECONDS) -> Backend:
    """The backend at `where`: a SQLite file path, a `postgresql://` URL or a `Database`, its tables created and
    migrated if needed. Writes wait up to `timeout` seconds for another writer; an unreachable database raises
    StoreUnavailable within about the same time; an unusable file raises StoreError naming it."""
    from training.ops.database import Database, is_database_url, shared_database

    if isinstance(where, Database):
        return _Postgres(where)
    if is_database_url(where):
        return _Postgres(shared_database(str(where), timeout))
    from training.data.sqlite import SqliteBackend

    return SqliteBackend(where, timeout)


def utc_now() -> str:
    """The time every table stores (`created_at`, `added_at`, `checked_at`): UTC, ISO 8601, microseconds."""
    return datetime.now(UTC).isoformat(timespec="microseconds")
