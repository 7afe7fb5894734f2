"""The serving loop's framing: a request goes to a thread only when all of it is here, or is refused early."""
from __future__ import annotations

import json

import pytest

from service.framing import Framer, json_error, strip_expect


def framer(max_body: int = 100) -> Framer:
    return Framer(max_body, max_head=16 * 1024, max_line=4094)


def test_a_request_is_ready_only_with_its_whole_body():
    head = b"POST /v1/tag HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\n"
    f = framer()
    assert f.check(head[:20]).action == "wait"
    assert f.check(head + b"12345").action == "wait"
    assert f.check(head + b"1234567890").action == "ready"


def test_a_get_is_ready_at_the_end_of_its_headers():
    assert framer().check(b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").action == "ready"


def test_a_content_length_over_the_limit_is_refused_before_the_body_arrives():
    verdict = framer().check(b"POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n")
    assert verdict.action == "reject" and verdict.status == 413 and "101" in verdict.message


def test_chunked_bodies_are_framed_and_measured_decoded():
    head = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    f = framer()
    assert f.check(head + b"5\r\nhel").action == "wait"
    assert f.check(head + b"5\r\nhello\r\n").action == "wait"
    assert f.check(head + b"5\r\nhello\r\n0\r\n\r\n").action == "ready"
    big = framer(max_body=8)
    verdict = big.check(head + b"5\r\nhello\r\n5\r\nworld\r\n")
    assert verdict.action == "reject" and verdict.status == 413


def test_chunk_data_that_looks_like_the_last_chunk_does_not_end_the_body():
    head = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert framer().check(head + b"a\r\n0\r\n\r\nabcde").action == "wait"


def test_expect_continue_is_answered_by_the_loop_then_removed():
    raw = bytearray(b"POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
    verdict = framer().check(raw)
    assert verdict.action == "wait" and verdict.expect_continue
    assert b"expect" not in strip_expect(raw + b"abc").lower() and strip_expect(raw + b"abc").endswith(b"\r\n\r\nabc")


def test_a_head_it_cannot_read_is_left_to_gunicorns_parser():
    assert framer().check(b"GET /" + b"a" * 9000).action == "ready"  # gunicorn answers 414


@pytest.mark.parametrize("size", [b"11111111111111111", b"-1", b" 20", b"0x20", b"1_0", b"zz", b"+5"])
def test_a_malformed_chunk_size_is_refused_400_at_once(size):
    chunked = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    verdict = framer().check(chunked + size + b"\r\nabc")
    assert (verdict.action, verdict.status) == ("reject", 400) and "chunk size" in verdict.message


def test_a_chunk_size_line_that_never_ends_is_refused():
    chunked = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert framer().check(chunked + b"1" * 100).action == "wait"
    assert framer().check(chunked + b"1" * 2000).status == 400


def test_codings_other_than_chunked_and_length_with_coding_are_refused():
    gzip = framer().check(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
    assert (gzip.action, gzip.status) == ("reject", 400) and "gzip" in gzip.message
    both = framer().check(b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")
    assert (both.action, both.status) == ("reject", 400)


def test_errors_written_by_the_server_have_the_one_json_shape():
    raw = json_error(408, "Request Timeout", "too slow")
    head, body = raw.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 408 ") and b"Connection: close" in head
    assert json.loads(body) == {"ok": False, "error": "too slow", "status": 408}
    for header in (b"X-Content-Type-Options: nosniff", b"Cache-Control: no-store", b"Referrer-Policy: no-referrer",
                   b"Content-Security-Policy: default-src 'none'; frame-ancestors 'none'"):
        assert header in head
