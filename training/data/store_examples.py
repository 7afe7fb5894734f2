"""The labelled examples: each text's current labelling (table `examples`) and every labelling event
(table `labels_history`), both keyed by the text's identity (`normalize_key`).

Functions take a `Conn` from the store's backend and touch these two tables only, so a caller can put them in
one write transaction with another table's writes; `ExampleStore` is the front door that does.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from model.json_names import json_type
from training.data.store_backend import Conn, utc_now
from training.data.validation import CleanItem, normalize_key, validate_items
from training.errors import ItemsRejected

COLUMNS: dict[str, tuple[str, ...]] = {
    "examples": ("key", "text", "labels", "source", "author", "created_at"),
    "labels_history": ("key", "text", "labels", "source", "author", "created_at"),
}


@dataclass(frozen=True)
class AddResult:
    """Outcome of adding a batch: texts new to the store, texts relabelled, and the store's size after."""

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


def validated(items: Sequence[Mapping[str, object]], *, source: str, author: str | None,
              known_domains: Collection[str]) -> list[CleanItem]:
    """The batch as `add` takes it; ItemsRejected naming every bad item (or a bad source/author) otherwise."""
    if not isinstance(source, str) or not source.strip():
        raise ItemsRejected([f"source must be a non-empty string like 'user', got {source!r}"])
    if author is not None and not isinstance(author, str):
        raise ItemsRejected([f"author must be a string or None, got {json_type(author)}"])
    return validate_items(items, known_domains)


def add(conn: Conn, clean: Sequence[CleanItem], source: str, author: str | None) -> AddResult:
    """Write each item's labels as its text's current labelling and append them to its history; a text already
    stored is relabelled in place (latest wins, first-insertion order kept)."""
    now = utc_now()
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
    return AddResult(added=added, updated=updated, total=count(conn))


def is_labelled(conn: Conn, key: str) -> bool:
    """Whether the text with identity `key` has a current labelling."""
    return conn.execute("SELECT 1 FROM examples WHERE key = ?", (key,)).fetchone() is not None


def current(conn: Conn) -> list[StoredExample]:
    """The current labelling of every example, in first-insertion order."""
    rows = conn.execute("SELECT text, labels, source, author, created_at FROM examples ORDER BY id").fetchall()
    return [_example(row) for row in rows]


def history(conn: Conn, text: str) -> list[StoredExample]:
    """Every labelling event for `text` (matched by its identity), oldest first."""
    rows = conn.execute(
        "SELECT text, labels, source, author, created_at FROM labels_history WHERE key = ? ORDER BY id",
        (normalize_key(text),),
    ).fetchall()
    return [_example(row) for row in rows]


def count(conn: Conn) -> int:
    """How many texts have a current labelling."""
    return int(conn.execute("SELECT COUNT(*) FROM examples").fetchone()[0])


def stats(conn: Conn) -> dict[str, object]:
    """``total``, ``by_domain``, ``negatives`` and ``by_source`` over the current examples."""
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


def _example(row: Sequence[Any]) -> StoredExample:
    text, labels_json, source, author, created_at = row
    return StoredExample(text=text, labels=tuple(json.loads(labels_json)), source=source, author=author,
                         created_at=created_at)
