"""Knowing when a buffered HTTP/1.1 request is complete, without a thread: the front half of the server.

The serving worker reads requests in its event loop and hands one to a thread only when every byte of it
has arrived, so a client that sends slowly costs a buffer, never a thread. This module answers "is it all
here yet?" for a byte buffer. Framing it refuses (a bad chunk size, a coding other than chunked, a length
and a coding together) is answered at once, before a thread or gunicorn's parser sees it; a head it cannot
read is passed on, and gunicorn's parser answers that (400/414/431).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

HEAD_END = b"\r\n\r\n"
# A chunk size is 1-16 hex digits (16 already exceed any body limit); Python's int() would also take "0x10",
# "1_0", " 20" or "-1", and gunicorn reads sizes of any length, waiting for bytes that never come.
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")


@dataclass
class Verdict:
    """What to do with a buffer: wait for more, hand it to the app, or answer `status` right away."""

    action: str  # "wait" | "ready" | "reject"
    status: int = 0
    message: str = ""
    expect_continue: bool = False  # headers done, body to come, client waits for "100 Continue"


WAIT = Verdict("wait")
READY = Verdict("ready")


@dataclass
class Framer:
    """Incremental framing of one request in `buf`; keeps its place so a slow body is scanned once.

    `max_body` bounds the decoded body (Content-Length or chunked); `max_head` is the most header bytes a
    valid request can have under the parser's limits (beyond that the parser's own 414/431 applies).
    """

    max_body: int
    max_head: int
    max_line: int
    _body_start: int = -1
    _length: int | None = None
    _chunked: bool = False
    _pos: int = 0  # chunked: offset of the next chunk-size line
    _decoded: int = 0
    _expect: bool = False
    _scanned: int = 0  # head: bytes already searched for its end (a trickled head is scanned once)

    @property
    def body_length(self) -> int | None:
        """The Content-Length of a request whose head was read (0 without one); None when chunked or unread."""
        return None if self._chunked or self._body_start < 0 else (self._length or 0)

    @property
    def head_size(self) -> int | None:
        """Bytes of the head, its blank line included; None until the head has been read."""
        return None if self._body_start < 0 else self._body_start

    def check(self, buf: bytes | bytearray) -> Verdict:
        if self._body_start < 0:
            verdict = self._head(buf)
            if verdict is not None:
                return verdict
        if self._chunked:
            return self._chunks(buf)
        if len(buf) - self._body_start >= (self._length or 0):
            return READY
        return Verdict("wait", expect_continue=self._expect)

    def _head(self, buf: bytes | bytearray) -> Verdict | None:
        end = buf.find(HEAD_END, max(0, self._scanned - 3))
        if end < 0:
            first_line_open = buf.find(b"\r\n", 0, self.max_line + 3) < 0
            if (first_line_open and len(buf) > self.max_line + 2) or len(buf) > self.max_head:
                return READY  # the parser has enough bytes to answer 414/431 itself
            self._scanned = len(buf)
            return WAIT
        self._body_start = end + 4
        lengths, codings, self._expect = [], [], False
        for line in bytes(buf[:end]).split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                lengths.append(value.strip())
            elif name == b"transfer-encoding":
                codings += [c.strip().lower() for c in value.split(b",")]
            elif name == b"expect" and value.strip().lower() == b"100-continue":
                self._expect = True
        if codings:
            if lengths:
                return Verdict("reject", 400, "a request may not carry both Content-Length and Transfer-Encoding; "
                                              "send one of them")
            if codings != [b"chunked"]:
                shown = ", ".join(c.decode("latin-1") for c in codings)
                return Verdict("reject", 400, f"Transfer-Encoding {shown!r} is not supported; send the body as it "
                                              "is, with Content-Length or Transfer-Encoding: chunked")
            self._chunked, self._pos = True, self._body_start
            return None
        if len(lengths) > 1 or (lengths and not lengths[0].isdigit()):
            return READY  # gunicorn's parser refuses a bad or repeated Content-Length with 400
        self._length = int(lengths[0]) if lengths else 0
        if self._length > self.max_body:
            return _too_large(self.max_body, f"Content-Length {self._length}")
        return None

    def _chunks(self, buf: bytes | bytearray) -> Verdict:
        while True:
            eol = buf.find(b"\r\n", self._pos)
            if eol < 0:
                if len(buf) - self._pos <= 1024:
                    return WAIT
                return Verdict("reject", 400, "a chunk-size line is over 1,024 bytes; send valid chunks")
            size_text = bytes(buf[self._pos:eol]).split(b";", 1)[0].rstrip(b" \t")
            if not _HEX.fullmatch(size_text):
                shown = size_text[:20].decode("latin-1")
                return Verdict("reject", 400, f"bad chunk size {shown!r}: a chunk size is 1 to 16 hexadecimal "
                                              "digits; send the body with Content-Length, or as valid chunks")
            size = int(size_text, 16)
            if size == 0:  # last chunk, then optional trailers and an empty line
                if buf[eol + 2:eol + 4] == b"\r\n" or buf.find(HEAD_END, eol) >= 0:
                    return READY
                return WAIT
            self._decoded += size
            if self._decoded > self.max_body:
                return _too_large(self.max_body, "the chunked body")
            if len(buf) < eol + 2 + size + 2:
                return Verdict("wait", expect_continue=self._expect)
            self._pos = eol + 2 + size + 2


def _too_large(limit: int, what: str) -> Verdict:
    return Verdict("reject", 413, f"request body is over the {limit}-byte limit ({what}); send fewer or shorter "
                                  "texts per request (or raise POLICYTAG_MAX_CONTENT_LENGTH)")


def strip_expect(buf: bytearray) -> bytearray:
    """The buffer without its `Expect: 100-continue` header, once the server has answered it itself."""
    end = buf.find(HEAD_END)
    lines = bytes(buf[:end]).split(b"\r\n")
    kept = [lines[0]] + [ln for ln in lines[1:] if ln.partition(b":")[0].strip().lower() != b"expect"]
    return bytearray(b"\r\n".join(kept)) + buf[end:]


def json_error(status: int, reason: str, message: str) -> bytes:
    """A complete `Connection: close` HTTP response in the service's one JSON error shape, with the security
    headers every API answer carries (`service.headers`)."""
    from service.headers import API_HEADERS

    body = json.dumps({"ok": False, "error": message, "status": status}, ensure_ascii=False).encode("utf-8")
    extra = "".join(f"{name}: {value}\r\n" for name, value in API_HEADERS.items())
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n{extra}\r\n")
    return head.encode("latin-1") + body
