"""Every HTTP route, its error cases, and the OpenAPI document checked against the app and real responses."""
from __future__ import annotations

import functools
import re
import shutil
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from service.app import create_app
from service.openapi import spec

INNOVATION = "加快关键核心技术攻关，推动科技成果转化，培育壮大高新技术企业。"
RURAL = "推进高标准农田建设，稳定粮食播种面积，促进农民持续增收。"
OOD = "全面加强国防和军队现代化建设，坚决维护国家主权、安全、发展利益。"


@functools.cache
def _validator(schema_name: str) -> Draft202012Validator:
    # The description is built from the code's request and response models: the same for the whole run.
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": spec()["components"]}
    return Draft202012Validator(schema)


def conforms(body: object, schema_name: str) -> None:
    errors = sorted(_validator(schema_name).iter_errors(body), key=str)
    assert not errors, [e.message for e in errors]


@pytest.fixture(scope="module")
def app(trained_home: Path, tmp_path_factory: pytest.TempPathFactory):
    # The requests of this module only read (tag, model, health, the description): one app serves them all.
    home = tmp_path_factory.mktemp("api") / "home"
    shutil.copytree(trained_home, home)
    return create_app({"TESTING": True, "HOME": str(home)})


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def assert_error(response, status: int, *needles: str) -> None:
    assert response.status_code == status
    body = response.get_json()
    conforms(body, "Error")
    assert body["ok"] is False and body["status"] == status
    for needle in needles:
        assert needle in body["error"], body["error"]


def test_tag_one_text(client):
    response = client.post("/v1/tag", json={"text": INNOVATION})
    assert response.status_code == 200
    body = response.get_json()
    conforms(body, "TagResponse")
    assert body["model"]["version"] == "v1"
    (result,) = body["results"]
    assert result["tags"][0]["domain"] == "innovation" and result["tags"][0]["name"] == "科技创新"
    assert result["paragraphs"][0]["text"] == INNOVATION
    scores = list(result["scores"].values())
    assert scores == sorted(scores, reverse=True)


def test_tag_several_texts_in_order_and_multi_paragraph_text(client):
    body = client.post("/v1/tag", json={"texts": [RURAL, OOD, f"{INNOVATION}\n\n{RURAL}"]}).get_json()
    conforms(body, "TagResponse")
    first, second, third = body["results"]
    assert first["tags"][0]["domain"] == "rural"
    assert second["tags"] == []  # about none of the domains
    assert [p["tags"][0]["domain"] for p in third["paragraphs"]] == ["innovation", "rural"]
    assert {t["domain"] for t in third["tags"]} == {"innovation", "rural"}


def test_skipped_lines_are_reported_not_lost(client):
    text = f"# 报告标题\n\n□作者甲\n\n{INNOVATION}\n\n（作者单位：某大学）"
    (result,) = client.post("/v1/tag", json={"text": text}).get_json()["results"]
    assert [p["text"] for p in result["paragraphs"]] == [INNOVATION]
    assert result["skipped"] == [{"text": "报告标题", "reason": "title"}, {"text": "□作者甲", "reason": "byline"},
                                 {"text": "（作者单位：某大学）", "reason": "affiliation"}]


def test_threshold_and_explain(client):
    body = client.post("/v1/tag", json={"text": OOD, "threshold": 0.001, "explain": True}).get_json()
    conforms(body, "TagResponse")
    paragraph = body["results"][0]["paragraphs"][0]
    # A tiny threshold tags every domain scored at least that much (calibrated scores of clearly
    # out-of-domain text can be lower still).
    assert paragraph["tags"] and {t["domain"] for t in paragraph["tags"]} == {
        d for d, s in paragraph["scores"].items() if s >= 0.001}
    assert set(paragraph["explanations"]) == {t["domain"] for t in paragraph["tags"]}


@pytest.mark.parametrize("payload, needle", [
    ({}, "exactly one of"),
    ({"text": ""}, "text: is empty"),
    ({"text": "   "}, "text: is empty"),
    ({"text": "\u3000\n"}, "text: is empty"),
    ({"text": 42}, "text: must be a string, got number"),
    ({"text": None}, "text: must be a string, got null"),
    ({"texts": []}, "texts: must be a non-empty list"),
    ({"texts": "abc"}, "texts: must be a list, got string"),
    ({"texts": ["ok", 3]}, "texts[1]: must be a string, got number"),
    ({"texts": ["ok", "ok", "ok", None]}, "texts[3]: must be a string, got null"),
    ({"text": "a", "texts": ["b"]}, "exactly one of"),
    ({"text": "a", "threshold": 0}, "threshold: must be a number in (0, 1]"),
    ({"text": "a", "threshold": 1.5}, "(0, 1]"),
    ({"text": "a", "threshold": "0.5"}, "(0, 1]"),
    ({"text": "a", "threshold": True}, "(0, 1]"),
    ({"text": "a", "threshold": None}, "threshold: must be a number in (0, 1]"),
    ({"text": "a", "explain": "yes"}, 'explain: must be true or false, got "yes"'),
    ({"txt": "a"}, "unknown field 'txt'"),
])
def test_bad_tag_requests_get_400_naming_the_problem(client, payload, needle):
    assert_error(client.post("/v1/tag", json=payload), 400, needle)


def test_every_problem_is_listed_in_json_terms(client):
    response = client.post("/v1/tag", json={"texts": ["ok", None, 3], "threshold": None, "explain": 1, "x": 0})
    assert_error(response, 400)
    assert response.get_json()["problems"] == [
        "texts[1]: must be a string, got null", "texts[2]: must be a string, got number",
        "threshold: must be a number in (0, 1] (leave it out to use the model's per-domain thresholds), got null",
        "explain: must be true or false, got 1", "unknown field 'x'; accepted: explain, text, texts, threshold"]


def test_json_with_a_utf8_bom_is_read(client):
    body = b"\xef\xbb\xbf" + '{"text": "加快关键核心技术攻关。"}'.encode()
    response = client.post("/v1/tag", data=body, content_type="application/json")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["results"][0]["tags"][0]["domain"] == "innovation"


def test_nan_is_not_a_number_here(client):
    body = '{"text": "a", "threshold": NaN}'
    assert_error(client.post("/v1/tag", data=body, content_type="application/json"), 400, "NaN")


def test_over_long_text_is_400(home):
    client = create_app({"TESTING": True, "HOME": str(home), "MAX_TEXT_CHARS": 50}).test_client()
    assert_error(client.post("/v1/tag", json={"text": "长" * 51}), 400, "51 characters", "limit of 50")
    schema = client.get("/v1/openapi.json").get_json()["components"]["schemas"]["TagRequest"]
    assert schema["properties"]["text"]["maxLength"] == 50  # the description states the server's limit


def test_too_many_texts_is_400(home):
    client = create_app({"TESTING": True, "HOME": str(home), "MAX_TEXTS": 2}).test_client()
    assert_error(client.post("/v1/tag", json={"texts": ["a", "b", "c"]}), 400, "3 items", "limit of 2")
    schema = client.get("/v1/openapi.json").get_json()["components"]["schemas"]["TagRequest"]
    assert schema["properties"]["texts"]["maxItems"] == 2


def test_body_over_the_limit_is_413(home):
    client = create_app({"TESTING": True, "HOME": str(home), "MAX_CONTENT_LENGTH": 1000}).test_client()
    assert_error(client.post("/v1/tag", json={"text": "长" * 2000}), 413, "1000-byte limit")


def test_default_body_limit_is_2_mb(client):
    assert client.application.config["MAX_CONTENT_LENGTH"] == 2 * 1024 * 1024
    assert_error(client.post("/v1/tag", data=b"x" * (2 * 1024 * 1024 + 1), content_type="application/json"), 413)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                                          "", "application/xml"])
def test_only_application_json_bodies_are_read(client, content_type):
    # text/plain and forms cross sites without a CORS preflight: valid JSON sent that way is still refused.
    body = '{"text": "加快关键核心技术攻关。"}'
    response = client.post("/v1/tag", data=body, headers={"Content-Type": content_type} if content_type else {})
    assert_error(response, 415, "Content-Type: application/json")


def test_json_content_type_with_charset_is_read(client):
    response = client.post("/v1/tag", data='{"text": "加快关键核心技术攻关。"}',
                           content_type="application/json; charset=utf-8")
    assert response.status_code == 200


def test_malformed_json_is_400(client):
    assert_error(client.post("/v1/tag", data='{"text": ', content_type="application/json"), 400, "invalid JSON")
    assert_error(client.post("/v1/tag", data="", content_type="application/json"), 400, "empty request body")
    assert_error(client.post("/v1/tag", data=b'{"text": "\xff"}', content_type="application/json"), 400, "UTF-8")
    assert_error(client.post("/v1/tag", json=["a"]), 400, "must be an object, got array")


def test_pathological_json_is_400_not_500(client):
    deep = "[" * 100_000 + "]" * 100_000
    assert_error(client.post("/v1/tag", data=deep, content_type="application/json"), 400, "nested too deeply")
    long_number = '{"text": "a", "threshold": ' + "1" * 5000 + "}"
    assert_error(client.post("/v1/tag", data=long_number, content_type="application/json"), 400)
    surrogate = '{"text": "\\ud800科技"}'
    assert_error(client.post("/v1/tag", data=surrogate, content_type="application/json"), 400, "surrogate")


def test_unknown_route_and_wrong_method_are_json(client):
    assert_error(client.get("/v1/nope"), 404, "openapi.json")
    response = client.get("/v1/tag")
    assert_error(response, 405)
    assert "POST" in response.headers["Allow"]


def test_no_model_is_503_and_health_says_not_ready(tmp_path):
    client = create_app({"TESTING": True, "HOME": str(tmp_path)}).test_client()
    assert_error(client.post("/v1/tag", json={"text": "a"}), 503, "policytag train")
    assert_error(client.get("/v1/model"), 503)
    health = client.get("/v1/health")
    assert health.status_code == 503  # a load balancer sends no traffic to a worker that cannot tag
    body = health.get_json()
    conforms(body, "Health")
    assert body["ready"] is False and body["status"] == "unavailable" and body["model"] == {"version": None}
    assert "policytag train" in body["reason"]


def test_unexpected_error_is_json_500_without_a_trace(app, monkeypatch):
    import service.tag_requests

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(service.tag_requests, "tag_paragraphs", boom)
    response = app.test_client().post("/v1/tag", json={"text": "a"})
    assert_error(response, 500, "internal error")
    assert "secret" not in response.get_data(as_text=True) and "Traceback" not in response.get_data(as_text=True)


def test_model_info(client):
    response = client.get("/v1/model")
    assert response.status_code == 200
    body = response.get_json()
    conforms(body, "ModelInfo")
    assert body["version"] == "v1"
    assert [d["id"] for d in body["domains"]] == ["innovation", "rural", "consumption"]
    assert body["domains"][1]["name_zh"] == "乡村振兴" and body["training"]["per_domain"]["rural"] >= 6


def test_health(client):
    body = client.get("/v1/health").get_json()
    conforms(body, "Health")
    assert body == {"status": "ok", "ready": True, "degraded": False, "model": {"version": "v1"}}


def test_openapi_is_valid_and_describes_exactly_the_app_routes(app, client):
    document = client.get("/v1/openapi.json").get_json()
    validate(document)
    routes = {(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/v1/")  # not the page
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    described = {(path, method) for path, item in document["paths"].items() for method in item}
    assert described == routes


@pytest.mark.parametrize("text", ["hello world", "。。。", "\u200b", "12345", "###"])
def test_text_without_chinese_gets_no_tags(client, text):
    (result,) = client.post("/v1/tag", json={"text": text}).get_json()["results"]
    assert result["tags"] == [] and all(p["tags"] == [] for p in result["paragraphs"])
