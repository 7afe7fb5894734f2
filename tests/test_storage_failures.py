"""Storage that fails under the app: damaged model versions (the model holder serves the last good one), a busy,
read-only or full store, and which paths error messages show."""
from __future__ import annotations

import errno
import json
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from service.app import create_app
from tests.conftest import SEEDS
from training.data.store import ExampleStore
from training.paths import store_path

TOKEN = "tok-broken-1"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TEXT = "加快关键核心技术攻关，推动科技成果转化。"
EXAMPLE = {"examples": [{"text": "扩大农村消费，促进农民增收。", "labels": ["rural"]}]}


def make_app(home: Path, **config):
    return create_app({"TESTING": True, "HOME": str(home), "SEEDS": str(SEEDS), "API_TOKEN": TOKEN,
                       "RELOAD_CHECK_SECONDS": 0, **config})


def add_version(home: Path, source: str, target: str) -> None:
    """A copy of version `source` saved as `target` (a second good version without training again)."""
    shutil.copytree(home / "models" / source, home / "models" / target)
    manifest_path = home / "models" / target / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["version"] = target
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")


def point_at(home: Path, version: str) -> None:
    (home / "models" / "CURRENT").write_text(version + "\n", encoding="utf-8")


def flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.fixture()
def two_versions(home: Path) -> Path:
    add_version(home, "v1", "v2")
    point_at(home, "v2")
    return home


def test_fresh_worker_with_a_damaged_current_model_serves_the_last_good_one(two_versions):
    home = two_versions
    flip_a_byte(home / "models" / "v2" / "model.joblib")
    client = make_app(home).test_client()  # a worker started after the damage (e.g. a restart)
    response = client.post("/v1/tag", json={"text": TEXT})
    assert response.status_code == 200 and response.get_json()["model"]["version"] == "v1"
    health = client.get("/v1/health")
    assert health.status_code == 503
    body = health.get_json()
    assert body["degraded"] is True and body["ready"] is True and body["model"]["version"] == "v1"
    assert "models/v2/model.joblib" in body["reason"] and "serving v1" in body["reason"]
    assert str(home) not in body["reason"]  # no absolute paths to an unauthenticated caller


def test_running_worker_and_fresh_worker_agree_after_damage(two_versions):
    home = two_versions
    old = make_app(home).test_client()
    assert old.post("/v1/tag", json={"text": TEXT}).get_json()["model"]["version"] == "v2"
    flip_a_byte(home / "models" / "v2" / "model.joblib")
    fresh = make_app(home).test_client()
    served = {c.post("/v1/tag", json={"text": TEXT}).get_json()["model"]["version"] for c in (old, fresh)}
    assert served == {"v1"}  # one rule, same files: no split service
    assert old.get("/v1/health").status_code == 503


def test_current_pointing_at_a_damaged_version_keeps_every_worker_on_the_same_one(two_versions):
    home = two_versions
    add_version(home, "v1", "v3")
    flip_a_byte(home / "models" / "v3" / "model.joblib")
    old = make_app(home).test_client()
    assert old.post("/v1/tag", json={"text": TEXT}).get_json()["model"]["version"] == "v2"
    point_at(home, "v3")  # e.g. an operator edited the pointer by hand
    fresh = make_app(home).test_client()
    served = {c.post("/v1/tag", json={"text": TEXT}).get_json()["model"]["version"] for c in (old, fresh)}
    assert served == {"v2"}
    # Repairing the pointer ends the degraded state without a restart.
    point_at(home, "v2")
    assert old.get("/v1/health").status_code == 200 and fresh.get("/v1/health").get_json()["degraded"] is False


def test_no_version_loads_is_503_with_a_relative_path(home):
    flip_a_byte(home / "models" / "v1" / "model.joblib")
    client = make_app(home).test_client()
    response = client.post("/v1/tag", json={"text": TEXT})
    assert response.status_code == 503
    message = response.get_json()["error"]
    assert "models/v1/model.joblib" in message and str(home) not in message
    assert client.get("/v1/health").status_code == 503


def test_token_holders_see_absolute_paths(home):
    flip_a_byte(home / "models" / "v1" / "model.joblib")
    client = make_app(home).test_client()
    anonymous = client.post("/v1/models/v1/promote", headers={"Authorization": "Bearer wrong"})
    assert anonymous.status_code == 403
    response = client.post("/v1/models/v1/promote", headers=AUTH)
    assert response.status_code == 409 and str(home / "models" / "v1") in response.get_json()["error"]
    response = client.post("/v1/tag", json={"text": TEXT})
    assert str(home) not in response.get_json()["error"]


# -- the store ----------------------------------------------------------------------------------------

def test_locked_store_answers_503_with_retry_after_and_tagging_does_not_wait(home):
    ExampleStore(store_path(home)).count()  # the file exists, as on a running server
    client = make_app(home, STORE_TIMEOUT_SECONDS=0.05).test_client()
    holder = sqlite3.connect(store_path(home), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process is writing
    try:
        response = client.post("/v1/examples", json=EXAMPLE, headers=AUTH)
        assert response.status_code == 503 and response.headers["Retry-After"] == "2"
        body = response.get_json()
        assert body["ok"] is False and "locked by another writer" in body["error"]
        assert client.post("/v1/tag", json={"text": TEXT}).status_code == 200
        assert client.get("/v1/domains").status_code == 200
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.post("/v1/examples", json=EXAMPLE, headers=AUTH).status_code == 201


def test_every_store_write_of_the_api_waits_only_the_configured_timeout(home):
    # Pool imports and reviews are written by the same store the workspace builds once with the setting;
    # a store built elsewhere with the CLI's 30 s would hold these requests (and their worker) for 30 s.
    store = ExampleStore(store_path(home))
    store.pool_add([("推进高标准农田建设，稳定粮食播种面积。", "test", "")])
    (item,) = store.pool_items()
    client = make_app(home, STORE_TIMEOUT_SECONDS=0.05).test_client()
    holder = sqlite3.connect(store_path(home), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process is writing
    try:
        for method, path, body in (("post", "/v1/pool", {"texts": ["加强农村基础设施建设，改善农村人居环境。"]}),
                                   ("post", "/v1/review", {"id": item.id, "labels": ["rural"]}),
                                   ("post", "/v1/examples", EXAMPLE)):
            started = time.monotonic()
            response = getattr(client, method)(path, json=body, headers=AUTH)
            waited = time.monotonic() - started
            assert response.status_code == 503 and response.headers["Retry-After"] == "2", (path, response.get_json())
            assert "locked by another writer for 0.05 s" in response.get_json()["error"]
            assert waited < 10, f"{path} waited {waited:.1f} s, not the configured 0.05 s"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.post("/v1/review", json={"id": item.id, "labels": ["rural"]}, headers=AUTH).status_code == 201


def test_store_timeout_is_a_documented_setting(monkeypatch, home):
    monkeypatch.setenv("POLICYTAG_STORE_TIMEOUT_SECONDS", "1.5")
    assert create_app({"TESTING": True, "HOME": str(home)}).config["STORE_TIMEOUT_SECONDS"] == 1.5
    assert "POLICYTAG_STORE_TIMEOUT_SECONDS" in (Path(__file__).parent.parent / "README.md").read_text()


def _reconnect(monkeypatch, wrap) -> None:
    import training.data.sqlite as store_module

    real = sqlite3.connect
    monkeypatch.setattr(store_module.sqlite3, "connect", lambda path, **kw: wrap(real, path, **kw))


def test_read_only_store_is_503_saying_so(home, monkeypatch):
    ExampleStore(store_path(home)).count()
    # Tests run as root, which ignores file modes: open the database read-only as a read-only mount would.
    _reconnect(monkeypatch, lambda real, path, **kw: real(f"file:{path}?mode=ro", uri=True, **kw))
    response = make_app(home).test_client().post("/v1/examples", json=EXAMPLE, headers=AUTH)
    assert response.status_code == 503
    assert response.get_json()["error"].startswith("the data directory is read-only")


def test_full_disk_under_the_store_is_507(home, monkeypatch):
    ExampleStore(store_path(home)).count()

    def capped(real, path, **kw):
        conn = real(path, **kw)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "database or disk is full"
        return conn

    _reconnect(monkeypatch, capped)
    many = {"examples": [{"text": f"第{i}条：扩大农村消费，促进农民增收。" * 20, "labels": ["rural"]} for i in range(200)]}
    response = make_app(home).test_client().post("/v1/examples", json=many, headers=AUTH)
    assert response.status_code == 507, response.get_json()
    assert response.get_json()["error"].startswith("no space left on the data directory")


@pytest.mark.parametrize("code, status, needle", [(errno.EROFS, 503, "read-only"), (errno.ENOSPC, 507, "no space")])
def test_file_writes_map_to_the_same_statuses(home, monkeypatch, code, status, needle):
    import tempfile

    def fail(*args, **kwargs):
        raise OSError(code, "simulated", str(home / "domains.json"))

    monkeypatch.setattr(tempfile, "mkstemp", fail)  # every atomic write goes through a temp file
    client = make_app(home).test_client()
    domain = {"id": "ecology", "name_zh": "生态环境", "name_en": "Ecology", "keywords": ["生态"]}
    for response in (client.post("/v1/domains", json=domain, headers=AUTH),
                     client.post("/v1/models/v1/promote", headers=AUTH),
                     client.post("/v1/train", headers=AUTH)):
        assert response.status_code == status and needle in response.get_json()["error"], response.get_json()


# -- listing versions -------------------------------------------------------------------------------

@pytest.mark.parametrize("damage", ["manifest", "model", "manifest-not-an-object"])
def test_one_damaged_old_version_never_hides_the_others(two_versions, runner, damage):
    from service.cli import main

    home = two_versions
    add_version(home, "v2", "v3")
    point_at(home, "v3")
    if damage == "manifest":
        (home / "models" / "v1" / "manifest.json").write_text("{not json", encoding="utf-8")
    elif damage == "model":
        flip_a_byte(home / "models" / "v1" / "model.joblib")
    else:
        (home / "models" / "v1" / "manifest.json").write_text("[]", encoding="utf-8")
    response = make_app(home).test_client().get("/v1/models")
    assert response.status_code == 200
    listed = {v["version"]: v for v in response.get_json()["versions"]}
    assert list(listed) == ["v1", "v2", "v3"]
    assert listed["v1"]["damaged"] is True and "models/v1" in listed["v1"]["problem"]
    assert str(home) not in listed["v1"]["problem"]  # an open read: no absolute paths
    assert listed["v2"]["damaged"] is False and listed["v3"]["current"] is True
    result = runner.invoke(main, ["models", "--home", str(home)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["v1", "DAMAGED:"] and lines[1].split()[0] == "v2" and lines[2].startswith("* v3")


def test_store_in_a_directory_that_cannot_be_written_is_a_store_error(tmp_path, monkeypatch):
    import training.data.sqlite as store_module
    from training.errors import StoreFullError, StoreReadOnlyError

    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(store_module, "locked", refuse)  # the init lock is the first file the store creates
    with pytest.raises(StoreReadOnlyError, match="read-only"):
        ExampleStore(tmp_path / "new.sqlite3")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store_module, "locked", full)
    with pytest.raises(StoreFullError, match="no space left"):
        ExampleStore(tmp_path / "other.sqlite3")
