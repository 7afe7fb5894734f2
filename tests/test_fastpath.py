"""POST /v1/tag served by service.fastpath answers exactly as the Flask app alone does: the same status, headers
and bytes for every request it serves, and every refusal still comes from the Flask app."""
from __future__ import annotations

import json
import shutil

import pytest
from werkzeug.test import EnvironBuilder

from service.app import create_app

SENTENCE = "加快关键核心技术攻关，推动科技成果转化和产业化。"
DOCUMENT = ("# 政府工作报告\n\n推进高标准农田建设，促进农民持续增收。\n\n"
            "扩大国内需求，提振居民消费信心，培育新型消费。\n\n□王叶军\n\n2024年3月5日")


def answer(wsgi, body: bytes | str, headers: dict[str, str] | None = None,
           content_type: str | None = "application/json") -> tuple[str, list[tuple[str, str]], bytes]:
    data = body.encode("utf-8") if isinstance(body, str) else body
    environ = EnvironBuilder(path="/v1/tag", method="POST", data=data, headers=headers or {},
                             content_type=content_type).get_environ()
    started: list = []
    out = wsgi(environ, lambda status, hs, exc_info=None: started.append((status, hs)))
    payload = b"".join(out)
    if hasattr(out, "close"):
        out.close()
    return started[0][0], list(started[0][1]), payload


@pytest.fixture(scope="module")
def served(trained_home, tmp_path_factory):
    """(the app as served, the same app's Flask WSGI callable alone, a count of requests Flask answered); one
    app for the module: its requests only tag."""
    home = tmp_path_factory.mktemp("fastpath") / "home"
    shutil.copytree(trained_home, home)
    app = create_app({"TESTING": True, "HOME": str(home), "API_TOKEN": "secret-token"})
    flask_alone = app.wsgi_app.flask_wsgi
    calls = [0]

    def counted(environ, start_response):
        calls[0] += 1
        return flask_alone(environ, start_response)

    app.wsgi_app.flask_wsgi = counted
    return app, flask_alone, calls


@pytest.fixture()
def both(served):
    """`served`, with the count of requests Flask answered back at 0."""
    served[2][0] = 0
    return served


@pytest.mark.parametrize("body", [
    {"text": SENTENCE},
    {"text": DOCUMENT},
    {"texts": [SENTENCE, DOCUMENT, "全面加强国防和军队建设。"]},
    {"text": SENTENCE, "threshold": 0.3},
    {"texts": [DOCUMENT], "explain": True},
    {"text": "今天天气很好，我们去公园散步。"},
])
def test_everyday_requests_are_answered_without_flask_and_byte_for_byte_the_same(both, body):
    app, flask_alone, calls = both
    raw = json.dumps(body, ensure_ascii=False)
    fast = answer(app, raw)
    assert calls[0] == 0, "the fast path handed an everyday request to Flask"
    assert fast[0] == "200 OK"
    assert fast == answer(flask_alone, raw)
    headers = dict(fast[1])
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert headers["Cache-Control"] == "no-store" and headers["X-Content-Type-Options"] == "nosniff"


def test_a_bom_and_a_charset_are_read_as_the_view_reads_them(both):
    app, flask_alone, calls = both
    raw = b"\xef\xbb\xbf" + json.dumps({"text": SENTENCE}, ensure_ascii=False).encode()
    assert answer(app, raw, content_type="application/json; charset=utf-8") == answer(
        flask_alone, raw, content_type="application/json; charset=utf-8")
    assert calls[0] == 0


@pytest.mark.parametrize("case", [
    dict(body='{"text": '),  # malformed JSON
    dict(body=""),  # empty
    dict(body=b"\xef\xbb\xbf\xef\xbb\xbf{}"),  # two BOMs
    dict(body="[1, 2]"),  # not an object
    dict(body='{"text": "x", "texts": ["y"]}'),  # both fields
    dict(body='{"text": "加快。", "threshold": 2}'),  # threshold out of range
    dict(body='{"text": "加快。", "colour": 1}'),  # unknown field
    dict(body='{"text": NaN}'),
    dict(body='{"text": "加快。"}', content_type="text/plain"),  # a cross-site form's content type
    dict(body='{"text": "加快。"}', content_type=None),
    dict(body='{"text": "加快。"}', headers={"Host": "evil.example"}),  # DNS rebinding
    dict(body='{"text": "加快。"}', headers={"Origin": "https://evil.example"}),
    dict(body='{"text": "加快。"}', headers={"Origin": "http://localhost"}),  # allowed, but left to Flask
    dict(body="x" * (2 * 1024 * 1024 + 1)),  # over MAX_CONTENT_LENGTH
])
def test_every_refusal_comes_from_the_flask_app(both, case):
    app, flask_alone, calls = both
    kwargs = {k: v for k, v in case.items() if k != "body"}
    fast = answer(app, case["body"], **kwargs)
    assert calls[0] == 1, "a request the fast path should have left to Flask"
    assert fast == answer(flask_alone, case["body"], **kwargs)


@pytest.mark.parametrize("setting, status", [
    ({"MAX_TOTAL_CHARS": 10}, 413),  # the request budget
    ({"REQUEST_TIMEOUT_SECONDS": 1e-9}, 503),  # the deadline
    ({"READS_NEED_TOKEN": True}, 401),  # tagging behind the token
])
def test_budget_deadline_and_token_answers_are_the_apps(home, setting, status):
    app = create_app({"TESTING": True, "HOME": str(home), "API_TOKEN": "secret-token", **setting})
    raw = json.dumps({"text": SENTENCE}, ensure_ascii=False)
    fast = answer(app, raw)
    assert fast[0].startswith(str(status))
    assert fast == answer(app.wsgi_app.flask_wsgi, raw)
    assert json.loads(fast[2])["status"] == status


def test_without_a_model_the_answer_is_the_apps_503(tmp_path):
    app = create_app({"TESTING": True, "HOME": str(tmp_path / "empty")})
    raw = json.dumps({"text": SENTENCE}, ensure_ascii=False)
    fast = answer(app, raw)
    assert fast[0].startswith("503") and fast == answer(app.wsgi_app.flask_wsgi, raw)


def test_the_token_is_still_accepted_when_reads_need_it(home):
    app = create_app({"TESTING": True, "HOME": str(home), "API_TOKEN": "secret-token", "READS_NEED_TOKEN": True})
    raw = json.dumps({"text": SENTENCE}, ensure_ascii=False)
    status, _, body = answer(app, raw, headers={"Authorization": "Bearer secret-token"})
    assert status == "200 OK" and json.loads(body)["results"][0]["tags"][0]["domain"] == "innovation"


def test_a_debug_app_indents_as_jsonify_does(home):
    app = create_app({"TESTING": True, "HOME": str(home), "DEBUG": True})
    app.debug = True
    raw = json.dumps({"text": SENTENCE}, ensure_ascii=False)
    fast = answer(app, raw)
    assert fast == answer(app.wsgi_app.flask_wsgi, raw) and b'\n  "model"' in fast[2]
