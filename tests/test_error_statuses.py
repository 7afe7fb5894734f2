"""Error statuses: one table (service.errors.STATUSES) decides the HTTP status of every error policytag raises.

The same class of error means the same status on every route; the few whose meaning depends on who is wrong
(the caller's domain or the server's taxonomy file, an unknown version or a damaged one) are distinct classes.
"""
from __future__ import annotations

import importlib
import io
import pkgutil
import shutil
from pathlib import Path

import pytest

from model.errors import PolicytagError
from service.app import create_app
from service.errors import status_for

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "t" * 32
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DOMAIN = {"id": "ecology", "name_zh": "生态环境", "name_en": "Ecology", "keywords": ["生态"]}

# Errors that never reach a request: the CLI's, the server's start-up, the fast path's internal signal, and the
# table parser's (its two callers turn it into ReadError or LabelFileError).
NOT_IN_REQUESTS = {"ApiError", "ConfigError", "PortInUse", "CorpusError", "LabelFileError", "EvalFileError",
                   "UserFileError", "NotFittedError", "Busy", "Decline", "TableError"}


def _subclasses(kind: type) -> set[type]:
    found = set()
    for sub in kind.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def test_every_error_class_that_can_reach_a_request_has_a_status():
    for package in ("model", "training", "service"):
        for info in pkgutil.walk_packages(importlib.import_module(package).__path__, f"{package}."):
            importlib.import_module(info.name)
    ours = {k for k in _subclasses(PolicytagError) if k.__module__.split(".")[0] in ("model", "training", "service")}
    missing = sorted(k.__name__ for k in ours if status_for(k) is None and k.__name__ not in NOT_IN_REQUESTS)
    assert not missing, f"add these to service.errors.STATUSES (or to NOT_IN_REQUESTS with a reason): {missing}"


def _app(home: Path, seeds: Path = ROOT / "seeds"):
    return create_app({"TESTING": True, "HOME": str(home), "SEEDS": str(seeds), "API_TOKEN": TOKEN}).test_client()


def test_a_domain_the_caller_got_wrong_is_400_and_one_that_exists_is_409(home):
    client = _app(home)
    clash = client.post("/v1/domains", json={**DOMAIN, "id": "innovation"}, headers=AUTH)
    assert clash.status_code == 409 and "already exists" in clash.get_json()["error"]
    assert client.post("/v1/domains", json=DOMAIN, headers=AUTH).status_code == 201
    again = client.post("/v1/domains", json=DOMAIN, headers=AUTH)
    assert again.status_code == 409


def test_a_broken_taxonomy_file_is_the_servers_problem_not_the_callers(home, tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    (seeds / "taxonomy.toml").write_text("[[domains]]\nid = 'x'\nname_zh = \n", encoding="utf-8")
    client = _app(home, seeds)
    response = client.post("/v1/domains", json=DOMAIN, headers=AUTH)  # not 400: the caller's domain is fine
    assert response.status_code == 503, response.get_json()
    assert "the server's data needs attention" in response.get_json()["error"]
    assert "taxonomy.toml" in response.get_json()["error"]


def test_promoting_an_unknown_version_is_404_and_a_damaged_one_409(home):
    client = _app(home)
    unknown = client.post("/v1/models/v9/promote", headers=AUTH)
    assert unknown.status_code == 404 and "unknown model version 'v9'" in unknown.get_json()["error"]
    assert client.get("/v1/models/v9/report").status_code == 404
    shutil.copytree(home / "models" / "v1", home / "models" / "v2")
    data = bytearray((home / "models" / "v2" / "model.joblib").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (home / "models" / "v2" / "model.joblib").write_bytes(bytes(data))
    damaged = client.post("/v1/models/v2/promote", headers=AUTH)
    assert damaged.status_code == 409 and "v2 cannot be served, not promoted" in damaged.get_json()["error"]
    assert client.get("/v1/models").get_json()["current"] == "v1"


def test_an_unknown_training_job_is_404_saying_how_to_start_one(home):
    response = _app(home).get("/v1/jobs/0123456789ab", headers=AUTH)
    assert response.status_code == 404
    assert response.get_json()["error"] == "no training job '0123456789ab'; POST /v1/train starts one"


@pytest.mark.parametrize("threshold", ["0", "0.0", "1.5", "1e-1"])
def test_an_upload_threshold_out_of_range_is_refused_like_a_tag_requests(client, threshold):
    response = client.post("/v1/upload", data={"file": (io.BytesIO("加快技术攻关。".encode()), "a.txt"),
                                               "threshold": threshold}, content_type="multipart/form-data")
    assert response.status_code == 400 and "threshold must be a number in (0, 1]" in response.get_json()["error"]
