"""The serving worker answers gunicorn's own errors in the service's JSON error shape, never HTML."""
from __future__ import annotations

import json
import logging

import pytest

pytest.importorskip("gunicorn")

from gunicorn.config import Config  # noqa: E402
from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine  # noqa: E402

from service.http_worker import BufferingWorker  # noqa: E402


class _Socket:
    def __init__(self) -> None:
        self.sent = b""

    def gettimeout(self) -> float:
        return 0.0

    def setblocking(self, flag: bool) -> None:
        pass

    def send(self, data: bytes) -> int:
        self.sent += data
        return len(data)


def answer(exc: BaseException) -> tuple[int, dict]:
    worker = object.__new__(BufferingWorker)  # handle_error needs only the settings and a logger
    worker.cfg, worker.log = Config(), logging.getLogger("test-worker")
    sock = _Socket()
    worker.handle_error(None, sock, ("127.0.0.1", 1), exc)
    head, _, body = sock.sent.partition(b"\r\n\r\n")
    assert b"Content-Type: application/json" in head and b"<html" not in sock.sent
    return int(head.split(b" ", 2)[1]), json.loads(body)


def test_a_crash_inside_the_server_is_a_json_500_without_details():
    status, body = answer(RuntimeError("secret path /home/x"))
    assert status == 500 and body == {"ok": False, "error": "internal error; the server log has the details",
                                      "status": 500}


def test_long_request_lines_and_big_headers_keep_gunicorns_status():
    assert answer(LimitRequestLine(5000, 4094))[0] == 414
    status, body = answer(LimitRequestHeaders("limit request headers fields size"))
    assert status == 431 and body["status"] == 431 and "8190" in body["error"]
