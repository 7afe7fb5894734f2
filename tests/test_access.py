"""Who may read what: labelled data needs the token by default, and only allowed host names are answered."""
from __future__ import annotations

import shutil

import pytest

from service.app import create_app
from service.hosts import allowed

TOKEN = "tok-access-1"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# GET /v1/audit with the token answers from held-out scores cross-validated once per run (conftest.audited): slow.
LABELLED_READS = ["/v1/review?n=5", pytest.param("/v1/audit?n=5", marks=pytest.mark.slow), "/v1/pool",
                  "/v1/jobs/0123456789ab"]


@pytest.fixture(scope="module")
def app(trained_home, tmp_path_factory):
    """One app with a token for the module: its tests only read, so they share it."""
    home = tmp_path_factory.mktemp("access") / "home"
    shutil.copytree(trained_home, home)
    return create_app({"TESTING": True, "HOME": str(home), "API_TOKEN": TOKEN})


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.mark.parametrize("path", LABELLED_READS)
def test_reads_that_show_labelled_data_need_the_token(client, path):
    response = client.get(path)
    assert response.status_code == 401 and "Bearer" in response.get_json()["error"]
    assert client.get(path, headers=AUTH).status_code != 401


def test_a_setting_opens_labelled_reads(home):
    app = create_app({"TESTING": True, "HOME": str(home), "API_TOKEN": TOKEN, "LABELLED_READS_NEED_TOKEN": "false"})
    assert app.test_client().get("/v1/pool").status_code == 200


def test_tagging_and_the_model_stay_open(client):  # with a token set
    assert client.post("/v1/tag", json={"text": "推进高标准农田建设。"}).status_code == 200
    assert client.get("/v1/model").status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.nip.io"])
def test_a_host_name_the_server_does_not_answer_to_is_refused(client, host):
    response = client.get("/v1/model", headers={"Host": host})
    assert response.status_code == 400 and "POLICYTAG_ALLOWED_HOSTS" in response.get_json()["error"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("host", ["localhost", "localhost:8000", "127.0.0.1:8000", "[::1]:8000"])
def test_localhost_names_are_answered(client, host):
    assert client.get("/v1/model", headers={"Host": host}).status_code == 200


def test_a_page_on_another_site_is_refused_by_its_origin(client):
    response = client.post("/v1/tag", json={"text": "推进高标准农田建设。"},
                           headers={"Origin": "https://evil.example"})
    assert response.status_code == 403 and "evil.example" in response.get_json()["error"]
    same = client.post("/v1/tag", json={"text": "推进高标准农田建设。"}, headers={"Origin": "http://localhost"})
    assert same.status_code == 200


def test_the_allow_list_setting_and_the_bind_address():
    assert allowed("policy.example.org", "policy.example.org, other", None)
    assert not allowed("evil.example", "policy.example.org", None)
    assert allowed("anything", "*", None)
    assert allowed("10.0.0.5", None, "10.0.0.5") and not allowed("10.0.0.6", None, "10.0.0.5")
    # bound to every address: its IP addresses are answered, a name that resolves to it is not (DNS rebinding)
    assert allowed("192.168.1.20", None, "0.0.0.0") and not allowed("evil.example", None, "0.0.0.0")
