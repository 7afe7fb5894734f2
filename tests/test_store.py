from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest

from training.data import store_examples
from training.data.sqlite import SCHEMA_VERSION
from training.data.store import (
    AddResult,
    ExampleStore,
    ItemsRejected,
    StoreError,
)
from training.data.validation import normalize_key
from training.errors import NotInPool

DOMAINS = ("consumption", "innovation", "rural")


def _add(store: ExampleStore, items: list[dict], source: str = "user", author: str | None = "alice") -> AddResult:
    return store.add(items, source=source, author=author, known_domains=DOMAINS)


@pytest.fixture
def store(store_location: str) -> ExampleStore:
    """An empty store on each backend (SQLite file, PostgreSQL database)."""
    return ExampleStore(store_location)


def test_create_add_and_current(store: ExampleStore) -> None:
    result = _add(
        store,
        [
            {"text": "加快推进科技创新。", "labels": ["innovation"]},
            {"text": "扩大内需，促进消费。", "labels": ["consumption"]},
        ],
    )
    assert result == AddResult(added=2, updated=0, total=2)
    assert store.path is None or store.path.exists()

    current = store.current()
    assert [ex.text for ex in current] == ["加快推进科技创新。", "扩大内需，促进消费。"]
    assert current[0].labels == ("innovation",)
    assert current[0].source == "user"
    assert current[0].author == "alice"
    assert current[0].created_at.endswith("+00:00")
    assert store.count() == 2


def test_labels_are_deduplicated_and_sorted(store: ExampleStore) -> None:
    _add(store, [{"text": "乡村振兴与科技", "labels": ["rural", "innovation", "rural"]}])
    assert store.current()[0].labels == ("innovation", "rural")


def test_normalize_key_collapses_whitespace_and_width() -> None:
    assert normalize_key("  促进\u3000消费 \n\t 升级  ") == "促进消费升级"
    assert normalize_key("AI  for  farms 支持") == "AI for farms支持"
    assert normalize_key("ＡＢＣ１２３") == "ABC123"  # NFKC folds full-width forms


def test_same_text_different_whitespace_is_one_example_latest_wins(store: ExampleStore) -> None:
    first = _add(store, [{"text": "促进 消费", "labels": ["consumption"]}])
    second = _add(store, [{"text": "  促进\u3000\u3000消费\n", "labels": ["rural"]}], author="bob")
    assert first == AddResult(added=1, updated=0, total=1)
    assert second == AddResult(added=0, updated=1, total=1)

    [current] = store.current()
    assert current.labels == ("rural",)
    assert current.author == "bob"

    history = store.history("促进 消费")
    assert [h.labels for h in history] == [("consumption",), ("rural",)]
    assert [h.author for h in history] == ["alice", "bob"]


def test_relabel_keeps_first_insertion_order(store: ExampleStore) -> None:
    _add(store, [{"text": "a", "labels": []}, {"text": "b", "labels": []}])
    _add(store, [{"text": "a", "labels": ["rural"]}])
    assert [ex.text for ex in store.current()] == ["a", "b"]


def test_reconfirming_same_labels_counts_as_updated(store: ExampleStore) -> None:
    _add(store, [{"text": "a", "labels": ["rural"]}])
    assert _add(store, [{"text": "a", "labels": ["rural"]}]) == AddResult(0, 1, 1)
    assert len(store.history("a")) == 2


def test_same_key_twice_in_one_batch_last_wins(store: ExampleStore) -> None:
    result = _add(store, [{"text": "x", "labels": ["rural"]}, {"text": " x ", "labels": ["innovation"]}])
    assert result == AddResult(added=1, updated=0, total=1)
    assert store.current()[0].labels == ("innovation",)


def test_user_label_overrides_an_earlier_label(store: ExampleStore) -> None:
    seed = "seed:economic_daily.md"
    _add(store, [{"text": "农村电商", "labels": ["consumption"]}], source=seed, author=None)
    _add(store, [{"text": "农村电商", "labels": ["rural"]}], source="user")
    assert store.current()[0].labels == ("rural",)


def test_seed_can_update_seed(store: ExampleStore) -> None:
    _add(store, [{"text": "t", "labels": ["rural"]}], source="seed:a.md", author=None)
    result = _add(store, [{"text": "t", "labels": ["innovation"]}], source="seed:b.md", author=None)
    assert result == AddResult(added=0, updated=1, total=1)
    assert store.current()[0].labels == ("innovation",)


def test_empty_labels_is_a_negative_example(store: ExampleStore) -> None:
    _add(store, [{"text": "今天天气很好。", "labels": []}])
    [ex] = store.current()
    assert ex.labels == ()
    assert store.stats()["negatives"] == 1


def test_bad_batch_writes_nothing_and_lists_every_problem(store: ExampleStore) -> None:
    _add(store, [{"text": "existing", "labels": ["rural"]}])
    before = list(store.export())
    items = [
        {"text": "ok", "labels": ["rural"]},
        {"text": "bad domain", "labels": ["finance"]},
        {"text": "   ", "labels": []},
        {"text": "wrong labels type", "labels": "rural"},
        "not a mapping",
        {"text": 42, "labels": [1]},
        {"text": "no labels key"},
        {"text": "x" * 20_001, "labels": []},
    ]
    with pytest.raises(ItemsRejected) as info:
        _add(store, items)  # type: ignore[arg-type]

    problems = info.value.problems
    assert problems[0] == "item 1: unknown domain 'finance'; known: consumption, innovation, rural"
    assert problems[1].startswith("item 2: 'text' is empty")
    assert problems[2] == "item 3: 'labels' must be a list of domain ids, got string"
    assert problems[3].startswith("item 4: expected an object")
    assert any(p.startswith("item 5: 'text' must be a string, got number") for p in problems)
    assert any(p.startswith("item 5: labels[0] must be a domain id string, got number") for p in problems)
    assert any(p.startswith("item 6: missing 'labels'") for p in problems)
    assert any(p.startswith("item 7: 'text' is 20,001 characters") for p in problems)
    assert str(info.value) == "; ".join(problems)
    assert isinstance(info.value, ValueError) and not isinstance(info.value, StoreError)  # bad input, not a broken store

    # Nothing from the batch was written, not even the valid first item.
    assert store.count() == 1
    assert list(store.export()) == before
    assert store.history("ok") == []


def test_problems_use_line_numbers_when_items_come_from_a_file(store: ExampleStore) -> None:
    with pytest.raises(ItemsRejected) as info:
        _add(store, [{"text": "a", "labels": ["x"], "_line": 7}])
    assert info.value.problems == ["line 7: unknown domain 'x'; known: consumption, innovation, rural"]


def test_line_marker_is_not_stored(store: ExampleStore) -> None:
    _add(store, [{"text": "a", "labels": [], "_line": 3}])
    assert list(store.export())[0].keys() == {"text", "labels", "source", "author", "created_at"}


def test_stats_and_export(store: ExampleStore) -> None:
    _add(store, [{"text": "s", "labels": ["rural", "innovation"]}], source="seed:x.md", author=None)
    _add(store, [{"text": "u1", "labels": ["rural"]}, {"text": "u2", "labels": []}])
    assert store.stats() == {
        "total": 3,
        "by_domain": {"innovation": 1, "rural": 2},
        "negatives": 1,
        "by_source": {"seed:x.md": 1, "user": 2},
    }
    exported = list(store.export())
    assert [(e["text"], e["labels"], e["source"], e["author"]) for e in exported] == [
        ("s", ["innovation", "rural"], "seed:x.md", None),
        ("u1", ["rural"], "user", "alice"),
        ("u2", [], "user", "alice"),
    ]


def _user_version(path: Path) -> int:
    with closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def test_schema_version_set_and_reopen_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "examples.db"
    store = ExampleStore(path)
    assert _user_version(path) == SCHEMA_VERSION >= 1
    _add(store, [{"text": "persisted", "labels": ["rural"]}])

    reopened = ExampleStore(str(path))
    assert _user_version(path) == SCHEMA_VERSION
    assert [ex.text for ex in reopened.current()] == ["persisted"]


def test_non_database_file_gives_store_error(tmp_path: Path) -> None:
    path = tmp_path / "examples.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a usable SQLite database"):
        ExampleStore(path)


def test_concurrent_threads_lose_nothing(store_location: str) -> None:
    path = store_location
    shared = ExampleStore(path)
    errors: list[BaseException] = []

    def worker(name: str, store: ExampleStore) -> None:
        try:
            for i in range(50):
                store.add([{"text": f"{name}-{i}", "labels": []}], source="user", author=name, known_domains=DOMAINS)
        except BaseException as exc:  # surface failures in the main thread
            errors.append(exc)

    # One thread shares the instance, the other has its own: both must be safe.
    threads = [
        threading.Thread(target=worker, args=("t1", shared)),
        threading.Thread(target=worker, args=("t2", ExampleStore(path))),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert shared.count() == 100


def _process_worker(path: str, name: str, n: int) -> None:
    store = ExampleStore(path)
    for i in range(n):
        store.add([{"text": f"{name}-{i}", "labels": ["rural"]}], source="user", author=name, known_domains=DOMAINS)


@pytest.mark.slow  # starts interpreters (spawn); test_concurrent_threads_lose_nothing is the quick check
def test_concurrent_processes_lose_nothing(store_location: str) -> None:
    path = store_location
    ExampleStore(path)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_process_worker, args=(path, f"p{k}", 50)) for k in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0, 0]
    assert ExampleStore(path).count() == 100


def test_a_file_removed_while_the_store_is_open_is_created_again(tmp_path: Path) -> None:
    # One store lives as long as its workspace (a server's worker): deleting the file must not break it.
    path = tmp_path / "examples.db"
    store = ExampleStore(path)
    _add(store, [{"text": "gone", "labels": []}])
    path.unlink()
    assert store.count() == 0
    _add(store, [{"text": "back", "labels": ["rural"]}])
    assert [ex.text for ex in ExampleStore(path).current()] == ["back"]


def test_the_pool_and_the_examples_agree_on_what_is_labelled(store: ExampleStore) -> None:
    _add(store, [{"text": "扩大内需，促进消费。", "labels": ["consumption"]}])
    added = store.pool_add([("扩大内需，促进消费。", "doc.md", ""), ("推进高标准农田建设。", "doc.md", "一、农业"),
                            ("加快推进科技创新。", "doc.md", "")])
    assert added == 2  # the labelled text never enters the pool
    assert store.pool_stats() == {"pool_size": 2, "by_source": {"doc.md": 2}}

    _add(store, [{"text": " 加快推进科技创新。", "labels": ["innovation"]}])  # labelled anywhere: leaves the pool
    [item] = store.pool_items()
    assert (item.text, item.heading) == ("推进高标准农田建设。", "一、农业")

    result, size = store.review(item.id, ["rural"], author="bob", known_domains=DOMAINS)
    assert (result, size) == (AddResult(added=1, updated=0, total=3), 0)
    assert [h.source for h in store.history(item.text)] == ["review"]
    with pytest.raises(NotInPool, match="already reviewed"):
        store.review(item.id, ["rural"], author="bob", known_domains=DOMAINS)


def test_a_review_whose_labels_fail_to_store_leaves_its_paragraph_in_the_pool(
        store: ExampleStore, monkeypatch: pytest.MonkeyPatch) -> None:
    # Taking the row from the pool and writing the examples are one transaction: a failure in the second
    # must undo the first, or the paragraph is lost to review without being labelled.
    store.pool_add([("推进高标准农田建设。", "doc.md", "一、农业")])
    [item] = store.pool_items()
    write_examples = store_examples.add

    def write_then_fail(*args: object, **kwargs: object) -> AddResult:
        write_examples(*args, **kwargs)  # type: ignore[arg-type]
        raise OSError("the examples write failed")

    monkeypatch.setattr(store_examples, "add", write_then_fail)
    with pytest.raises(OSError, match="examples write failed"):
        store.review(item.id, ["rural"], author="bob", known_domains=DOMAINS)
    monkeypatch.undo()

    assert store.pool_items() == [item]
    assert store.count() == 0 and store.history(item.text) == []
    assert store.review(item.id, ["rural"], author="bob", known_domains=DOMAINS) == (AddResult(1, 0, 1), 0)
