"""Labelled-example store: the one module in policytag that speaks SQL.

Examples live in a SQLite file (WAL mode).  Every public method opens its own
short-lived connection, so one ``ExampleStore`` may be shared by threads and
several processes (gunicorn workers, a CLI import) may use the same file.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from training.errors import StoreBusyError, StoreError, ValidationError
from training.ops.locks import locked

__all__ = [
    "MAX_TEXT_CHARS",
    "SCHEMA_VERSION",
    "AddResult",
    "ExampleStore",
    "StoreBusyError",
    "StoreError",
    "StoredExample",
    "ValidationError",
    "normalize_key",
]

MAX_TEXT_CHARS = 20_000
_BUSY_TIMEOUT_S = 30.0

# Ordered migrations; migration i (0-based) brings the file to version i + 1.
# Never edit a released entry: append a new one instead.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
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
)
SCHEMA_VERSION = len(_MIGRATIONS)


# Store files this process has already created/migrated (each request opens the store anew).
_INITIALISED: set[str] = set()


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


_CJK_GAP = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])|(?<=[^\x00-\x7f]) (?=[\x00-\x7f])"
                      r"|(?<=[\x00-\x7f]) (?=[^\x00-\x7f])")


def normalize_key(text: str) -> str:
    """Return the identity of a text: NFKC, whitespace runs collapsed to one space and dropped next to
    Chinese characters (Chinese has no word spaces; PDF extraction inserts them), stripped."""
    # str.split() with no argument splits on every Unicode whitespace run,
    # including U+3000 (ideographic space) common in Chinese documents.
    return _CJK_GAP.sub("", " ".join(unicodedata.normalize("NFKC", text).split()))



def _type_name(value: object) -> str:
    return type(value).__name__


@dataclass(frozen=True)
class _CleanItem:
    key: str
    text: str
    labels: tuple[str, ...]


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def validate_items(
    items: Sequence[Mapping[str, object]], known_domains: Collection[str]
) -> list[_CleanItem]:
    """Check the whole batch; return cleaned items (last wins per key) or raise ValidationError."""
    known = frozenset(known_domains)
    known_list = ", ".join(sorted(known)) or "(none)"
    problems: list[str] = []
    by_key: dict[str, _CleanItem] = {}

    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
        raise ValidationError([f"items must be a list of objects, got {_type_name(items)}"])

    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            problems.append(
                f"item {index}: expected an object with 'text' and 'labels', "
                f"got {_type_name(item)}"
            )
            continue
        line = item.get("_line")
        # Items read from a file carry their line number, which is what a user
        # can find in their editor; plain API callers get the list index.
        from_file = isinstance(line, int) and not isinstance(line, bool)
        where = f"line {line}" if from_file else f"item {index}"
        item_problems: list[str] = []

        text = item.get("text")
        key = ""
        if "text" not in item:
            item_problems.append(f"{where}: missing 'text'")
        elif not isinstance(text, str):
            item_problems.append(f"{where}: 'text' must be a string, got {_type_name(text)}")
        elif not text.strip() or not (key := normalize_key(text)):
            item_problems.append(f"{where}: 'text' is empty")
        elif not _encodable(text):
            item_problems.append(f"{where}: 'text' has unpaired surrogate characters; send valid UTF-8 text")
        elif len(text) > MAX_TEXT_CHARS:
            item_problems.append(
                f"{where}: 'text' is {len(text):,} characters; the limit is "
                f"{MAX_TEXT_CHARS:,}, split it into paragraphs"
            )

        labels = item.get("labels")
        clean_labels: set[str] = set()
        if "labels" not in item:
            item_problems.append(
                f"{where}: missing 'labels' (use [] for a text about none of the domains)"
            )
        elif not isinstance(labels, (list, tuple)):
            item_problems.append(
                f"{where}: 'labels' must be a list of domain ids, got {_type_name(labels)}"
            )
        else:
            for pos, label in enumerate(labels):
                if not isinstance(label, str):
                    item_problems.append(
                        f"{where}: labels[{pos}] must be a domain id string, "
                        f"got {_type_name(label)}"
                    )
                elif label not in known:
                    item_problems.append(
                        f"{where}: unknown domain {label!r}; known: {known_list}"
                    )
                else:
                    clean_labels.add(label)

        if item_problems:
            problems.extend(item_problems)
            continue
        assert isinstance(text, str)
        by_key.pop(key, None)  # re-insert so the last occurrence also decides order
        by_key[key] = _CleanItem(key=key, text=text, labels=tuple(sorted(clean_labels)))

    if problems:
        raise ValidationError(problems)
    return list(by_key.values())


class ExampleStore:
    """SQLite-backed store of labelled examples with full labelling history."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        """Open (creating if needed) the store at ``path`` and migrate it to ``SCHEMA_VERSION``."""
        raw = os.fspath(path)
        if raw == ":memory:" or not raw:
            # Each call opens a new connection, so an in-memory DB would vanish.
            raise StoreError(f"ExampleStore needs a file path, got {raw!r}; use e.g. 'data/examples.db'")
        self._path = Path(raw)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._initialise()
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{self._path}: not a usable SQLite database ({exc}); "
                "move the file aside or point policytag at another path"
            ) from exc

    @property
    def path(self) -> Path:
        """The SQLite file backing this store."""
        return self._path

    # -- connections -------------------------------------------------------

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves so that writes
        # can use BEGIN IMMEDIATE (take the write lock up front, wait politely).
        conn = sqlite3.connect(self._path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(_BUSY_TIMEOUT_S * 1000)}")
            yield conn
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise StoreBusyError(_busy_message(self._path)) from exc
            raise
        finally:
            conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                # SQLite may already have rolled back (e.g. disk full).
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _initialise(self) -> None:
        key = str(self._path)
        if key in _INITIALISED and self._path.exists():  # a deleted file is created again below
            return
        # One initialiser at a time, across threads and processes: switching a new file to WAL mode
        # fails at once with "database is locked" (no busy wait) when another connection is doing it too.
        with locked(self._path.with_name(self._path.name + ".init-lock")):
            with self._connect() as conn:
                # WAL lets readers (HTTP requests) proceed while an import writes.
                # The mode is persistent in the file, so this is a no-op after creation.
                conn.execute("PRAGMA journal_mode = WAL")
            with self._write() as conn:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise StoreError(
                        f"{self._path}: schema version {version} is newer than this "
                        f"policytag supports ({SCHEMA_VERSION}); upgrade policytag"
                    )
                for target in range(version + 1, SCHEMA_VERSION + 1):
                    for statement in _MIGRATIONS[target - 1]:
                        conn.execute(statement)
                    # user_version is part of the transaction, so a failed
                    # migration leaves the file at its previous version.
                    conn.execute(f"PRAGMA user_version = {target}")
        _INITIALISED.add(key)

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

        Raises ValidationError (nothing written) if any item is bad.
        """
        if not isinstance(source, str) or not source.strip():
            raise ValidationError([f"source must be a non-empty string like 'user', got {source!r}"])
        if author is not None and not isinstance(author, str):
            raise ValidationError([f"author must be a string or None, got {_type_name(author)}"])
        clean = validate_items(items, known_domains)
        now = _utc_now()
        added = updated = 0

        with self._write() as conn:
            for item in clean:
                labels_json = json.dumps(list(item.labels))
                row = conn.execute(
                    "SELECT source FROM examples WHERE key = ?", (item.key,)
                ).fetchone()
                if row is None:
                    conn.execute(
                        "INSERT INTO examples (key, text, labels, source, author, created_at)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        (item.key, item.text, labels_json, source, author, now),
                    )
                    added += 1
                else:
                    # UPDATE (not REPLACE) keeps the row id, so current() keeps
                    # first-insertion order.
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
            total = conn.execute("SELECT COUNT(*) FROM examples").fetchone()[0]
        return AddResult(added=added, updated=updated, total=total)

    # -- reads -------------------------------------------------------------

    def current(self) -> list[StoredExample]:
        """Return the current labelling of every example, in first-insertion order."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT text, labels, source, author, created_at FROM examples ORDER BY id"
            ).fetchall()
        return [_row_to_example(row) for row in rows]

    def history(self, text: str) -> list[StoredExample]:
        """Return every labelling event for ``text`` (matched by normalised key), oldest first."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT text, labels, source, author, created_at FROM labels_history"
                " WHERE key = ? ORDER BY id",
                (normalize_key(text),),
            ).fetchall()
        return [_row_to_example(row) for row in rows]

    def count(self) -> int:
        """Return the number of current examples."""
        with self._connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM examples").fetchone()[0])

    def stats(self) -> dict[str, object]:
        """Return ``total``, ``by_domain``, ``negatives`` and ``by_source`` over current examples."""
        with self._connect() as conn:
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



def _row_to_example(row: tuple[str, str, str, str | None, str]) -> StoredExample:
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


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    message = str(exc).lower()
    return "locked" in message or "busy" in message


def _busy_message(path: Path) -> str:
    return (
        f"{path}: database stayed locked for {_BUSY_TIMEOUT_S:.0f} s by another writer; "
        "retry when the other import has finished"
    )
