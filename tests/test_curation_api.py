"""The curator's routes: the review pool, the review queue, the label audit, document upload, version reports."""
from __future__ import annotations

import io
import json
import re
import shutil

import pytest

from service.app import create_app
from tests.conftest import SEEDS
from tests.test_api import assert_error, conforms
from training.data.store import ExampleStore
from training.learning.review import select
from training.ops.registry import Registry
from training.paths import store_path
from training.workspace import Workspace

TOKEN = "s3cret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
INNOVATION = "加快关键核心技术攻关，推动科技成果转化，培育壮大高新技术企业。"
RURAL = "推进高标准农田建设，稳定粮食播种面积，促进农民持续增收。"
CURATED = "坚持山水林田湖草沙一体化保护和系统治理。"  # a seed label file's paragraph (labelled [])
POOL_TEXTS = [
    "发展智慧农业，推动数字技术在农村电商和农产品流通中的应用。",
    "完善县域商业体系，促进农村消费提质扩容。",
    "加快建设体育强国，广泛开展全民健身运动。",
    "深化科技体制改革，推进高校和科研院所科研成果转化。",
    "健全养老服务体系，发展银发经济。",
]


def curator_app(home, **config):
    # These tests are about the curator's loop; the token on labelled reads has its own tests (test_access.py).
    return create_app({"TESTING": True, "HOME": str(home), "API_TOKEN": TOKEN, "LABELLED_READS_NEED_TOKEN": False,
                       **config})


@pytest.fixture()
def app(home):
    return curator_app(home)


@pytest.fixture()
def auditing(audited_home):
    """A client whose data directory holds the audit's held-out scores, cross-validated once per run
    (conftest.audited): the tests that use it are slow because that run cross-validates."""
    return curator_app(audited_home).test_client()


@pytest.fixture(scope="module")
def shared(trained_home, tmp_path_factory):
    """One client for the tests whose requests change nothing (refused requests, uploads that are only tagged,
    reads of the description and of reports), so they can share it."""
    home = tmp_path_factory.mktemp("shared") / "home"
    shutil.copytree(trained_home, home)
    return create_app({"TESTING": True, "HOME": str(home), "API_TOKEN": TOKEN,
                       "LABELLED_READS_NEED_TOKEN": False}).test_client()


def pooled(client, texts=POOL_TEXTS) -> dict:
    response = client.post("/v1/pool", json={"texts": list(texts)}, headers=AUTH)
    assert response.status_code == 201, response.get_json()
    conforms(response.get_json(), "PoolResult")
    return response.get_json()


def upload(client, data: bytes, name: str, url: str = "/v1/upload", headers=None, **form):
    return client.post(url, data={"file": (io.BytesIO(data), name), **form}, headers=headers or {},
                       content_type="multipart/form-data")


# -- the pool -------------------------------------------------------------------------------------------

def test_pool_starts_empty_and_counts_added_texts_once(client):
    assert client.get("/v1/pool").get_json() == {"pool_size": 0, "by_source": {}}
    body = pooled(client, [*POOL_TEXTS, POOL_TEXTS[0], " " + POOL_TEXTS[1] + " "])
    assert body["added"] == len(POOL_TEXTS) and body["pool_size"] == len(POOL_TEXTS)
    assert pooled(client)["added"] == 0  # the same texts again: nothing new
    stats = client.get("/v1/pool").get_json()
    conforms(stats, "PoolStats")
    assert stats == {"pool_size": len(POOL_TEXTS), "by_source": {"api": len(POOL_TEXTS)}}


def test_labelled_paragraphs_do_not_enter_the_pool(client):
    body = pooled(client, [CURATED, POOL_TEXTS[0]])
    assert body["added"] == 1 and body["already_labelled"] == 1


def test_a_paragraph_labelled_in_a_seed_file_after_the_first_pooling_stays_out_of_the_pool(home, tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    client = curator_app(home, SEEDS=str(seeds)).test_client()
    assert pooled(client, [POOL_TEXTS[0]])["added"] == 1
    with (seeds / "curated_examples.jsonl").open("a", encoding="utf-8") as labels:
        labels.write(json.dumps({"text": POOL_TEXTS[4], "labels": []}, ensure_ascii=False) + "\n")
    body = pooled(client, [POOL_TEXTS[4], POOL_TEXTS[3]])
    assert body["added"] == 1 and body["already_labelled"] == 1


def test_pool_accepts_a_document_upload_with_heading_paths(client):
    doc = f"# 报告\n\n一、农业农村\n\n{POOL_TEXTS[0]}\n\n{POOL_TEXTS[1]}\n".encode()
    response = upload(client, doc, "plan.md", "/v1/pool", AUTH)
    # The sub-heading standing alone is tagged as a unit, but is nothing to review: two items.
    assert response.status_code == 201 and response.get_json()["added"] == 2
    (item,) = [i for i in client.get("/v1/review?n=10").get_json()["items"] if i["text"] == POOL_TEXTS[1]]
    assert item["source"] == "plan.md" and item["heading"] == "报告 / 一、农业农村"


@pytest.mark.parametrize("kwargs, status, needle", [
    ({"json": {"texts": []}}, 400, "non-empty list"),
    ({"json": {"texts": "abc"}}, 400, "texts: must be a list, got string"),
    ({"json": {"texts": ["ok", 3, "  "]}}, 400, "texts[1]: must be a string, got number; texts[2]: is empty"),
    ({"json": {"texts": ["ok"], "source": " "}}, 400, "source: must be a non-empty string"),
    ({"json": {"texts": ["ok"], "labels": []}}, 400, "unknown field 'labels'"),
    ({"data": "not json", "content_type": "text/plain"}, 415, "application/json"),
])
def test_bad_pool_requests(shared, kwargs, status, needle):
    assert_error(shared.post("/v1/pool", headers=AUTH, **kwargs), status, needle)
    assert shared.get("/v1/pool").get_json()["pool_size"] == 0


def test_bad_pool_uploads(shared):
    assert_error(upload(shared, b"MZ\x00", "tool.exe", "/v1/pool", AUTH), 415, "unsupported format")
    assert_error(upload(shared, b"", "empty.txt", "/v1/pool", AUTH), 400, "empty")
    response = shared.post("/v1/pool", data={"other": "x"}, headers=AUTH, content_type="multipart/form-data")
    assert_error(response, 400, "field named 'file'")


def test_pool_writes_need_the_token(shared):
    assert_error(shared.post("/v1/pool", json={"texts": ["x"]}), 401, "Bearer")
    assert_error(shared.post("/v1/pool", json={"texts": ["x"]}, headers={"Authorization": "Bearer no"}), 403)


# -- the review queue ---------------------------------------------------------------------------------

def test_review_queue_returns_the_least_certain_first_with_reasons(client):
    pooled(client)
    body = client.get("/v1/review?n=3").get_json()
    conforms(body, "ReviewBatch")
    assert body["pool_size"] == len(POOL_TEXTS) and body["model"]["version"] == "v1"
    assert len(body["items"]) == 3
    margins = [item["margin"] for item in body["items"]]
    everything = client.get("/v1/review?n=5").get_json()["items"]
    assert min(margins) == min(item["margin"] for item in everything)  # the least certain is always in
    for item in body["items"]:
        assert "threshold" in item["reason"] and set(item["scores"]) == {"innovation", "rural", "consumption"}
        assert all(tag["name"] for tag in item["tags"])


def test_a_review_batch_is_not_near_duplicates(home):
    tagger, _ = Registry(home).load()
    # The most uncertain text, five times with a trivial difference, among other texts.
    candidates = POOL_TEXTS + [INNOVATION, RURAL, "推动农村消费和乡村旅游发展。", "建设科技强国，培育新质生产力。"]
    from training.learning.review import margins
    most = candidates[int(margins(tagger, tagger.predict_proba(candidates))[0].argmin())]
    texts = [most + "。" * i for i in range(1, 6)] + [t for t in candidates if t != most]
    proba = tagger.predict_proba(texts)
    by_margin = select(tagger, texts, proba, 4, diversity=0)
    spread = select(tagger, texts, proba, 4)
    assert sum(p.index < 5 for p in by_margin) >= 2  # without the penalty the copies crowd the batch
    assert sum(p.index < 5 for p in spread) == 1


def test_reviewing_stores_the_labels_and_removes_the_item(client, home):
    pooled(client)
    item = client.get("/v1/review?n=1").get_json()["items"][0]
    response = client.post("/v1/review", json={"id": item["id"], "labels": ["rural"]}, headers=AUTH)
    assert response.status_code == 201
    conforms(response.get_json(), "ReviewResult")
    assert response.get_json()["pool_size"] == len(POOL_TEXTS) - 1
    (stored,) = [e for e in ExampleStore(store_path(home)).current() if e.text == item["text"]]
    assert stored.labels == ("rural",) and stored.source == "review"
    assert item["id"] not in [i["id"] for i in client.get("/v1/review?n=20").get_json()["items"]]
    assert_error(client.post("/v1/review", json={"id": item["id"], "labels": []}, headers=AUTH), 404, "not in the pool")


def test_labelling_a_pooled_text_anywhere_removes_it_from_the_pool(client):
    pooled(client)
    client.post("/v1/examples", json={"examples": [{"text": POOL_TEXTS[2], "labels": []}]}, headers=AUTH)
    assert client.get("/v1/pool").get_json()["pool_size"] == len(POOL_TEXTS) - 1


@pytest.mark.parametrize("body, status, needle", [
    ({"id": "1", "labels": []}, 400, "integer id"),
    ({"id": True, "labels": []}, 400, "integer id"),
    ({"id": 1}, 400, "labels: missing (required)"),
    ({"id": 1, "labels": "rural"}, 400, "labels: must be a list of domain ids"),
    ({"id": 1, "labels": ["sports"]}, 400, "unknown domain 'sports'"),
    ({"id": 1, "labels": [], "note": "x"}, 400, "unknown field 'note'"),
    ({"id": 99999, "labels": []}, 404, "not in the pool"),
])
def test_bad_reviews(client, body, status, needle):
    pooled(client)
    assert_error(client.post("/v1/review", json=body, headers=AUTH), status, needle)
    assert client.get("/v1/pool").get_json()["pool_size"] == len(POOL_TEXTS)


def test_a_bad_review_lists_every_problem_in_json_terms(client):
    pooled(client)
    response = client.post("/v1/review", json={"id": "1", "labels": ["rural", "sports"], "note": 1}, headers=AUTH)
    assert_error(response, 400, "nothing was stored")
    assert response.get_json()["problems"] == [
        'id: must be the pool item\'s integer id from GET /v1/review, got "1"',
        "labels[1]: unknown domain 'sports'; known: consumption, innovation, rural",
        "unknown field 'note'; accepted: id, labels"]


@pytest.mark.parametrize("n", ["0", "101", "abc", "-1", "1.0", " 5", "²"])
def test_bad_review_batch_size(shared, n):
    assert_error(shared.get(f"/v1/review?n={n}"), 400, "n: must be a whole number from 1 to 100")


def test_review_needs_the_token_and_a_model(shared, tmp_path):
    assert_error(shared.post("/v1/review", json={"id": 1, "labels": []}), 401)
    empty = create_app({"TESTING": True, "HOME": str(tmp_path / "none"), "API_TOKEN": TOKEN,
                        "LABELLED_READS_NEED_TOKEN": False}).test_client()
    assert_error(empty.get("/v1/review"), 503)
    assert_error(empty.get("/v1/audit"), 503)


# -- the audit ------------------------------------------------------------------------------------------

def plant_wrong_label(client) -> None:
    """An unmistakable innovation paragraph stored as rural (a curator's slip)."""
    body = {"examples": [{"text": INNOVATION, "labels": ["rural"]}]}
    assert client.post("/v1/examples", json=body, headers=AUTH).status_code == 201


@pytest.mark.slow  # cross-validates once per run for the audit's held-out scores (conftest.audited)
def test_audit_lists_a_planted_wrong_label_with_a_suggestion_and_evidence(auditing):
    client = auditing
    plant_wrong_label(client)
    body = client.get("/v1/audit?n=50").get_json()
    conforms(body, "AuditList")
    assert body["labelled"] > 100 and body["disputed"] >= len(body["items"]) > 0
    (item,) = [i for i in body["items"] if i["text"] == INNOVATION]
    assert item["labels"] == ["rural"] and item["suggested"][0] == "innovation" and item["source"] == "user"
    assert "innovation" in item["evidence"] and item["evidence"]["innovation"]
    confidences = [i["confidence"] for i in body["items"]]
    assert all(0 <= c <= 1 for c in confidences)


@pytest.mark.slow  # cross-validates once per run for the audit's held-out scores (conftest.audited)
def test_audit_shows_the_heading_a_bootstrapped_label_came_from(audited_home, tmp_path):
    home = audited_home
    # A seed document whose rural section holds an innovation paragraph: the heading labels it rural.
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    (seeds / "misfiled.md").write_text(f"# 工作要点\n\n## 三、全面推进乡村振兴\n\n{INNOVATION}\n", encoding="utf-8")
    client = create_app({"TESTING": True, "HOME": str(home), "SEEDS": str(seeds), "API_TOKEN": TOKEN,
                         "LABELLED_READS_NEED_TOKEN": False}).test_client()
    items = client.get("/v1/audit?n=100").get_json()["items"]
    (item,) = [i for i in items if i["text"] == INNOVATION]
    assert item["source"] == "misfiled.md" and item["labels"] == ["rural"] and item["suggested"][0] == "innovation"
    assert "乡村振兴" in item["label_from"], item


@pytest.mark.slow  # cross-validates once per run for the audit's held-out scores (conftest.audited)
def test_accepting_stores_the_suggestion_and_the_item_leaves(auditing, audited_home):
    client, home = auditing, audited_home
    plant_wrong_label(client)
    (item,) = [i for i in client.get("/v1/audit?n=100").get_json()["items"] if i["text"] == INNOVATION]
    response = client.post("/v1/audit", json={"id": item["id"], "action": "accept"}, headers=AUTH)
    assert response.status_code == 200
    conforms(response.get_json(), "AuditResult")
    (stored,) = [e for e in ExampleStore(store_path(home)).current() if e.text == INNOVATION]
    assert stored.labels == tuple(sorted(item["suggested"])) and stored.source == "audit"
    assert item["id"] not in [i["id"] for i in client.get("/v1/audit?n=100").get_json()["items"]]


@pytest.mark.slow  # cross-validates once per run for the audit's held-out scores (conftest.audited)
def test_keeping_a_label_takes_it_off_the_list_without_changing_it(auditing, audited_home):
    client, home = auditing, audited_home
    first = client.get("/v1/audit?n=1").get_json()["items"][0]
    before = ExampleStore(store_path(home)).count()
    response = client.post("/v1/audit", json={"id": first["id"], "action": "keep"}, headers=AUTH)
    assert response.status_code == 200 and response.get_json()["labels"] == first["labels"]
    assert ExampleStore(store_path(home)).count() == before
    assert first["id"] not in [i["id"] for i in client.get("/v1/audit?n=100").get_json()["items"]]


@pytest.mark.parametrize("body, status, needle", [
    ({"id": "x", "action": "delete"}, 400, 'action: must be "accept" or "keep", got "delete"'),
    ({"id": 3, "action": "keep"}, 400, "id: must be an audit item id (a string from GET /v1/audit), got 3"),
    ({"action": "keep"}, 400, "id: missing (required)"),
    ({"id": "x", "action": "keep", "labels": []}, 400, "unknown field"),
])
def test_bad_audit_decisions(shared, body, status, needle):
    assert_error(shared.post("/v1/audit", json=body, headers=AUTH), status, needle)


@pytest.mark.slow  # looks the id up in the audit: cross-validates once per run (conftest.audited)
def test_an_unknown_audit_item_is_404(auditing):
    assert_error(auditing.post("/v1/audit", json={"id": "nope", "action": "keep"}, headers=AUTH), 404,
                 "no labelled paragraph")


def test_audit_decisions_need_the_token(shared):
    assert_error(shared.post("/v1/audit", json={"id": "x", "action": "keep"}), 401)


@pytest.mark.slow  # trains a cross-validated model
def test_audit_of_a_cross_validated_model_reads_its_held_out_probabilities(home, monkeypatch):
    """A version trained with CV carries out-of-fold probabilities; the audit must not cross-validate again."""
    from tests.conftest import SEEDS
    from training.learning import audit as audit_module
    from training.learning.run import run_training

    run_training(home, SEEDS, cv=3, force=True)
    monkeypatch.setattr(audit_module, "cross_validate", lambda *a, **k: pytest.fail("cross-validated again"))
    client = create_app({"TESTING": True, "HOME": str(home), "API_TOKEN": TOKEN}).test_client()
    body = client.get("/v1/audit", headers=AUTH).get_json()
    assert body["model"]["version"] == "v2" and body["items"]


# -- upload -----------------------------------------------------------------------------------------------

def test_upload_markdown_gives_one_tag_result_with_headings(shared):
    doc = f"# 规划\n\n一、科技创新\n\n{INNOVATION}\n\n二、乡村振兴\n\n{RURAL}\n".encode()
    response = upload(shared, doc, "plan.md", explain="true")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    conforms(body, "UploadResponse")
    conforms({"model": body["model"], "results": body["results"]}, "TagResponse")
    assert body["source"] == "plan.md"
    paragraphs = body["results"][0]["paragraphs"]
    by_text = {p["text"]: p for p in paragraphs}
    assert by_text[INNOVATION]["heading"] == "规划 / 一、科技创新"
    assert by_text[INNOVATION]["tags"][0]["domain"] == "innovation" and by_text[INNOVATION]["explanations"]
    assert by_text[RURAL]["tags"][0]["domain"] == "rural"
    assert body["results"][0]["skipped"] == [{"text": "规划", "reason": "title"}]


def test_upload_docx(shared):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_heading("一、推进乡村全面振兴", level=1)
    document.add_paragraph(RURAL)
    buffer = io.BytesIO()
    document.save(buffer)
    body = upload(shared, buffer.getvalue(), "报告.docx").get_json()
    (paragraph,) = body["results"][0]["paragraphs"]
    assert paragraph["text"] == RURAL and paragraph["heading"] == "一、推进乡村全面振兴"
    assert paragraph["tags"][0]["domain"] == "rural" and body["source"] == "报告.docx"


def test_upload_html_keeps_markup_in_text_as_text(shared):
    page = f"<html><script>alert(1)</script><body><nav>首页</nav><p>{RURAL}&lt;script&gt;</p></body></html>"
    body = upload(shared, page.encode(), "page.html").get_json()
    (paragraph,) = body["results"][0]["paragraphs"]
    assert paragraph["text"] == RURAL + "<script>"  # entity decoded to text; the page shows it as text


def test_upload_threshold_applies_to_every_domain(shared):
    (paragraph,) = upload(shared, INNOVATION.encode(), "a.txt", threshold="0.001").get_json()["results"][0]["paragraphs"]
    (default,) = upload(shared, INNOVATION.encode(), "a.txt").get_json()["results"][0]["paragraphs"]
    # One threshold for every domain: each domain scoring at least 0.001 is a tag, more than by default.
    assert {t["domain"] for t in paragraph["tags"]} == {d for d, s in paragraph["scores"].items() if s >= 0.001}
    assert len(paragraph["tags"]) > len(default["tags"])


@pytest.mark.parametrize("data, name, form, status, needle", [
    (b"MZ\x90\x00", "setup.exe", {}, 415, "unsupported format '.exe'"),
    (b"text", "noext", {}, 415, "unsupported format"),
    (b"", "empty.txt", {}, 400, "empty"),
    (b"PK\x03\x04broken", "broken.docx", {}, 400, "not a readable .docx"),
    (b"\x00\x01\x02binary", "data.txt", {}, 400, "binary"),
    ("加快技术攻关。".encode(), "a.txt", {"threshold": "2"}, 400, "threshold must be"),
    ("加快技术攻关。".encode(), "a.txt", {"threshold": "nan"}, 400, "threshold must be"),
    ("加快技术攻关。".encode(), "a.txt", {"threshold": "1e-1"}, 400, "threshold must be"),
    ("加快技术攻关。".encode(), "a.txt", {"explain": "maybe"}, 400, "explain must be"),
    ("加快技术攻关。".encode(), "a.txt", {"lang": "zh"}, 400, "unknown form field 'lang'"),
])
def test_bad_uploads(shared, data, name, form, status, needle):
    assert_error(upload(shared, data, name, **form), status, needle)


def test_upload_without_a_file_or_not_multipart(shared):
    assert_error(shared.post("/v1/upload", data={"explain": "true"}, content_type="multipart/form-data"),
                 400, "field named 'file'")
    assert_error(shared.post("/v1/upload", json={"text": INNOVATION}), 415, "multipart/form-data")


def test_upload_over_the_size_limit_is_413(home):
    client = create_app({"TESTING": True, "HOME": str(home), "MAX_CONTENT_LENGTH": 1000}).test_client()
    assert_error(upload(client, ("加快技术攻关。" * 200).encode(), "big.txt"), 413, "limit")


def test_upload_without_a_model_is_503(tmp_path):
    client = create_app({"TESTING": True, "HOME": str(tmp_path / "none")}).test_client()
    assert_error(upload(client, INNOVATION.encode(), "a.txt"), 503)


def test_the_description_states_what_the_curation_routes_check(shared):
    """JSON bodies and `n` are the validating models' own schemas; the hand-written upload form agrees with the code."""
    document = shared.get("/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    assert schemas["PoolRequest"]["properties"]["texts"]["maxItems"] == shared.application.config["MAX_TEXTS"]
    assert schemas["ReviewRequest"]["properties"]["labels"]["items"]["enum"] == ["innovation", "rural", "consumption"]
    assert schemas["AuditRequest"]["properties"]["action"]["enum"] == ["accept", "keep"]
    (n,) = document["paths"]["/v1/review"]["get"]["parameters"]
    assert n["schema"] | {"title": None} == {"type": "integer", "minimum": 1, "maximum": 100, "default": 20, "title": None}
    form = schemas["Upload"]["properties"]
    for value in ["0.5", "1", "1.0", ".25", "0.001", "", "0", "0.0", "1.5", "1e-1", "nan", " 0.5", "٠.٥", "-0.5"]:
        described = re.fullmatch(form["threshold"]["pattern"].strip("^$"), value) is not None
        answer = upload(shared, INNOVATION.encode(), "a.txt", threshold=value).status_code
        assert answer == (200 if described else 400), value
    for value in ["true", "false", "1", "0", "", "TRUE", "yes", "2"]:
        answer = upload(shared, INNOVATION.encode(), "a.txt", explain=value).status_code
        assert answer == (200 if value in form["explain"]["enum"] else 400), value


# -- version reports --------------------------------------------------------------------------------------

def test_report_of_a_version_without_cross_validation_says_so(shared):
    body = shared.get("/v1/models/v1/report").get_json()
    conforms(body, "VersionReport")
    assert body["report"] is None and "--cv" in body["note"]


@pytest.mark.slow  # trains a cross-validated model
def test_report_of_a_cross_validated_version(home):
    from tests.conftest import SEEDS
    from training.learning.run import run_training

    run_training(home, SEEDS, cv=3, force=True)
    body = create_app({"TESTING": True, "HOME": str(home)}).test_client().get("/v1/models/v2/report").get_json()
    conforms(body, "VersionReport")
    report = body["report"]
    assert report["confusion"]["labels"] == ["innovation", "rural", "consumption", "none"]
    assert set(report["per_domain"]) == {"innovation", "rural", "consumption"} and report["calibration"]["bins"]


def test_report_of_an_unknown_version_is_404(shared):
    assert_error(shared.get("/v1/models/v9/report"), 404, "unknown model version")


@pytest.mark.slow  # trains on the seeds, then the audit cross-validates
def test_audit_with_a_one_paragraph_domain_says_why_instead_of_failing(client, home):
    # A model trained with --cv 0 keeps no held-out scores, so the audit must cross-validate, and a domain with
    # one labelled paragraph cannot be.
    domain = {"id": "ecology", "name_zh": "生态环境", "name_en": "Ecology", "keywords": ["生态"]}
    assert client.post("/v1/domains", json=domain, headers=AUTH).status_code == 201
    example = {"text": "推进长江、黄河等大江大河生态保护治理。", "labels": ["ecology"]}
    assert client.post("/v1/examples", json={"examples": [example]}, headers=AUTH).status_code == 201
    Workspace(home).train(cv=0, force=True)
    response = client.get("/v1/audit")
    assert response.status_code == 409, response.get_json()
    assert "label at least 2 paragraphs of every domain" in response.get_json()["error"]
def test_pool_upload_skips_a_paragraph_over_the_limit_and_names_it(client):
    long = "推进乡村全面振兴，" * 2_399 + "推进乡村全面振兴。"  # 21,600 characters, a sentence end: one paragraph
    doc = f"{POOL_TEXTS[0]}\n\n{long}\n\n{POOL_TEXTS[1]}\n".encode()
    response = upload(client, doc, "plan.txt", "/v1/pool", AUTH)
    body = response.get_json()
    assert response.status_code == 201, body
    conforms(body, "PoolResult")
    assert body["added"] == 2 and body["skipped"] == 1
    assert body["problems"] == ["plan.txt: paragraph 2 skipped: 'text' is 21,600 characters; the limit is 20,000, "
                                "split it into paragraphs"]
    texts = client.post("/v1/pool", json={"texts": [POOL_TEXTS[2], long]}, headers=AUTH)
    assert_error(texts, 400, "texts[1]: has 21600 characters")  # a JSON body stays all-or-nothing
    assert client.get("/v1/pool").get_json()["pool_size"] == 2


def test_pool_upload_of_doc_summary_jsonl_leaves_the_document_rows_out(client):
    rows = [{"kind": "paragraph", "source": "plan.md", "index": 0, "start": 0, "end": 10, "heading": ["报告", "一、农业"],
             "text": POOL_TEXTS[0], "tags": [], "scores": {}, "model": "v1"},
            {"kind": "document", "source": "plan.md", "paragraphs": 1, "tags": [], "scores": {}, "model": "v1"}]
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    response = upload(client, data, "tags.jsonl", "/v1/pool", AUTH)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["added"] == 1
    (item,) = client.get("/v1/review?n=10").get_json()["items"]
    assert item["source"] == "plan.md" and item["heading"] == "报告 / 一、农业"
