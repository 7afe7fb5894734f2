"""Labelled-example store: labelled texts with their history, the review pool and the audit's checks.

The SQL is written once and runs on either backend: a SQLite file in the data directory (the embedded
default, `training.data.sqlite`) or the shared PostgreSQL database (`POLICYTAG_DATABASE_URL`,
`training.ops.database`). Both take one writer at a time (SQLite's write lock, a PostgreSQL advisory lock)
and wait at most the store's timeout for it, so every write is a read-check-write without races.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from model.json_names import json_type
from training.data.validation import CleanItem, normalize_key, text_problem, validate_items
from training.errors import (
    ItemsRejected,
    NotInPool,
    StoreBusyError,
    StoreError,
    StoreFullError,
    StoreReadOnlyError,
    StoreUnavailable,
)

__all__ = [
    "TABLES",
    "AddResult",
    "ExampleStore",
    "NotInPool",
    "PoolItem",
    "StoreBusyError",
    "StoreError",
    "StoreFullError",
    "StoreReadOnlyError",
    "StoreUnavailable",
    "StoredExample",
    "ItemsRejected",
    "normalize_key",
    "text_problem",
    "validate_items",
]

DEFAULT_TIMEOUT_S = 30.0  # the CLI waits this long for another writer; the HTTP API passes a shorter timeout
# The store's tables and their columns in copy order (`policytag db copy`); ids are re-assigned in order.
TABLES: dict[str, tuple[str, ...]] = {
    "examples": ("key", "text", "labels", "source", "author", "created_at"),
    "labels_history": ("key", "text", "labels", "source", "author", "created_at"),
    "pool": ("key", "text", "source", "heading", "added_at"),
    "label_checks": ("key", "labels", "action", "author", "checked_at"),
}


class Conn(Protocol):
    """A connection of either backend: `execute(sql with ? placeholders, params)` -> a cursor."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Any: ...


class Backend(Protocol):
    """Where the store's tables live: connections for reads, and for writes one writer at a time."""

    @property
    def name(self) -> str: ...

    def read(self) -> AbstractContextManager[Conn]: ...

    def write(self) -> AbstractContextManager[Conn]: ...


class _Postgres:
    """The store's tables in the shared PostgreSQL database; writers take one advisory lock in turn."""

    def __init__(self, database: Any) -> None:
        self.database = database

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


@dataclass(frozen=True)
class AddResult:
    """Outcome of ``ExampleStore.add``."""

    added: int
    updated: int
    total: int


@dataclass(frozen=True)
class StoredExample:
    """One labelling of a text; an empty ``labels`` tuple is a negative example."""

    text: str
    labels: tuple[str, ...]
    source: str
    author: str | None
    created_at: str


@dataclass(frozen=True)
class PoolItem:
    """An unlabelled paragraph waiting for review; `id` is stable until it leaves the pool."""

    id: int
    text: str
    source: str
    heading: str


class ExampleStore:
    """Labelled examples with their full labelling history, the review pool and the audit's checks."""

    def __init__(self, where: str | os.PathLike[str] | Any, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        """Open the store at `where`: a SQLite file path, a `postgresql://` URL or a `Database`; creating and
        migrating its tables if needed. A write waits up to `timeout` seconds for another writer, then raises
        StoreBusyError; an unreachable database raises StoreUnavailable within about the same time."""
        from training.ops.database import Database, is_database_url, shared_database

        self._path: Path | None = None
        self._backend: Backend
        if isinstance(where, Database):
            self._backend = _Postgres(where)
        elif is_database_url(where):
            self._backend = _Postgres(shared_database(str(where), timeout))
        else:
            from training.data.sqlite import SqliteBackend

            sqlite = SqliteBackend(where, timeout)
            self._backend, self._path = sqlite, sqlite.path

    @property
    def path(self) -> Path | None:
        """The SQLite file backing this store (None for PostgreSQL)."""
        return self._path

    @property
    def name(self) -> str:
        """Where the labels are, for messages: the file, or the database URL without its password."""
        return self._backend.name

    # -- writes ------------------------------------------------------------

    def add(
        self,
        items: Sequence[Mapping[str, object]],
        *,
        source: str,
        author: str | None,
        known_domains: Collection[str],
    ) -> AddResult:
        """Validate the whole batch, then write it in one transaction.

        Raises ItemsRejected (nothing written) if any item is bad.
        """
        if not isinstance(source, str) or not source.strip():
            raise ItemsRejected([f"source must be a non-empty string like 'user', got {source!r}"])
        if author is not None and not isinstance(author, str):
            raise ItemsRejected([f"author must be a string or None, got {json_type(author)}"])
        clean = validate_items(items, known_domains)
        with self._backend.write() as conn:
            return self._add_clean(conn, clean, source, author)

    def _add_clean(self, conn: Conn, clean: Sequence[CleanItem], source: str,
                   author: str | None) -> AddResult:
        now = _utc_now()
        added = updated = 0
        for item in clean:
            labels_json = json.dumps(list(item.labels))
            row = conn.execute("SELECT source FROM examples WHERE key = ?", (item.key,)).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO examples (key, text, labels, source, author, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (item.key, item.text, labels_json, source, author, now),
                )
                added += 1
            else:
                # UPDATE (not REPLACE) keeps the row id, so current() keeps first-insertion order.
                conn.execute(
                    "UPDATE examples SET text = ?, labels = ?, source = ?, author = ?,"
                    " created_at = ? WHERE key = ?",
                    (item.text, labels_json, source, author, now, item.key),
                )
                updated += 1
            conn.execute(
                "INSERT INTO labels_history (key, text, labels, source, author, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (item.key, item.text, labels_json, source, author, now),
            )
            # A labelled paragraph is no longer waiting for review, whoever labelled it.
            conn.execute("DELETE FROM pool WHERE key = ?", (item.key,))
        total = conn.execute("SELECT COUNT(*) FROM examples").fetchone()[0]
        return AddResult(added=added, updated=updated, total=total)

    # -- reads -------------------------------------------------------------

    def current(self) -> list[StoredExample]:
        """Return the current labelling of every example, in first-insertion order."""
        with self._backend.read() as conn:
            rows = conn.execute(
                "SELECT text, labels, source, author, created_at FROM examples ORDER BY id"
            ).fetchall()
        return [_row_to_example(row) for row in rows]

    def history(self, text: str) -> list[StoredExample]:
        """Return every labelling event for ``text`` (matched by normalised key), oldest first."""
        with self._backend.read() as conn:
            rows = conn.execute(
                "SELECT text, labels, source, author, created_at FROM labels_history"
                " WHERE key = ? ORDER BY id",
                (normalize_key(text),),
            ).fetchall()
        return [_row_to_example(row) for row in rows]

    def count(self) -> int:
        """Return the number of current examples."""
        with self._backend.read() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM examples").fetchone()[0])

    def stats(self) -> dict[str, object]:
        """Return ``total``, ``by_domain``, ``negatives`` and ``by_source`` over current examples."""
        with self._backend.read() as conn:
            # One query, so the numbers come from a single consistent snapshot.
            rows = conn.execute("SELECT labels, source FROM examples").fetchall()
        by_domain: Counter[str] = Counter()
        by_source: Counter[str] = Counter()
        negatives = 0
        for labels_json, source in rows:
            labels = json.loads(labels_json)
            by_domain.update(labels)
            by_source[source] += 1
            negatives += not labels
        return {
            "total": len(rows),
            "by_domain": dict(sorted(by_domain.items())),
            "negatives": negatives,
            "by_source": dict(sorted(by_source.items())),
        }

    def export(self) -> Iterator[dict[str, object]]:
        """Yield current examples as ``{"text", "labels", "source", "author", "created_at"}`` dicts."""
        # Read everything first so no connection stays open while a caller
        # iterates slowly (or abandons the iterator).
        for example in self.current():
            yield {
                "text": example.text,
                "labels": list(example.labels),
                "source": example.source,
                "author": example.author,
                "created_at": example.created_at,
            }

    def pool_add(self, items: Sequence[tuple[str, str, str]]) -> int:
        """Add (text, source, heading) paragraphs to the review pool; returns how many were new.

        Texts already pooled or labelled in the store (same normalize_key) are skipped; a bad text raises
        ItemsRejected naming every bad item, and nothing is written.
        """
        problems: list[str] = []
        clean: dict[str, tuple[str, str, str]] = {}
        for index, item in enumerate(items):
            text, source, heading = item
            problem = text_problem(text)
            if problem:
                problems.append(f"item {index}: {problem}")
            else:
                clean.setdefault(normalize_key(text), (text.strip(), str(source), str(heading or "")))
        if problems:
            raise ItemsRejected(problems)
        now = _utc_now()
        added = 0
        with self._backend.write() as conn:
            for key, (text, source, heading) in clean.items():
                if conn.execute("SELECT 1 FROM examples WHERE key = ?", (key,)).fetchone():
                    continue  # already labelled: nothing to review
                added += conn.execute(
                    "INSERT INTO pool (key, text, source, heading, added_at) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (key) DO NOTHING",
                    (key, text, source, heading, now)).rowcount
        return added

    def pool_items(self) -> list[PoolItem]:
        """Every paragraph waiting for review, oldest first."""
        with self._backend.read() as conn:
            rows = conn.execute("SELECT id, text, source, heading FROM pool ORDER BY id").fetchall()
        return [PoolItem(*row) for row in rows]

    def pool_size(self) -> int:
        """How many paragraphs wait for review."""
        with self._backend.read() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM pool").fetchone()[0])

    def pool_stats(self) -> dict[str, object]:
        """``pool_size`` and ``by_source`` of the paragraphs waiting for review."""
        with self._backend.read() as conn:
            rows = conn.execute("SELECT source, COUNT(*) FROM pool GROUP BY source ORDER BY source").fetchall()
        return {"pool_size": sum(n for _, n in rows), "by_source": {source: n for source, n in rows}}

    def review(self, pool_id: int, labels: Sequence[str], *, author: str | None,
               known_domains: Collection[str]) -> tuple[AddResult, int]:
        """Store pool item ``pool_id`` with ``labels`` (source "review") and drop it from the pool, in one
        transaction; returns the AddResult and the pool size. NotInPool if it is gone (already reviewed)."""
        with self._backend.read() as conn:
            row = conn.execute("SELECT text FROM pool WHERE id = ?", (pool_id,)).fetchone()
        if row is None:
            raise NotInPool(f"pool item {pool_id} is not in the pool (already reviewed or never added); "
                            "GET /v1/review lists the current items")
        clean = validate_items([{"text": row[0], "labels": list(labels)}], known_domains)
        with self._backend.write() as conn:
            if conn.execute("SELECT 1 FROM pool WHERE id = ?", (pool_id,)).fetchone() is None:
                raise NotInPool(f"pool item {pool_id} was reviewed by someone else a moment ago")
            result = self._add_clean(conn, clean, "review", author)
            size = int(conn.execute("SELECT COUNT(*) FROM pool").fetchone()[0])
        return result, size

    def check_labels(self, text: str, labels: Sequence[str], *, action: str, author: str | None) -> None:
        """Record that a curator checked ``text``'s ``labels`` in the audit (kept or accepted)."""
        with self._backend.write() as conn:
            conn.execute(
                "INSERT INTO label_checks (key, labels, action, author, checked_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET labels = excluded.labels, action = excluded.action,"
                " author = excluded.author, checked_at = excluded.checked_at",
                (normalize_key(text), json.dumps(sorted(labels)), action, author, _utc_now()))

    def checked_labels(self) -> dict[str, tuple[str, ...]]:
        """normalize_key(text) -> the labels a curator confirmed for it."""
        with self._backend.read() as conn:
            rows = conn.execute("SELECT key, labels FROM label_checks").fetchall()
        return {key: tuple(json.loads(labels)) for key, labels in rows}

    # -- copying (`policytag db copy`) -------------------------------------------------------------------

    def rows(self, table: str) -> list[tuple[Any, ...]]:
        """Every row of one of `TABLES`, in insertion order, with the columns `TABLES` lists."""
        columns = TABLES[table]
        with self._backend.read() as conn:
            return [tuple(row) for row in conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY "
                                                       f"{'key' if table == 'label_checks' else 'id'}").fetchall()]

    def counts(self) -> dict[str, int]:
        """Rows per table of `TABLES`."""
        with self._backend.read() as conn:
            return {table: int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]) for table in TABLES}

    def insert_rows(self, table: str, rows: Sequence[Sequence[Any]]) -> None:
        """Append rows (as `rows` returns them) to an empty table, in one transaction."""
        columns = TABLES[table]
        with self._backend.write() as conn:
            if conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]:
                raise StoreError(f"{self.name}: table {table} already holds rows; copy into an empty store")
            for row in rows:
                conn.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                             f"({', '.join('?' for _ in columns)})", tuple(row))


def _row_to_example(row: Sequence[Any]) -> StoredExample:
    text, labels_json, source, author, created_at = row
    return StoredExample(
        text=text,
        labels=tuple(json.loads(labels_json)),
        source=source,
        author=author,
        created_at=created_at,
    )


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
