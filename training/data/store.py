"""Labelled-example store: the one module in policytag that speaks SQL.

Examples live in a SQLite file (WAL mode).  Every public method opens its own
short-lived connection, so one ``ExampleStore`` may be shared by threads and
several processes (gunicorn workers, a CLI import) may use the same file.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import sqlite3
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from model.json_names import json_type
from model.text import MAX_EXAMPLE_CHARS, is_blank
from training.errors import NotInPool, StoreBusyError, StoreError, StoreFullError, StoreReadOnlyError, ValidationError
from training.ops.locks import locked

__all__ = [
    "MAX_TEXT_CHARS",
    "SCHEMA_VERSION",
    "AddResult",
    "ExampleStore",
    "NotInPool",
    "PoolItem",
    "StoreBusyError",
    "StoreError",
    "StoreFullError",
    "StoreReadOnlyError",
    "StoredExample",
    "ValidationError",
    "normalize_key",
    "text_problem",
]

MAX_TEXT_CHARS = MAX_EXAMPLE_CHARS
_BUSY_TIMEOUT_S = 30.0  # the CLI waits this long for another writer; the HTTP API passes a shorter timeout

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


@dataclass(frozen=True)
class PoolItem:
    """An unlabelled paragraph waiting for review; `id` is stable until it leaves the pool."""

    id: int
    text: str
    source: str
    heading: str


_CJK_GAP = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])|(?<=[^\x00-\x7f]) (?=[\x00-\x7f])"
                      r"|(?<=[\x00-\x7f]) (?=[^\x00-\x7f])")


def normalize_key(text: str) -> str:
    """Return the identity of a text: NFKC, whitespace runs collapsed to one space and dropped next to
    Chinese characters (Chinese has no word spaces; PDF extraction inserts them), stripped."""
    # str.split() with no argument splits on every Unicode whitespace run,
    # including U+3000 (ideographic space) common in Chinese documents.
    return _CJK_GAP.sub("", " ".join(unicodedata.normalize("NFKC", text).split()))



@dataclass(frozen=True)
class _CleanItem:
    key: str
    text: str
    labels: tuple[str, ...]


def text_problem(text: object) -> str | None:
    """Why `text` cannot be stored (a labelled example or a pool paragraph), in one line naming the fix;
    None when it can."""
    if not isinstance(text, str):
        return f"'text' must be a string, got {json_type(text)}"
    if is_blank(text) or not normalize_key(text):
        return "'text' is empty"
    if not _encodable(text):
        return "'text' has unpaired surrogate characters; send valid UTF-8 text"
    if len(text) > MAX_TEXT_CHARS:
        return f"'text' is {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}, split it into paragraphs"
    return None


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
        raise ValidationError([f"items must be a list of objects, got {json_type(items)}"])

    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            problems.append(
                f"item {index}: expected an object with 'text' and 'labels', "
                f"got {json_type(item)}"
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
        elif problem := text_problem(text):
            item_problems.append(f"{where}: {problem}")
        else:
            key = normalize_key(str(text))  # text_problem checked it is a string

        labels = item.get("labels")
        clean_labels: set[str] = set()
        if "labels" not in item:
            item_problems.append(
                f"{where}: missing 'labels' (use [] for a text about none of the domains)"
            )
        elif not isinstance(labels, (list, tuple)):
            item_problems.append(
                f"{where}: 'labels' must be a list of domain ids, got {json_type(labels)}"
            )
        else:
            for pos, label in enumerate(labels):
                if not isinstance(label, str):
                    item_problems.append(
                        f"{where}: labels[{pos}] must be a domain id string, "
                        f"got {json_type(label)}"
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

    def __init__(self, path: str | os.PathLike[str], timeout: float = _BUSY_TIMEOUT_S) -> None:
        """Open (creating if needed) the store at ``path`` and migrate it to ``SCHEMA_VERSION``.

        A write waits up to ``timeout`` seconds for another writer, then raises StoreBusyError.
        """
        raw = os.fspath(path)
        if raw == ":memory:" or not raw:
            # Each call opens a new connection, so an in-memory DB would vanish.
            raise StoreError(f"ExampleStore needs a file path, got {raw!r}; use e.g. 'data/examples.db'")
        self._path = Path(raw)
        self._timeout = float(timeout)
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _from_os_error(exc, self._path) from exc
        try:
            self._initialise()
        except OSError as exc:  # the init lock file next to the database could not be created
            raise _from_os_error(exc, self._path) from exc
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
        try:
            conn = sqlite3.connect(self._path, timeout=self._timeout, isolation_level=None)
        except sqlite3.OperationalError as exc:
            raise _classified(exc, self._path, self._timeout) from exc
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")
            yield conn
        except sqlite3.OperationalError as exc:
            raise _classified(exc, self._path, self._timeout) from exc
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
                # An up-to-date file needs no write lock: a busy writer elsewhere must not stall opening it.
                if (self._path.stat().st_size > 0
                        and conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
                        and conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"):
                    _INITIALISED.add(key)
                    return
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
            raise ValidationError([f"author must be a string or None, got {json_type(author)}"])
        clean = validate_items(items, known_domains)
        with self._write() as conn:
            return self._add_clean(conn, clean, source, author)

    def _add_clean(self, conn: sqlite3.Connection, clean: Sequence[_CleanItem], source: str,
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

    def pool_add(self, items: Sequence[tuple[str, str, str]]) -> int:
        """Add (text, source, heading) paragraphs to the review pool; returns how many were new.

        Texts already pooled or labelled in the store (same normalize_key) are skipped; a bad text raises
        ValidationError naming every bad item, and nothing is written.
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
            raise ValidationError(problems)
        now = _utc_now()
        added = 0
        with self._write() as conn:
            for key, (text, source, heading) in clean.items():
                if conn.execute("SELECT 1 FROM examples WHERE key = ?", (key,)).fetchone():
                    continue  # already labelled: nothing to review
                added += conn.execute(
                    "INSERT OR IGNORE INTO pool (key, text, source, heading, added_at) VALUES (?, ?, ?, ?, ?)",
                    (key, text, source, heading, now)).rowcount
        return added

    def pool_items(self) -> list[PoolItem]:
        """Every paragraph waiting for review, oldest first."""
        with self._connect() as conn:
            rows = conn.execute("SELECT id, text, source, heading FROM pool ORDER BY id").fetchall()
        return [PoolItem(*row) for row in rows]

    def pool_size(self) -> int:
        """How many paragraphs wait for review."""
        with self._connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM pool").fetchone()[0])

    def pool_stats(self) -> dict[str, object]:
        """``pool_size`` and ``by_source`` of the paragraphs waiting for review."""
        with self._connect() as conn:
            rows = conn.execute("SELECT source, COUNT(*) FROM pool GROUP BY source ORDER BY source").fetchall()
        return {"pool_size": sum(n for _, n in rows), "by_source": {source: n for source, n in rows}}

    def review(self, pool_id: int, labels: Sequence[str], *, author: str | None,
               known_domains: Collection[str]) -> tuple[AddResult, int]:
        """Store pool item ``pool_id`` with ``labels`` (source "review") and drop it from the pool, in one
        transaction; returns the AddResult and the pool size. NotInPool if it is gone (already reviewed)."""
        with self._connect() as conn:
            row = conn.execute("SELECT text FROM pool WHERE id = ?", (pool_id,)).fetchone()
        if row is None:
            raise NotInPool(f"pool item {pool_id} is not in the pool (already reviewed or never added); "
                            "GET /v1/review lists the current items")
        clean = validate_items([{"text": row[0], "labels": list(labels)}], known_domains)
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM pool WHERE id = ?", (pool_id,)).fetchone() is None:
                raise NotInPool(f"pool item {pool_id} was reviewed by someone else a moment ago")
            result = self._add_clean(conn, clean, "review", author)
            size = int(conn.execute("SELECT COUNT(*) FROM pool").fetchone()[0])
        return result, size

    def check_labels(self, text: str, labels: Sequence[str], *, action: str, author: str | None) -> None:
        """Record that a curator checked ``text``'s ``labels`` in the audit (kept or accepted)."""
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO label_checks (key, labels, action, author, checked_at) VALUES (?, ?, ?, ?, ?)",
                (normalize_key(text), json.dumps(sorted(labels)), action, author, _utc_now()))

    def checked_labels(self) -> dict[str, tuple[str, ...]]:
        """normalize_key(text) -> the labels a curator confirmed for it."""
        with self._connect() as conn:
            rows = conn.execute("SELECT key, labels FROM label_checks").fetchall()
        return {key: tuple(json.loads(labels)) for key, labels in rows}


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
        return StoreReadOnlyError(f"{path}: the data directory is read-only; make it writable to store labels")
    if "full" in message or ("disk i/o" in message and _nearly_full(path)):
        return StoreFullError(f"{path}: no space left on the data directory; free some space and retry")
    return exc


def _from_os_error(exc: OSError, path: Path) -> Exception:
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StoreReadOnlyError(f"{path}: the data directory is read-only; make it writable to store labels")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreFullError(f"{path}: no space left on the data directory; free some space and retry")
    return exc


def _nearly_full(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < 1 << 20
    except OSError:
        return False
