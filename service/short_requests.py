"""Short POST /v1/tag requests answered from their buffered bytes, without gunicorn's parser and response.

The serving worker frames every request in its loop (`service.framing`), so a thread holds all of its bytes.
For the everyday tag request (HTTP/1.1, `Content-Length` body, a head of plain headers) gunicorn's parser,
WSGI environ and response object are a large share of the server's CPU per request (`benchmarks/README.md`).
Here such a request's head is read into the few fields `service.fastpath` decides on and its answer is written
as gunicorn writes it (status line, `Server`, `Date`, `Connection: keep-alive`, then the app's headers), so a
client cannot tell the two paths apart. Anything else in the head (an Origin, a query string, a repeated or
malformed header, `Connection`, `Expect`, another protocol version) is declined before anything is done, and the
request goes through gunicorn unchanged: every refusal keeps its one owner.
"""
from __future__ import annotations

import io
import re
import sys
import time
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any

from gunicorn import SERVER

from service.fastpath import Decline, TagFastPath

REQUEST_LINE = b"POST /v1/tag HTTP/1.1"
# A header line gunicorn reads as it is: a token name, a colon, a value of visible characters and spaces.
_HEADER = re.compile(rb"([!#$%&'*+.^`|~0-9A-Za-z-]+):[ \t]*([\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?[ \t]*")
_USED = (b"host", b"content-type", b"content-length")
# Headers that change how the request is read or answered: such requests take gunicorn's path.
_DECLINED = frozenset((b"origin", b"transfer-encoding", b"connection", b"expect", b"upgrade", b"te", b"trailer",
                       b"http2-settings"))


@dataclass(frozen=True)
class ShortRequest:
    """What the fast path decides on, read from a head that has nothing else that matters."""

    host: str
    content_type: str
    content_length: str


def read_head(head: bytes) -> ShortRequest | None:
    """The request in `head` (its bytes up to the blank line, excluded), or None to decline it."""
    lines = head.split(b"\r\n")
    if lines[0] != REQUEST_LINE:
        return None
    found: dict[bytes, bytes] = {}
    for line in lines[1:]:
        match = _HEADER.fullmatch(line)
        if match is None:
            return None
        name = match[1].lower()
        if name in _DECLINED:
            return None
        if name in _USED:
            if name in found:
                return None
            found[name] = match[2] or b""
    if b"host" not in found or b"content-length" not in found:
        return None
    return ShortRequest(found[b"host"].decode("latin-1"), found.get(b"content-type", b"").decode("latin-1"),
                        found[b"content-length"].decode("latin-1"))


class _Date:
    """The Date header's value, formatted once a second (gunicorn formats it for every answer)."""

    def __init__(self) -> None:
        self._second = -1
        self._value = ""

    def __call__(self) -> str:
        now = int(time.time())
        if now != self._second:
            self._value, self._second = formatdate(now, localtime=False, usegmt=True), now
        return self._value


_date = _Date()


# Headers of the app gunicorn leaves out of an answer.
_HOP_BY_HOP = frozenset(("connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
                         "transfer-encoding", "upgrade"))


def response_bytes(status: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
    """An HTTP/1.1 keep-alive answer as gunicorn writes it (hop-by-hop headers of the app left out)."""
    head = [f"HTTP/1.1 {status}\r\nServer: {SERVER}\r\nDate: {_date()}\r\nConnection: keep-alive\r\n"]
    head += [f"{name}: {value}\r\n" for name, value in headers if name.lower() not in _HOP_BY_HOP]
    head.append("\r\n")
    return "".join(head).encode("latin-1") + body


def serve(fast: TagFastPath, data: bytes, head_size: int, client: Any, server: Any) -> bytes | None:
    """The whole answer to the request in `data` (head and body exactly), or None when gunicorn must serve it.

    `client` and `server` are the socket addresses the WSGI environ names, needed only when the app answers
    an error."""
    request = read_head(data[:head_size - 4])
    if request is None:
        return None
    raw = data[head_size:]
    try:
        fast.check(request.host, request.content_type, request.content_length)
        if len(raw) != int(request.content_length):
            return None
        body = fast.answer(raw)
    except Decline:
        return None
    except Exception as exc:  # noqa: BLE001 - answered by the app's error handlers, as on gunicorn's path
        response = fast.error_response(_environ(request, raw, client, server), exc)
        try:
            payload = response.get_data()
            headers = list(response.headers.items())
            if not any(k.lower() == "content-length" for k, _ in headers):  # the answer must end for keep-alive
                headers.append(("Content-Length", str(len(payload))))
            return response_bytes(response.status, headers, payload)
        finally:
            response.close()
    return response_bytes("200 OK", fast.headers(body), body)


def _environ(request: ShortRequest, raw: bytes, client: Any, server: Any) -> dict[str, Any]:
    """The WSGI environ gunicorn would build for this request, for the app's error handlers."""
    host, port = (server[0], str(server[1])) if isinstance(server, tuple) else (str(server), "")
    remote = client if isinstance(client, tuple) else (str(client), 0)
    return {
        "REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": "/v1/tag", "RAW_URI": "/v1/tag",
        "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": host, "SERVER_PORT": port,
        "SERVER_SOFTWARE": SERVER, "REMOTE_ADDR": str(remote[0]), "REMOTE_PORT": str(remote[1]),
        "HTTP_HOST": request.host, "CONTENT_TYPE": request.content_type,
        "CONTENT_LENGTH": request.content_length, "wsgi.input": io.BytesIO(raw), "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.multithread": True,
        "wsgi.multiprocess": True, "wsgi.run_once": False,
    }
