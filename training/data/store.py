"""Labelled-example store, the front door: labelled texts with their history, the review pool and the audit's
checks, on either backend (`training.data.store_backend`).

Each table has its own module (`store_examples`, `store_pool`, `store_checks`); this class opens the backend,
runs each call in one connection, and owns the rules that span tables, each inside one write transaction:
a labelled text leaves the pool, a text already labelled never enters it, and a review moves its paragraph
from the pool into the examples. Validation happens before the write; a rejected batch writes nothing.
"""
from __future__ import annotations

import os
from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from training.data import store_checks as checks
from training.data import store_examples as examples
from training.data import store_pool as pool
from training.data import store_tables as tables
from training.data.store_backend import STORE_TIMEOUT_SECONDS, open_backend
from training.data.store_examples import AddResult, StoredExample
from training.data.store_pool import PoolItem
from training.errors import ItemsRejected, StoreError

# What code outside this package imports from here; the rest lives in the modules above.
__all__ = ["AddResult", "ExampleStore", "ItemsRejected", "StoreError"]


class ExampleStore:
    """Labelled examples with their full labelling history, the review pool and the audit's checks."""

    def __init__(self, where: str | os.PathLike[str] | Any, timeout: float = STORE_TIMEOUT_SECONDS) -> None:
        """Open the store at `where`: a SQLite file path, a `postgresql://` URL or a `Database`; creating and
        migrating its tables if needed. A write waits up to `timeout` seconds for another writer, then raises
        StoreBusyError; an unreachable database raises StoreUnavailable within about the same time."""
        self._backend = open_backend(where, timeout)

    @property
    def path(self) -> Path | None:
        """The SQLite file backing this store (None for PostgreSQL)."""
        return self._backend.path

    @property
    def name(self) -> str:
        """Where the labels are, for messages: the file, or the database URL without its password."""
        return self._backend.name

    # -- labelled examples -----------------------------------------------------------------------------

    def add(
        self,
        items: Sequence[Mapping[str, object]],
        *,
        source: str,
        author: str | None,
        known_domains: Collection[str],
    ) -> AddResult:
        """Validate the whole batch, then write it in one transaction; the texts leave the review pool.

        Raises ItemsRejected (nothing written) if any item is bad.
        """
        clean = examples.validated(items, source=source, author=author, known_domains=known_domains)
        with self._backend.write() as conn:
            result = examples.add(conn, clean, source, author)
            # A labelled paragraph is no longer waiting for review, whoever labelled it.
            pool.discard(conn, (item.key for item in clean))
        return result

    def current(self) -> list[StoredExample]:
        """Return the current labelling of every example, in first-insertion order."""
        with self._backend.read() as conn:
            return examples.current(conn)

    def history(self, text: str) -> list[StoredExample]:
        """Return every labelling event for ``text`` (matched by normalised key), oldest first."""
        with self._backend.read() as conn:
            return examples.history(conn, text)

    def count(self) -> int:
        """Return the number of current examples."""
        with self._backend.read() as conn:
            return examples.count(conn)

    def stats(self) -> dict[str, object]:
        """Return ``total``, ``by_domain``, ``negatives`` and ``by_source`` over current examples."""
        with self._backend.read() as conn:
            return examples.stats(conn)

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

    # -- the review pool -------------------------------------------------------------------------------

    def pool_add(self, items: Sequence[tuple[str, str, str]]) -> int:
        """Add (text, source, heading) paragraphs to the review pool; returns how many were new.

        Texts already pooled or labelled in the store (same normalize_key) are skipped; a bad text raises
        ItemsRejected naming every bad item, and nothing is written.
        """
        clean = pool.validated(items)
        with self._backend.write() as conn:
            unlabelled = {key: row for key, row in clean.items() if not examples.is_labelled(conn, key)}
            return pool.add(conn, unlabelled)

    def pool_items(self) -> list[PoolItem]:
        """Every paragraph waiting for review, oldest first."""
        with self._backend.read() as conn:
            return pool.items(conn)

    def pool_size(self) -> int:
        """How many paragraphs wait for review."""
        with self._backend.read() as conn:
            return pool.size(conn)

    def pool_stats(self) -> dict[str, object]:
        """``pool_size`` and ``by_source`` of the paragraphs waiting for review."""
        with self._backend.read() as conn:
            return pool.stats(conn)

    def review(self, pool_id: int, labels: Sequence[str], *, author: str | None,
               known_domains: Collection[str]) -> tuple[AddResult, int]:
        """Store pool item ``pool_id`` with ``labels`` (source "review") and drop it from the pool, in one
        transaction; returns the AddResult and the pool size. NotInPool if it is gone (already reviewed)."""
        with self._backend.read() as conn:
            text = pool.text_of(conn, pool_id)
        clean = examples.validated([{"text": text, "labels": list(labels)}], source="review", author=author,
                                   known_domains=known_domains)
        with self._backend.write() as conn:
            pool.take(conn, pool_id)  # NotInPool if another review took it since the read above
            result = examples.add(conn, clean, "review", author)
            size = pool.size(conn)
        return result, size

    # -- the audit's checks ----------------------------------------------------------------------------

    def check_labels(self, text: str, labels: Sequence[str], *, action: str, author: str | None) -> None:
        """Record that a curator checked ``text``'s ``labels`` in the audit (kept or accepted)."""
        with self._backend.write() as conn:
            checks.record(conn, text, labels, action=action, author=author)

    def checked_labels(self) -> dict[str, tuple[str, ...]]:
        """normalize_key(text) -> the labels a curator confirmed for it."""
        with self._backend.read() as conn:
            return checks.checked(conn)

    # -- copying (`policytag db copy`) -----------------------------------------------------------------

    def rows(self, table: str) -> list[tuple[Any, ...]]:
        """Every row of one of `store_tables.TABLES`, in insertion order, with the columns it lists."""
        with self._backend.read() as conn:
            return tables.rows(conn, table)

    def counts(self) -> dict[str, int]:
        """Rows per table of `store_tables.TABLES`."""
        with self._backend.read() as conn:
            return {table: tables.count(conn, table) for table in tables.TABLES}

    def insert_rows(self, table: str, rows: Sequence[Sequence[Any]]) -> None:
        """Append rows (as `rows` returns them) to an empty table, in one transaction."""
        with self._backend.write() as conn:
            tables.append(conn, table, rows, store_name=self.name)
