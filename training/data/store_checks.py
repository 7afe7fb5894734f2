"""The audit's checks: the labels a curator confirmed for a text (table `label_checks`), one row per text
identity, the latest check winning. The audit (`training.learning.audit`) passes over a text while its current
labels equal the checked ones, so a text whose labels change is audited again.

Functions take a `Conn` from the store's backend and touch this table only.
"""
from __future__ import annotations

import json
from collections.abc import Sequence

from training.data.store_backend import Conn, utc_now
from training.data.validation import normalize_key

COLUMNS: dict[str, tuple[str, ...]] = {"label_checks": ("key", "labels", "action", "author", "checked_at")}


def record(conn: Conn, text: str, labels: Sequence[str], *, action: str, author: str | None) -> None:
    """Record that a curator checked `text`'s `labels` (`action`: keep or accept), replacing an earlier check."""
    conn.execute(
        "INSERT INTO label_checks (key, labels, action, author, checked_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (key) DO UPDATE SET labels = excluded.labels, action = excluded.action,"
        " author = excluded.author, checked_at = excluded.checked_at",
        (normalize_key(text), json.dumps(sorted(labels)), action, author, utc_now()))


def checked(conn: Conn) -> dict[str, tuple[str, ...]]:
    """normalize_key(text) -> the labels a curator confirmed for it, sorted."""
    rows = conn.execute("SELECT key, labels FROM label_checks").fetchall()
    return {key: tuple(json.loads(labels)) for key, labels in rows}
