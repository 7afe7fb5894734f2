"""What the API accepts and answers at its edges: security headers on every response, the bearer scheme, content
types on write routes, request validation, and the published description agreeing with what the code enforces."""
from __future__ import annotations

import shutil

import pytest

from service.app import create_app
from tests.conftest import SEEDS

TOKEN = "tok-hostile-1"
INNOVATION = "加快关键核心技术攻关，推动科技成果转化。"


def token_app(home):
    return create_app({"TESTING": True, "HOME": str(home), "SEEDS": str(SEEDS), "API_TOKEN": TOKEN})


@pytest.fixture()
def writer(home):
    return token_app(home).test_client()


@pytest.fixture(scope="module")
def module_home(trained_home, tmp_path_factory):
    home = tmp_path_factory.mktemp("requests") / "home"
    shutil.copytree(trained_home, home)
    return home


@pytest.fixture(scope="module")
def refusing(module_home):
    """One client with the token for the tests of refused requests: a refused request changes nothing."""
    return token_app(module_home).test_client()


@pytest.fixture(scope="module")
def client(module_home):
    """One client without a token for the tests that only read."""
    return create_app({"TESTING": True, "HOME": str(module_home)}).test_client()


def auth(scheme: str = "Bearer") -> dict[str, str]:
    return {"Authorization": f"{scheme} {TOKEN}"}


@pytest.mark.parametrize("path, method", [("/v1/tag", "post"), ("/v1/health", "get"), ("/v1/nope", "get"),
                                          ("/v1/openapi.json", "get"), ("/v1/models", "get")])
def test_every_api_response_carries_security_headers(client, path, method):
    response = getattr(client, method)(path, json={"text": INNOVATION} if method == "post" else None)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_a_route_with_its_own_csp_keeps_it(app):
    @app.get("/page-for-test")
    def page():
        return "<p>hi</p>", 200, {"Content-Security-Policy": "default-src 'self'"}

    response = app.test_client().get("/page-for-test")
    assert response.headers["Content-Security-Policy"] == "default-src 'self'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_bearer_scheme_is_case_insensitive(writer, scheme):
    response = writer.post("/v1/models/v1/promote", headers=auth(scheme))
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("header", ["Basic " + TOKEN, TOKEN, "Bearer", "Bearer   "])
def test_other_schemes_and_empty_tokens_are_401(refusing, header):
    assert refusing.post("/v1/models/v1/promote", headers={"Authorization": header}).status_code == 401


def test_forms_and_text_plain_are_refused_on_write_routes_too(refusing):
    for path, body in [("/v1/examples", '{"examples": [{"text": "促进消费。", "labels": []}]}'),
                       ("/v1/domains", '{"id": "eco", "name_zh": "生态", "name_en": "Eco", "keywords": []}'),
                       ("/v1/train", '{"force": false}')]:
        response = refusing.post(path, data=body, headers={**auth(), "Content-Type": "text/plain"})
        assert response.status_code == 415, (path, response.get_json())


def test_train_without_a_body_needs_no_content_type(writer, monkeypatch):
    from training.workspace import Jobs

    monkeypatch.setattr(Jobs, "start", lambda *a, **k: "0123456789ab")  # no real training run
    assert writer.post("/v1/train", headers=auth()).status_code == 202


def test_domains_refuses_unknown_fields_and_requires_keywords(refusing):
    body = {"id": "ecology", "name_zh": "生态环境", "name_en": "Ecology"}
    response = refusing.post("/v1/domains", json=body, headers=auth())
    assert response.status_code == 400 and response.get_json()["problems"] == ["keywords: missing (required)"]
    response = refusing.post("/v1/domains", json={**body, "keywords": [], "colour": "green"}, headers=auth())
    assert response.status_code == 400 and "unknown field 'colour'" in response.get_json()["error"]
    response = refusing.post("/v1/domains", json={**body, "name_zh": " \u3000", "keywords": []}, headers=auth())
    assert response.status_code == 400 and "name_zh: is empty" in response.get_json()["error"]


@pytest.mark.parametrize("field", ["name_zh", "keywords"])
def test_lone_surrogate_in_a_new_domain_is_400(refusing, field):
    value = '"\\ud800生态"' if field == "name_zh" else '["\\udfff"]'
    base = {"id": '"eco"', "name_zh": '"生态"', "name_en": '"Eco"', "keywords": '["生态"]', field: value}
    body = "{" + ", ".join(f'"{k}": {v}' for k, v in base.items()) + "}"
    response = refusing.post("/v1/domains", data=body, headers={**auth(), "Content-Type": "application/json"})
    assert response.status_code == 400 and "surrogate" in response.get_json()["error"]


def test_train_lists_every_bad_field(refusing):
    response = refusing.post("/v1/train", json={"force": "yes", "tolerance": 5}, headers=auth())
    assert response.status_code == 400
    assert response.get_json()["problems"] == ['force: must be true or false, got "yes"',
                                               "tolerance: must be a number in [0, 1], got 5"]


def test_spec_and_code_agree_on_empty_and_null(client):
    schemas = client.get("/v1/openapi.json").get_json()["components"]["schemas"]
    tag = schemas["TagRequest"]["properties"]
    assert "null" not in str(tag["threshold"].get("type")) and "default" not in tag["threshold"]
    assert schemas["DomainRequest"]["required"] == ["id", "name_zh", "name_en", "keywords"]
    assert schemas["DomainRequest"]["additionalProperties"] is False
    assert "pattern" in schemas["DomainRequest"]["properties"]["name_zh"]  # blank names are invalid in both
    assert "pattern" in tag["text"]



def test_the_published_example_limit_is_the_one_writes_enforce(writer):
    item = writer.get("/v1/openapi.json").get_json()["components"]["schemas"]["ExampleItem"]
    limit = item["properties"]["text"]["maxLength"]
    longest = {"examples": [{"text": "农" * limit, "labels": []}]}
    assert writer.post("/v1/examples", json=longest, headers=auth()).status_code == 201
    over = {"examples": [{"text": "农" * (limit + 1), "labels": []}]}
    response = writer.post("/v1/examples", json=over, headers=auth())
    assert response.status_code == 400 and f"limit of {limit}" in response.get_json()["problems"][0]
    assert writer.post("/v1/pool", json={"texts": ["农" * (limit + 1)]}, headers=auth()).status_code == 400
