"""Short POST /v1/tag requests answered from their bytes (service.short_requests) answer exactly as the app
served through gunicorn would, and every request with anything unusual in its head is left to gunicorn."""
from __future__ import annotations

import json
import shutil

import pytest
from werkzeug.test import EnvironBuilder

from service.app import create_app
from service.short_requests import read_head, serve

SENTENCE = "加快关键核心技术攻关，推动科技成果转化和产业化。"
CLIENT, SERVER = ("127.0.0.1", 50000), ("127.0.0.1", 8000)


def request(body: dict | bytes, *headers: str, line: str = "POST /v1/tag HTTP/1.1") -> tuple[bytes, int]:
    """(the request's bytes, the size of its head with the blank line)."""
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    head = "\r\n".join([line, "Host: 127.0.0.1:8000", *headers]) + "\r\n\r\n"
    if not any(h.lower().startswith("content-length:") for h in headers):
        head = head[:-2] + f"Content-Length: {len(raw)}\r\n\r\n"
    return head.encode("latin-1") + raw, len(head)


JSON = "Content-Type: application/json"


def parts(answer: bytes) -> tuple[str, dict[str, str], bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return lines[0], headers, body


def through_app(app, body: dict) -> tuple[str, dict[str, str], bytes]:
    """The app's own answer (WSGI, as gunicorn calls it) to the same request."""
    raw = json.dumps(body, ensure_ascii=False).encode()
    environ = EnvironBuilder(path="/v1/tag", method="POST", data=raw, content_type="application/json",
                             headers={"Host": "127.0.0.1:8000"}).get_environ()
    started: list = []
    out = app(environ, lambda status, hs, exc_info=None: started.append((status, hs)))
    data = b"".join(out)
    return f"HTTP/1.1 {started[0][0]}", dict(started[0][1]), data


@pytest.fixture(scope="module")
def app(trained_home, tmp_path_factory):
    home = tmp_path_factory.mktemp("short") / "home"
    shutil.copytree(trained_home, home)
    return create_app({"TESTING": True, "HOME": str(home), "API_TOKEN": "secret-token"})


@pytest.mark.parametrize("body", [{"text": SENTENCE}, {"texts": [SENTENCE, "今天天气很好。"], "explain": True},
                                  {"text": SENTENCE, "threshold": 0.3}])
def test_the_answer_is_the_apps_with_the_headers_gunicorn_adds(app, body):
    data, head = request(body, JSON)
    answer = serve(app.wsgi_app, data, head, CLIENT, SERVER)
    assert answer is not None, "an everyday tag request was left to gunicorn"
    status, headers, payload = parts(answer)
    expected = through_app(app, body)
    assert (status, payload) == (expected[0], expected[2]) and status == "HTTP/1.1 200 OK"
    assert headers.pop("Server") == "gunicorn" and headers.pop("Connection") == "keep-alive"
    assert headers.pop("Date").endswith(" GMT")
    assert headers == expected[1]
    assert json.loads(payload)["results"][0]["paragraphs"]


@pytest.mark.parametrize("extra, line", [
    (["Origin: http://example.com"], None),
    (["Connection: close"], None),
    (["Expect: 100-continue"], None),
    (["Transfer-Encoding: chunked"], None),
    (["Host: 127.0.0.1:8000"], None),  # a second Host
    (["X_Forwarded_For: 1.2.3.4"], None),  # gunicorn drops names with underscores
    (["X-Note: a", " folded"], None),
    (["X-Note: caf\xe9"], None),
    (["Content-Type: text/plain"], None),
    (["Content-Length: 5"], None),  # the body is longer than announced: gunicorn's parser decides
    ([], "POST /v1/tag HTTP/1.0"),
    ([], "POST /v1/tag?explain=1 HTTP/1.1"),
])
def test_anything_unusual_in_the_head_is_left_to_gunicorn(app, extra, line):
    headers = [h for h in extra if h.lower().startswith("content-type")] or [JSON]
    others = [h for h in extra if not h.lower().startswith("content-type")]
    data, head = request({"text": SENTENCE}, *headers, *others, line=line or "POST /v1/tag HTTP/1.1")
    assert serve(app.wsgi_app, data, head, CLIENT, SERVER) is None


def test_a_refused_body_is_left_to_the_app_and_an_error_while_tagging_is_the_apps_answer(app, tmp_path):
    data, head = request({"text": ""}, JSON)
    assert serve(app.wsgi_app, data, head, CLIENT, SERVER) is None  # the Flask app says what is wrong
    empty = create_app({"TESTING": True, "HOME": str(tmp_path / "empty")})  # no model yet
    data, head = request({"text": SENTENCE}, JSON)
    answer = serve(empty.wsgi_app, data, head, CLIENT, SERVER)
    assert answer is not None
    status, headers, payload = parts(answer)
    expected = through_app(empty, {"text": SENTENCE})
    assert status == expected[0] and status.startswith("HTTP/1.1 503")
    assert json.loads(payload) == json.loads(expected[2]) and "policytag train" in json.loads(payload)["error"]
    assert headers["Content-Security-Policy"] == expected[1]["Content-Security-Policy"]
    assert headers["Connection"] == "keep-alive"


def test_token_protected_reads_take_the_apps_path(trained_home, tmp_path):
    shutil.copytree(trained_home, tmp_path / "home")
    closed = create_app({"TESTING": True, "HOME": str(tmp_path / "home"), "API_TOKEN": "t",
                         "READS_NEED_TOKEN": True})
    data, head = request({"text": SENTENCE}, JSON)
    assert serve(closed.wsgi_app, data, head, CLIENT, SERVER) is None


def test_header_values_are_read_without_their_surrounding_spaces():
    got = read_head(b"POST /v1/tag HTTP/1.1\r\nhost:   127.0.0.1:8000  \r\nContent-Type:application/json"
                    b"\r\nContent-Length: 12")
    assert got is not None and got.host == "127.0.0.1:8000" and got.content_type == "application/json"
    assert read_head(b"POST /v1/tag HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 3") is None
