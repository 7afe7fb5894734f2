"""The store's tables as plain rows, for copying one store into another (`policytag db copy`).

`TABLES` names every table with its columns in copy order; ids are not copied, the target assigns them again
in insertion order, so a copy keeps every order the store's reads rely on.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from training.data import store_checks, store_examples, store_pool
from training.data.store_backend import Conn
from training.errors import StoreError

TABLES: dict[str, tuple[str, ...]] = {**store_examples.COLUMNS, **store_pool.COLUMNS, **store_checks.COLUMNS}


def rows(conn: Conn, table: str) -> list[tuple[Any, ...]]:
    """Every row of `table`, in insertion order, with the columns `TABLES` lists."""
    order = "key" if _known(table) == "label_checks" else "id"  # label_checks has no id: one row per key
    return [tuple(row) for row in conn.execute(f"SELECT {', '.join(TABLES[table])} FROM {table} "
                                               f"ORDER BY {order}").fetchall()]


def count(conn: Conn, table: str) -> int:
    """How many rows `table` holds."""
    return int(conn.execute(f"SELECT COUNT(*) FROM {_known(table)}").fetchone()[0])


def append(conn: Conn, table: str, new_rows: Sequence[Sequence[Any]], *, store_name: str) -> None:
    """Append rows (as `rows` returns them) to `table`, which must be empty; StoreError naming the store if not."""
    columns = TABLES[table]
    if count(conn, table):
        raise StoreError(f"{store_name}: table {table} already holds rows; copy into an empty store")
    for row in new_rows:
        conn.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                     tuple(row))


def _known(table: str) -> str:
    """`table` itself, once it is known to name one of `TABLES` (it goes into SQL text)."""
    if table not in TABLES:
        raise KeyError(f"{table!r} is not one of the store's tables: {', '.join(TABLES)}")
    return table
