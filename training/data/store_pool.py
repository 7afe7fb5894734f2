"""The review pool: unlabelled paragraphs waiting for a curator (table `pool`), one row per text identity.

Functions take a `Conn` from the store's backend and touch this table only, so a caller can put them in one
write transaction with another table's writes; `ExampleStore` is the front door that does (a reviewed row
leaves the pool in the transaction that labels it). Where the paragraphs come from is `training.data.pool`.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from training.data.store_backend import Conn, utc_now
from training.data.validation import normalize_key, text_problem
from training.errors import ItemsRejected, NotInPool

COLUMNS: dict[str, tuple[str, ...]] = {"pool": ("key", "text", "source", "heading", "added_at")}

@dataclass(frozen=True)
class PoolItem:
    """An unlabelled paragraph waiting for review; `id` is stable until it leaves the pool."""

    id: int
    text: str
    source: str
    heading: str


def validated(items: Sequence[tuple[str, str, str]]) -> dict[str, tuple[str, str, str]]:
    """(text, source, heading) rows by text identity, texts stripped, the first of a repeated text kept;
    ItemsRejected naming every bad text otherwise."""
    problems: list[str] = []
    clean: dict[str, tuple[str, str, str]] = {}
    for index, (text, source, heading) in enumerate(items):
        problem = text_problem(text)
        if problem:
            problems.append(f"item {index}: {problem}")
        else:
            clean.setdefault(normalize_key(text), (text.strip(), str(source), str(heading or "")))
    if problems:
        raise ItemsRejected(problems)
    return clean


def add(conn: Conn, rows: Mapping[str, tuple[str, str, str]]) -> int:
    """Pool each row under its key unless that key is pooled already; returns how many were new."""
    now = utc_now()
    added = 0
    for key, (text, source, heading) in rows.items():
        added += conn.execute(
            "INSERT INTO pool (key, text, source, heading, added_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (key) DO NOTHING",
            (key, text, source, heading, now)).rowcount
    return added


def text_of(conn: Conn, pool_id: int) -> str:
    """The text of pool item `pool_id`; NotInPool if it is not in the pool."""
    row = conn.execute("SELECT text FROM pool WHERE id = ?", (pool_id,)).fetchone()
    if row is None:
        raise NotInPool(f"pool item {pool_id} is not in the pool (already reviewed or never added); "
                        "GET /v1/review lists the current items")
    return str(row[0])


def take(conn: Conn, pool_id: int) -> str:
    """Remove pool item `pool_id` and return its text; NotInPool if another review took it first."""
    row = conn.execute("DELETE FROM pool WHERE id = ? RETURNING text", (pool_id,)).fetchone()
    if row is None:
        raise NotInPool(f"pool item {pool_id} was reviewed by someone else a moment ago")
    return str(row[0])


def discard(conn: Conn, keys: Iterable[str]) -> None:
    """Remove the texts with these identities from the pool (those not pooled are ignored)."""
    for key in keys:
        conn.execute("DELETE FROM pool WHERE key = ?", (key,))


def items(conn: Conn) -> list[PoolItem]:
    """Every paragraph waiting for review, oldest first."""
    rows = conn.execute("SELECT id, text, source, heading FROM pool ORDER BY id").fetchall()
    return [PoolItem(*row) for row in rows]


def size(conn: Conn) -> int:
    """How many paragraphs wait for review."""
    return int(conn.execute("SELECT COUNT(*) FROM pool").fetchone()[0])


def stats(conn: Conn) -> dict[str, object]:
    """``pool_size`` and ``by_source`` of the paragraphs waiting for review."""
    rows = conn.execute("SELECT source, COUNT(*) FROM pool GROUP BY source ORDER BY source").fetchall()
    return {"pool_size": sum(n for _, n in rows), "by_source": {source: n for source, n in rows}}
