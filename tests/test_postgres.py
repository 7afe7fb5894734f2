"""The shared PostgreSQL backend on a real server: schema, copy, registry, jobs, errors and the API."""
from __future__ import annotations

import json
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from service.app import create_app
from service.cli import main
from tests.conftest import SEEDS
from tests.waiting import wait_until
from training.errors import StoreBusyError, StoreError, StoreUnavailable, TrainingBusy
from training.ops.database import SCHEMA_VERSION, STORE_WRITE, TRAINING, Database
from training.workspace import Workspace

pytestmark = pytest.mark.slow  # each test starts from a new database on a throwaway PostgreSQL server

TOKEN = "tok-pg-1"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TEXT = "加快关键核心技术攻关，推动科技成果转化。"


@pytest.fixture()
def shared(runner, trained_home: Path, database_url: str) -> str:
    """A database holding the trained data directory's model (copied with `policytag db copy`)."""
    result = runner.invoke(main, ["db", "copy", "--from", str(trained_home), "--to", database_url])
    assert result.exit_code == 0, result.output
    return database_url


def host(tmp_path: Path, url: str, name: str, **config):
    """The app of one host: its own data directory (model cache), the shared database."""
    return create_app({"TESTING": True, "HOME": str(tmp_path / name), "SEEDS": str(SEEDS), "API_TOKEN": TOKEN,
                       "DATABASE_URL": url, "RELOAD_CHECK_SECONDS": 0.05, **config}).test_client()


def wait_for(predicate, timeout: float = 15.0):
    return wait_until(predicate, timeout, interval=0.05)


def test_db_upgrade_creates_then_keeps_the_schema(runner, database_url):
    # With a password in the URL (the test server trusts 127.0.0.1, so any password is accepted).
    url = database_url.replace("://policytag@", "://policytag:pw-not-shown@")
    first = runner.invoke(main, ["db", "upgrade", "--database", url])
    assert first.exit_code == 0 and f"from schema version 0 to {SCHEMA_VERSION}" in first.stdout
    again = runner.invoke(main, ["db", "upgrade", "--database", url])
    assert again.exit_code == 0 and f"already at version {SCHEMA_VERSION}" in again.stdout
    assert "policytag:***@" in first.stdout and "pw-not-shown" not in first.stdout + first.stderr
    database = Database(database_url)
    with database.connection() as conn:
        conn.execute("UPDATE policytag_schema SET version = ?", (SCHEMA_VERSION + 1,))
    newer = runner.invoke(main, ["db", "upgrade", "--database", database_url])
    assert newer.exit_code == 1 and "newer than this policytag supports" in newer.stderr
    database.close()


def test_copy_prints_counts_and_hashes_and_refuses_a_second_copy(runner, trained_home, tmp_path, database_url):
    home = tmp_path / "home"
    Workspace(trained_home).registry  # noqa: B018 - the data directory as it is
    import shutil

    shutil.copytree(trained_home, home)
    source = Workspace(home, SEEDS)
    source.add_examples([{"text": "扩大农村消费，促进农民增收。", "labels": ["rural"]},
                         {"text": "今天天气很好。", "labels": []}], source="user", author="ann")
    source.add_examples([{"text": "扩大农村消费，促进农民增收。", "labels": ["rural", "consumption"]}],
                        source="user", author="bob")
    source.store().pool_add([("推进高标准农田建设。", "doc.md", "一、农业")])
    source.add_domain({"id": "ecology", "name_zh": "生态环境", "name_en": "Ecology", "keywords": ["生态"]})
    result = runner.invoke(main, ["db", "copy", "--from", f"sqlite:///{home}", "--to", database_url, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    counts = {item["what"]: item["source"][0] for item in report["items"]}
    assert report["ok"] is True and counts["examples"] == 2 and counts["labels_history"] == 3
    assert counts["pool"] == 1 and counts["model v1"] == 1 and counts["domains added"] == 1
    assert all(item["source"] == item["target"] for item in report["items"])
    target = Workspace(tmp_path / "other-host", SEEDS, database=database_url)
    assert [h.author for h in target.store().history("扩大农村消费，促进农民增收。")] == ["ann", "bob"]
    assert target.registry.current() == "v1" and "ecology" in target.taxonomy().ids
    again = runner.invoke(main, ["db", "copy", "--from", str(home), "--to", database_url])
    assert again.exit_code == 1 and "already holds labels, domains or models" in again.stderr


def test_a_busy_writer_is_a_store_busy_error_within_the_timeout(database_url):
    store = Workspace(database=database_url, store_timeout=0.3).store()
    other = Database(database_url).session()
    other.execute("BEGIN")
    other.execute("SELECT pg_advisory_xact_lock(%s)", (STORE_WRITE,))  # another host is writing
    try:
        started = time.monotonic()
        with pytest.raises(StoreBusyError, match="locked by another writer"):
            store.add([{"text": TEXT, "labels": []}], source="user", author=None, known_domains=["rural"])
        assert time.monotonic() - started < 5
        assert store.count() == 0  # reads do not wait for writers
    finally:
        other.execute("ROLLBACK")
        other.close()
    store.add([{"text": TEXT, "labels": []}], source="user", author=None, known_domains=["rural"])
    assert store.count() == 1


def test_an_unreachable_database_is_store_unavailable_within_the_timeout(pg_cluster):
    from tests.pg_cluster import _free_port

    url = f"postgresql://policytag:secret@127.0.0.1:{_free_port()}/nothing"  # nothing listens there
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as info:
        Workspace(database=url, store_timeout=0.5).store().count()
    assert time.monotonic() - started < 5
    assert "secret" not in str(info.value) and "could not be reached" in str(info.value)


def test_a_url_that_is_not_postgresql_is_refused_with_the_fix(monkeypatch):
    monkeypatch.setenv("POLICYTAG_DATABASE_URL", "mysql://db/x")
    with pytest.raises(StoreError, match="is not a PostgreSQL URL; use postgresql://"):
        Workspace()


def test_models_live_in_the_database_and_are_verified_before_loading(shared, tmp_path):
    registry = Workspace(tmp_path / "a", SEEDS, database=shared).registry
    tagger, manifest = registry.load()
    assert manifest["version"] == "v1" and (tmp_path / "a" / "model-cache").is_dir()
    added = registry.add(tagger, {**manifest, "promotion": {"promoted": False, "reason": "test"}})
    assert added["version"] == "v2" and registry.versions() == ["v1", "v2"]
    with Database(shared).connection() as conn:  # someone alters the stored bytes
        conn.execute("UPDATE model_versions SET artefact = artefact || '\\x00'::bytea WHERE version = 'v2'")
    other = Workspace(tmp_path / "b", SEEDS, database=shared).registry
    with pytest.raises(Exception, match="does not match the SHA-256"):
        other.promote("v2")
    assert other.current() == "v1"
    damaged = {v["version"]: v["damaged"] for v in Workspace(tmp_path / "b", SEEDS, database=shared).versions()}
    assert damaged == {"v1": False, "v2": True}


def test_one_training_at_a_time_across_hosts_and_a_dead_run_is_reported_failed(shared, tmp_path):
    first, second = (Workspace(tmp_path / name, SEEDS, database=shared) for name in ("a", "b"))
    holder = Database(shared).session()
    assert holder.execute("SELECT pg_try_advisory_lock(%s)", (TRAINING,)).fetchone()[0]  # a CLI run elsewhere
    with pytest.raises(TrainingBusy, match="on this or another host"):
        second.jobs.start()
    with pytest.raises(TrainingBusy):
        second.train(cv=0)
    holder.close()
    # A job whose process took the lock and then vanished (its host died): reported failed, the next can start.
    from training.ops.jobs import DatabaseJobs

    jobs = DatabaseJobs(first.database, first.home, lambda: first.seeds)
    with first.database.connection() as conn:
        conn.execute("INSERT INTO training_jobs (id, status, record) VALUES ('0000000000aa', 'queued', ?)",
                     (json.dumps({"id": "0000000000aa", "status": "queued"}),))
    assert jobs.begin("0000000000aa")["status"] == "running"
    assert second.jobs.get("0000000000aa")["status"] == "running"
    with pytest.raises(TrainingBusy):
        second.jobs.start()
    jobs.end()  # the session ends as it would when its host dies (its server process exits a moment later)
    job = wait_for(lambda: (found := second.jobs.get("0000000000aa"))["status"] != "running" and found)
    assert job["status"] == "failed" and "ended without finishing" in job["error"]
    assert second.jobs.get("00000000zzzz") is None


def test_labels_domains_and_promotions_through_one_host_reach_the_others(shared, tmp_path):
    a, b = host(tmp_path, shared, "a"), host(tmp_path, shared, "b")
    domain = {"id": "ecology", "name_zh": "生态环境", "name_en": "Ecology", "keywords": ["生态"]}
    assert a.post("/v1/domains", json=domain, headers=AUTH).status_code == 201
    assert b.post("/v1/domains", json=domain, headers=AUTH).status_code == 409  # known cluster-wide
    posted = {"examples": [{"text": "加强生态环境保护。", "labels": ["ecology"]}]}
    assert b.post("/v1/examples", json=posted, headers=AUTH).get_json() == {"added": 1, "updated": 0, "total": 1}
    assert a.post("/v1/pool", json={"texts": ["推进高标准农田建设。"]}, headers=AUTH).status_code == 201
    assert b.get("/v1/pool", headers=AUTH).get_json()["pool_size"] == 1
    ws = Workspace(tmp_path / "c", SEEDS, database=shared)
    tagger, manifest = ws.registry.load()
    ws.registry.add(tagger, manifest)  # v2, a candidate
    assert b.post("/v1/tag", json={"text": TEXT}).get_json()["model"]["version"] == "v1"
    assert a.post("/v1/models/v2/promote", headers=AUTH).get_json() == {"current": "v2"}
    wait_for(lambda: b.post("/v1/tag", json={"text": TEXT}).get_json()["model"]["version"] == "v2")
    assert b.get("/v1/models").get_json()["current"] == "v2"
    assert b.get("/v1/health").get_json()["status"] == "ok"


@contextmanager
def database_away(url: str):
    """No new connections to the database, and the open ones ended: as a host sees a database that went away."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        try:
            yield
        finally:
            admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')


def test_a_host_that_loses_the_database_keeps_tagging_and_says_so(shared, tmp_path):
    client = host(tmp_path, shared, "a", STORE_TIMEOUT_SECONDS=0.5)
    assert client.get("/v1/health").get_json()["status"] == "ok"
    with database_away(shared):
        health = wait_for(lambda: (r := client.get("/v1/health")).status_code == 503 and r.get_json())
        assert health["degraded"] is True and health["model"]["version"] == "v1"
        assert "still serving v1 from memory" in health["reason"]
        tagged = client.post("/v1/tag", json={"text": TEXT})
        assert tagged.status_code == 200 and tagged.get_json()["model"]["version"] == "v1"
        started = time.monotonic()
        written = client.post("/v1/examples", json={"examples": [{"text": TEXT, "labels": []}]}, headers=AUTH)
        assert written.status_code == 503 and written.headers["Retry-After"] == "2"
        assert written.get_json()["ok"] is False and time.monotonic() - started < 10
        # A worker (re)started now, on the same host, serves the copy this host verified before.
        restarted = host(tmp_path, shared, "a", STORE_TIMEOUT_SECONDS=0.5)
        tagged = restarted.post("/v1/tag", json={"text": TEXT})
        assert tagged.status_code == 200 and tagged.get_json()["model"]["version"] == "v1"
        health = restarted.get("/v1/health").get_json()
        assert health["degraded"] is True and "serving v1 from this host's copy" in health["reason"]
        assert host(tmp_path, shared, "new", STORE_TIMEOUT_SECONDS=0.5).post(
            "/v1/tag", json={"text": TEXT}).status_code == 503  # a host that never held a model has none
    wait_for(lambda: client.get("/v1/health").status_code == 200)
    wait_for(lambda: restarted.get("/v1/health").status_code == 200)
    assert client.post("/v1/examples", json={"examples": [{"text": TEXT, "labels": []}]},
                       headers=AUTH).status_code == 201


def test_corpus_workers_load_the_model_by_reference_from_any_host(shared, tmp_path, runner, monkeypatch):
    import shutil

    from training.workspace import load_reference

    ref, manifest = Workspace(tmp_path / "client", SEEDS, database=shared).registry.reference()
    assert ref.version == "v1" and ref.sha256 == manifest["sha256"] and ref.database == shared
    shutil.rmtree(ref.path)  # a worker on another machine: the client's cache is not there
    tagger, loaded = load_reference(ref)
    assert loaded["sha256"] == ref.sha256 and tagger.classes_ is not None
    source = tmp_path / "report.txt"
    source.write_text("加快关键核心技术攻关，推动科技成果转化。\n\n推进高标准农田建设，促进农民增收。\n", encoding="utf-8")
    monkeypatch.setenv("POLICYTAG_DATABASE_URL", shared)
    result = runner.invoke(main, ["tag", str(source), "--home", str(tmp_path / "cli"), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["model"] for row in rows] == ["v1", "v1"] and rows[0]["tags"][0]["domain"] == "innovation"
