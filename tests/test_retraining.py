"""Retraining: labels over HTTP and CLI, the gate, auth, background jobs, hot reload, killed runs."""
from __future__ import annotations

import json
import os
import shutil
import signal
import threading
from pathlib import Path

import pytest

from service.app import create_app
from service.cli import main
from tests.conftest import SEEDS
from tests.live import call, live_server
from tests.test_storage_failures import add_version, point_at
from tests.waiting import wait_until
from training.data.store import ExampleStore
from training.learning.run import LOCK_FILE, run_training
from training.ops.locks import try_lock
from training.ops.registry import Registry
from training.paths import store_path
from training.workspace import Workspace

TOKEN = "test-token-123"
ECOLOGY = [
    "持续深入打好蓝天、碧水、净土保卫战，加强细颗粒物和臭氧协同控制，基本消除重污染天气。",
    "推进长江、黄河等大江大河生态保护治理，实施重要生态系统保护和修复重大工程。",
    "加强生物多样性保护，完善以国家公园为主体的自然保护地体系。",
    "深入推进环境污染防治，强化土壤污染源头防控，开展新污染物治理。",
    "加强生态环境分区管控，严守生态保护红线，提升生态系统多样性、稳定性、持续性。",
    "健全生态产品价值实现机制，完善生态保护补偿制度。",
    "推进重点流域水环境综合治理，加强饮用水水源地保护。",
    "完善生态环境保护督察制度，严厉打击环境污染违法行为。",
    "推进山水林田湖草沙一体化保护和系统治理，科学开展国土绿化行动。",
    "加强固体废物和塑料污染治理，推进无废城市建设。",
]
NEGATIVES = ["办好人民满意的教育，促进义务教育优质均衡发展。", "深化医药卫生体制改革，提升基层医疗卫生服务能力。",
             "加快建设体育强国，广泛开展全民健身运动。", "推进高水平对外开放，深化双边和多边务实合作。"]
NEW_ECOLOGY = "加强大气污染防治和水生态环境保护，推进生态保护修复。"
OUT_OF_DOMAIN = "坚定维护国家主权和领土完整，全面推进国防和军队现代化。"
ECOLOGY_DOMAIN = {"id": "ecology", "name_zh": "生态环境", "name_en": "Ecology", "keywords": ["生态", "环境保护"]}


@pytest.fixture()
def seeds(tmp_path: Path) -> Path:
    """The repository's seeds minus the curated negatives about ecology (a curator adding the domain would
    relabel those)."""
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    curated = folder / "curated_examples.jsonl"
    lines = [line for line in curated.read_text(encoding="utf-8").splitlines()
             if not any(word in line for word in ("生态", "环境", "碳", "污染"))]
    curated.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def writer(home: Path, seeds: Path, **config):
    return create_app({"TESTING": True, "HOME": str(home), "SEEDS": str(seeds), "API_TOKEN": TOKEN, **config}).test_client()


AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.mark.parametrize("method, url, body", [
    ("post", "/v1/examples", {"examples": [{"text": "促进消费。", "labels": ["consumption"]}]}),
    ("post", "/v1/domains", ECOLOGY_DOMAIN),
    ("post", "/v1/models/v1/promote", None),
])
def test_write_endpoints_need_the_token(home, method, url, body):
    client = writer(home, SEEDS)
    send = getattr(client, method)
    assert send(url, json=body).status_code == 401
    assert send(url, json=body, headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert send(url, json=body, headers=AUTH).status_code in (200, 201)


def test_without_a_configured_token_writes_are_closed(home):
    client = create_app({"TESTING": True, "HOME": str(home)}).test_client()
    response = client.post("/v1/examples", json={"examples": []}, headers={"Authorization": "Bearer anything"})
    assert response.status_code == 403 and "POLICYTAG_API_TOKEN" in response.get_json()["error"]


def test_reads_can_require_the_token(home):
    client = writer(home, SEEDS, READS_NEED_TOKEN=True)
    assert client.post("/v1/tag", json={"text": "促进消费。"}).status_code == 401
    assert client.post("/v1/tag", json={"text": "促进消费。"}, headers=AUTH).status_code == 200
    assert client.get("/v1/health").status_code == 200  # liveness stays open


def test_examples_over_http_are_validated_whole_and_keep_history(home):
    client = writer(home, SEEDS)
    bad = {"examples": [{"text": "好的一条。", "labels": ["rural"]}, {"text": "", "labels": []},
                        {"text": "未知领域。", "labels": ["finance"]}, {"text": 3, "labels": "rural"}]}
    response = client.post("/v1/examples", json=bad, headers=AUTH)
    body = response.get_json()
    assert response.status_code == 400 and body["ok"] is False and "nothing was stored" in body["error"]
    assert len(body["problems"]) == 4 and "known: consumption, innovation, rural" in " ".join(body["problems"])
    assert not store_path(home).exists() or ExampleStore(store_path(home)).count() == 0
    first = client.post("/v1/examples", json={"examples": [{"text": "扩大 农村 消费。", "labels": ["rural"]}]}, headers=AUTH)
    assert first.status_code == 201 and first.get_json() == {"added": 1, "updated": 0, "total": 1}
    again = client.post("/v1/examples", json={"examples": [{"text": "扩大农村消费。", "labels": ["rural", "consumption"]}]},
                        headers={**AUTH, "X-Policytag-User": "analyst-li"})
    assert again.get_json() == {"added": 0, "updated": 1, "total": 1}
    history = ExampleStore(store_path(home)).history("扩大农村消费。")
    assert [h.labels for h in history] == [("rural",), ("consumption", "rural")]
    assert history[-1].author == "analyst-li"


def test_concurrent_http_writers_lose_nothing(home):
    def post(prefix: str) -> None:
        client = writer(home, SEEDS)
        for i in range(20):
            assert client.post("/v1/examples", json={"examples": [{"text": f"{prefix}第{i}条。", "labels": []}]},
                               headers=AUTH).status_code == 201

    threads = [threading.Thread(target=post, args=(p,)) for p in ("甲", "乙", "丙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert ExampleStore(store_path(home)).count() == 60


def test_cli_import_formats_and_rejected_file(runner, home, tmp_path):
    jsonl = tmp_path / "labels.jsonl"
    jsonl.write_text(json.dumps({"text": "推进种业振兴。", "labels": ["rural", "innovation"]}, ensure_ascii=False) + "\n",
                     encoding="utf-8")
    csv_file = tmp_path / "labels.csv"
    csv_file.write_text("text,labels\n发展夜间经济。,consumption\n加强国防建设。,\n", encoding="utf-8")
    for path in (jsonl, csv_file):
        result = runner.invoke(main, ["examples", "import", str(path), "--home", str(home), "--seeds", str(SEEDS)])
        assert result.exit_code == 0, result.output
    assert "now holds 3 examples" in result.stdout
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "a", "labels": ["nope"]}\n{"text": "", "labels": []}\n', encoding="utf-8")
    result = runner.invoke(main, ["examples", "import", str(bad), "--home", str(home), "--seeds", str(SEEDS)])
    assert result.exit_code == 1 and "line 1: unknown domain 'nope'" in result.stderr and "line 2" in result.stderr
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text('{"text": "好", "labels": []}\nnot json\n{"text": "a", "labels": ["nope"]}\n', encoding="utf-8")
    result = runner.invoke(main, ["examples", "import", str(mixed), "--home", str(home), "--seeds", str(SEEDS)])
    assert result.exit_code == 1  # a broken line does not hide the problems of the others
    assert "line 2: not valid JSON" in result.stderr and "line 3: unknown domain 'nope'" in result.stderr
    stats = json.loads(runner.invoke(main, ["examples", "stats", "--home", str(home)]).stdout)
    assert stats["total"] == 3 and stats["negatives"] == 1
    exported = runner.invoke(main, ["examples", "export", "--home", str(home)]).stdout.splitlines()
    assert len(exported) == 3


@pytest.mark.slow
def test_gate_keeps_a_worse_candidate_and_force_promotes(home):
    worse = run_training(home, SEEDS, cv=3, params={"min_df": 40})
    registry = Registry(home)
    assert worse["promotion"]["promoted"] is False and worse["promotion"]["reason"].startswith("worse")
    assert registry.current() == "v1" and registry.versions() == ["v1", "v2"]
    assert worse["promotion"]["changed_paragraphs"] > 0
    assert set(worse["champion_metrics"]["per_domain"]) == {"innovation", "rural", "consumption"}
    same = run_training(home, SEEDS, cv=3)
    assert same["promotion"]["promoted"] is True and registry.current() == "v3"
    forced = run_training(home, SEEDS, cv=3, params={"min_df": 40}, force=True)
    assert forced["promotion"]["promoted"] is True and registry.current() == "v4"


@pytest.mark.slow  # a whole training run on the seeds
def test_gate_holds_when_there_is_nothing_to_compare(home):
    skipped = run_training(home, SEEDS, cv=0)
    assert skipped["promotion"]["promoted"] is False and "no cross-validated comparison" in skipped["promotion"]["reason"]
    assert Registry(home).current() == "v1"


def test_promote_refuses_a_version_that_cannot_be_served(runner, home):
    broken = home / "models" / "v7"
    shutil.copytree(home / "models" / "v1", broken)
    with open(broken / "model.joblib", "ab") as handle:
        handle.write(b"tampered")
    result = runner.invoke(main, ["promote", "v7", "--home", str(home)])
    assert result.exit_code == 1 and "SHA-256" in result.stderr
    response = writer(home, SEEDS).post("/v1/models/v7/promote", headers=AUTH)
    assert response.status_code == 409 and "cannot be served" in response.get_json()["error"]
    assert Registry(home).current() == "v1"


def test_broken_data_files_give_a_json_error_naming_the_file(home):
    (home / "domains.json").write_text("{not json", encoding="utf-8")
    response = writer(home, SEEDS).get("/v1/domains")
    body = response.get_json()
    assert response.status_code == 503 and "domains.json" in body["error"] and "fix or delete it" in body["error"]


def test_cli_models_and_promote_roll_back(runner, home):
    add_version(home, "v1", "v2")  # a second good version, as a training run would save it
    point_at(home, "v2")
    listing = runner.invoke(main, ["models", "--home", str(home)]).stdout
    assert "* v2" in listing and "  v1" in listing
    assert runner.invoke(main, ["promote", "v1", "--home", str(home)]).exit_code == 0
    assert Registry(home).current() == "v1"
    result = runner.invoke(main, ["promote", "v9", "--home", str(home)])
    assert result.exit_code == 1 and "unknown model version 'v9'; known: v1, v2" in result.stderr


def wait_job(home: Path, job_id: str, timeout: float = 180) -> dict:
    return wait_until(lambda: (job := Workspace(home, SEEDS).jobs.get(job_id))["status"] in ("succeeded", "failed")
                      and job, timeout, interval=0.2, what=f"job {job_id} finishing")


@pytest.mark.slow  # starts and kills a training process
def test_killed_training_run_leaves_everything_intact(home):
    ExampleStore(store_path(home)).add([{"text": "发展银发经济，扩大养老服务消费。", "labels": ["consumption"]}],
                                       source="user", author="t", known_domains=["consumption"])
    before = (Registry(home).versions(), Registry(home).current(), ExampleStore(store_path(home)).count())
    jobs = Workspace(home, SEEDS).jobs
    job_id = jobs.start()
    pid = wait_until(lambda: jobs.pid(job_id), 60, interval=0.05, what=f"job {job_id}'s process starting")
    assert "pid" not in jobs.get(job_id)  # the record the API serves does not expose the process
    os.kill(pid, signal.SIGKILL)
    job = wait_job(home, job_id)
    assert job["status"] == "failed" and "ended without finishing" in job["error"]
    registry = Registry(home)
    assert (registry.versions(), registry.current(), ExampleStore(store_path(home)).count()) == before
    client = create_app({"TESTING": True, "HOME": str(home)}).test_client()
    assert client.post("/v1/tag", json={"text": "扩大服务消费。"}).get_json()["model"]["version"] == "v1"
    os.close(try_lock(home / LOCK_FILE))  # the lock was released: the next run could start


def tagged_version(base: str, text: str) -> tuple[str, list[str]]:
    status, body = call(f"{base}/v1/tag", {"text": text})
    assert status == 200, body
    return body["model"]["version"], [t["domain"] for t in body["results"][0]["tags"]]


def tags_from(base: str, version: str, text: str) -> list[str]:
    """The tags of `text` from a response produced by `version` (workers switch within seconds)."""
    served = wait_until(lambda: (answer := tagged_version(base, text))[0] == version and answer, 15, interval=0.1,
                        what=f"the service switching to {version}")
    return served[1]


@pytest.mark.slow
def test_end_to_end_new_domain_over_http(tmp_path, seeds):
    home = tmp_path / "home"
    with live_server(home, seeds, token=TOKEN) as base:
        assert call(f"{base}/v1/domains", ECOLOGY_DOMAIN, token=TOKEN)[0] == 201
        ids = [d["id"] for d in call(f"{base}/v1/domains")[1]["domains"]]
        assert ids == ["innovation", "rural", "consumption", "ecology"]
        examples = [{"text": t, "labels": ["ecology"]} for t in ECOLOGY] + [{"text": t, "labels": []} for t in NEGATIVES]
        status, body = call(f"{base}/v1/examples", {"examples": examples}, token=TOKEN)
        assert status == 201 and body == {"added": 14, "updated": 0, "total": 14}
        assert call(f"{base}/v1/train", {}, token="wrong")[0] == 403
        status, body = call(f"{base}/v1/train", {}, token=TOKEN)
        assert status == 202
        assert call(f"{base}/v1/train", {}, token=TOKEN)[0] == 409  # one training at a time
        # tagging keeps answering while training runs
        assert tagged_version(base, NEW_ECOLOGY)[0] == "v1"
        job = wait_until(lambda: (record := call(f"{base}/v1/jobs/{body['job']}", token=TOKEN)[1])["status"]
                         in ("succeeded", "failed") and record, 180, interval=0.3, what=f"job {body['job']} finishing")
        assert job["status"] == "succeeded" and job["version"] == "v2" and job["promoted"] is True, job
        assert "ecology" in job["metrics"]["per_domain"]
        assert tags_from(base, "v2", NEW_ECOLOGY)[:1] == ["ecology"]
        assert tags_from(base, "v2", OUT_OF_DOMAIN) == []
        models = call(f"{base}/v1/models")[1]
        assert models["current"] == "v2" and [v["version"] for v in models["versions"]] == ["v1", "v2"]
        assert call(f"{base}/v1/models/v1/promote", {}, token=TOKEN) == (200, {"current": "v1"})
        assert "ecology" not in tags_from(base, "v1", NEW_ECOLOGY)
        assert call(f"{base}/v1/jobs/000000000000", token=TOKEN)[0] == 404


@pytest.mark.slow
def test_hot_reload_under_concurrent_tagging_has_no_failed_request(tmp_path, runner):
    home = tmp_path / "home"
    run_training(home, SEEDS, cv=0)
    run_training(home, SEEDS, cv=0, force=True)  # v2, current
    with live_server(home, SEEDS) as base:
        failures, seen = [], set()
        stop = threading.Event()

        def hammer() -> None:
            while not stop.is_set():
                try:
                    version, _ = tagged_version(base, "推进高标准农田建设，促进农民增收。")
                    seen.add(version)
                except Exception as exc:  # noqa: BLE001 - any failure is what we count
                    failures.append(repr(exc))

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            for version in ("v1", "v2", "v1"):
                assert runner.invoke(main, ["promote", version, "--home", str(home)]).exit_code == 0
                wait_until(lambda version=version: tagged_version(base, "促进消费。")[0] == version, 15,
                           what=f"the service switching to {version}")
        finally:
            stop.set()
            for t in threads:
                t.join()
        assert failures == [] and seen == {"v1", "v2"}
