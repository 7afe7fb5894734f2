"""A gunicorn worker that buffers whole requests in its event loop before a thread sees them.

gunicorn's threaded worker hands a connection to a thread as soon as it is readable, and the thread then
blocks reading the rest: clients that trickle their headers or body hold every thread.
Here the main loop reads each request without blocking, as nginx does in front of an app, and only a
complete request goes to the thread pool. A slow or idle client costs a buffer and a file descriptor
until `read_timeout` closes it (408 JSON if it had started a request); bodies over `max_body` are answered
413 JSON from the loop (Content-Length or chunked) without reaching the app. gunicorn's own errors (414,
431, 400, 500) are answered in the service's JSON error shape.

The way out is buffered too: a thread writes its response into the connection's outbox and is free at once;
the loop sends the outbox as the client reads it, and reads the client's next (pipelined) request only when
the outbox is empty. A client that stops reading costs its buffered answer until `read_timeout` cuts it.
One client address may hold at most `per_client` of a worker's connections: beyond that a new connection is
answered 429 and closed, so one machine opening connections and sending nothing cannot take the server.
A short tag request with a plain head is answered from its buffered bytes (`service.short_requests`);
every other request goes through gunicorn's parser and response.
"""
from __future__ import annotations

import errno
import selectors
import socket
import struct
import threading
import time
from functools import partial
from typing import Any

from gunicorn.workers.gthread import _DEFER, TConn, ThreadWorker

from service import short_requests
from service.fastpath import TagFastPath
from service.framing import Framer, json_error, strip_expect
from service.pool import LifoThreadPool

_REASONS = {400: "Bad Request", 403: "Forbidden", 408: "Request Timeout", 413: "Content Too Large",
            414: "URI Too Long", 417: "Expectation Failed", 431: "Request Header Fields Too Large",
            500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable"}
_RECV = 256 * 1024
_LINGER_SECONDS = 2.0  # how long a closing connection may still send (its unread request) before it is cut
_LINGER_BYTES = 4 * 1024 * 1024
_SMALL_REQUEST = 64 * 1024  # a request this small is never refused for the memory of others
_SCAN_EVERY = 0.1  # seconds between two looks at the deadlines of the connections the loop watches


class _Captured:
    """Stands in for the client socket so gunicorn's handle_error picks the status; we write the body."""

    def __init__(self) -> None:
        self.data = b""

    def gettimeout(self) -> float:
        return 0.0

    def sendall(self, data: bytes) -> None:
        self.data += data


class _Outbox:
    """The client socket as gunicorn's thread sees it: reads go to the socket, writes to `pending`, which the
    loop sends when the client can take them. Everything else is the socket's. `on_close` runs once."""

    def __init__(self, sock: socket.socket, on_close: Any) -> None:
        self._sock = sock
        self._on_close = on_close
        self.pending = bytearray()
        self.capturing = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def sendall(self, data: bytes) -> None:
        if self.capturing:
            self.pending += data
        else:
            self._sock.sendall(data)

    def send(self, data: bytes) -> int:
        if self.capturing:
            self.pending += data
            return len(data)
        return self._sock.send(data)

    def close(self) -> None:
        if self._on_close is not None:
            self._on_close()
            self._on_close = None
        self._sock.close()


class BufferingWorker(ThreadWorker):
    """gthread worker whose threads only ever see complete requests. Limits are class attributes that
    `service.server` sets on a subclass before gunicorn forks the workers."""

    max_body: int = 2 * 1024 * 1024
    read_timeout: float = 10.0
    buffered_bodies: int = 16  # unfinished requests held per process, in bodies of max_body (503 beyond)
    per_client: int = 64  # connections one client address may hold in this process (503 beyond)
    tag_threads: int = 2  # threads that may serve short tag requests at once (service.pool)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._watched: set[TConn] = set()  # connections being read or closed by the loop (with a deadline)
        self._held = 0  # bytes of unfinished requests in the loop's buffers
        self._next_scan = 0.0  # when murder_pending next looks at the deadlines of watched connections
        self._next_notify = 0.0
        self._clients: dict[str, int] = {}  # open connections per client address
        self._clients_lock = threading.Lock()  # a thread may close a connection (gunicorn's error paths)
        self._short: TagFastPath | None = None  # set in load_wsgi when the app has the fast path

    def get_thread_pool(self) -> LifoThreadPool:
        return LifoThreadPool(self.cfg.threads, short_limit=min(self.tag_threads, self.cfg.threads))

    def enqueue_req(self, conn: TConn) -> None:
        """Hand a complete request to the pool: a short tag request as short work (see service.pool)."""
        submit = self.tpool.submit_short if _short_tag(conn) else self.tpool.submit
        fs = submit(self.handle, conn)
        fs.add_done_callback(lambda fut: self.method_queue.defer(self.finish_request, conn, fut))

    def init_process(self) -> None:
        cfg = self.cfg
        if cfg.is_ssl:  # the loop reads raw bytes; TLS belongs in a reverse proxy in front
            raise RuntimeError("BufferingWorker does not terminate TLS; put a reverse proxy in front for HTTPS")
        # The most header bytes a request within the parser's limits can have, and the longest request line.
        self._max_head = cfg.limit_request_line + 4 + cfg.limit_request_fields * (cfg.limit_request_field_size + 2) + 2
        self._max_line = max(cfg.limit_request_line, 8192)
        super().init_process()

    def load_wsgi(self) -> None:
        super().load_wsgi()
        fast = getattr(self.wsgi, "wsgi_app", None)
        # With an access log every request goes through gunicorn, which writes it.
        self._short = fast if isinstance(fast, TagFastPath) and not self.cfg.accesslog else None

    # -- the loop: accept, read until a request is complete, then hand it to a thread --------------------
    def accept(self, listener: socket.socket) -> None:
        try:
            client, addr = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        host = str(addr[0]) if isinstance(addr, tuple) else str(addr)
        if self._clients.get(host, 0) >= self.per_client:
            # Refused before anything is read: a fresh socket takes this short answer without blocking.
            self.log.warning("refused a connection from %s: it already holds %d", host, self.per_client)
            _send_quietly(client, json_error(429, "Too Many Requests", f"too many connections from {host} "
                                             f"(at most {self.per_client} per worker); reuse a kept-alive "
                                             "connection, or retry later (POLICYTAG_CONNECTIONS_PER_CLIENT)"))
            client.close()
            return
        with self._clients_lock:
            self._clients[host] = self._clients.get(host, 0) + 1
        self.nr_conns += 1
        conn = TConn(self.cfg, _Outbox(client, partial(self._forget_client, host)), addr, listener.getsockname())
        conn.leftover = None  # bytes past a request answered by _serve_short: the start of the next one
        _kernel_timeouts(client, self.read_timeout)
        self._buffer(conn, b"", fresh=True)

    def _forget_client(self, host: str) -> None:
        with self._clients_lock:
            left = self._clients.get(host, 1) - 1
            if left > 0:
                self._clients[host] = left
            else:
                self._clients.pop(host, None)

    def _buffer(self, conn: TConn, pending: bytes, fresh: bool = False) -> None:
        """Start reading the next request of `conn` in the loop (`pending`: bytes already read past the last)."""
        conn.inbox = bytearray(pending)
        conn.held = len(pending)
        self._held += conn.held
        conn.framer = Framer(self.max_body, self._max_head, self._max_line)
        conn.sent_continue = False
        conn.state = "reading"
        conn.started = bool(pending)
        # A new connection has the whole read timeout; a kept-alive one may idle `keepalive` seconds.
        conn.timeout = time.monotonic() + (self.read_timeout if fresh or pending else self.cfg.keepalive)
        conn.sock.setblocking(False)
        if pending and self._advance(conn):
            return
        self._watched.add(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._readable, conn))

    def _writable(self, conn: TConn, _sock: Any = None) -> None:
        """Send what the client can take of the outbox; when it is empty, go on with the connection."""
        outbox = conn.sock.pending
        try:
            sent = conn.sock._sock.send(outbox)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._close(conn)
            return
        del outbox[:sent]
        if outbox:
            return
        self._unwatch(conn)
        then, conn.after_write = conn.after_write, None
        then()

    def _write_then(self, conn: TConn, then: Any) -> None:
        """Send the outbox from the loop (the thread that filled it is free), then call `then()`.

        Most answers fit the socket's send buffer: they are sent here at once, and only what a slow reader
        leaves is watched for (a poller registration and its removal per answer cost as much as the send)."""
        outbox = conn.sock
        outbox.capturing = False
        pending = outbox.pending
        if pending:
            outbox.setblocking(False)
            try:
                del pending[:outbox._sock.send(pending)]
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                self._close(conn, registered=False)
                return
        if not pending:
            then()
            return
        conn.state, conn.after_write = "writing", then
        conn.timeout = time.monotonic() + self.read_timeout
        self._watched.add(conn)
        self.poller.register(conn.sock, selectors.EVENT_WRITE, partial(self._writable, conn))

    def _readable(self, conn: TConn, _sock: Any = None) -> None:
        try:
            data = conn.sock.recv(_RECV)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if conn.state == "lingering":
            conn.drained += len(data)
            if not data or conn.drained > _LINGER_BYTES:
                self._close(conn)
            return
        if not data:
            self._close(conn)
            return
        if not conn.started:
            conn.started = True
            conn.timeout = time.monotonic() + self.read_timeout
        conn.inbox += data
        conn.held += len(data)
        self._held += len(data)
        if self._held > self.buffered_bodies * self.max_body and conn.held > _SMALL_REQUEST:
            # Many large requests arriving slowly at once: memory is bounded, this large one is turned away
            # (small ones still pass, so slow large uploads cannot lock everyone else out).
            self.log.warning("refused a request from %s: %d bytes of unfinished requests held", conn.client,
                             self._held)
            self._unwatch(conn)
            self._answer_and_close(conn, 503, "the server is receiving too many large requests at once; "
                                              "try again in a moment")
            return
        self._advance(conn)

    def _advance(self, conn: TConn) -> bool:
        """Dispatch or answer `conn` when its request is complete or refused; False while it must wait."""
        verdict = conn.framer.check(conn.inbox)
        if verdict.action == "wait":
            if verdict.expect_continue and not conn.sent_continue:
                conn.sent_continue = True  # the client waits for this before it sends the body
                _send_quietly(conn.sock, b"HTTP/1.1 100 Continue\r\n\r\n")
            return False
        self._unwatch(conn)
        if verdict.action == "reject":
            self.log.warning("refused request from %s: %s", conn.client, verdict.message)
            self._answer_and_close(conn, verdict.status, verdict.message)
            return True
        if conn.sent_continue:  # answered already: gunicorn must not send a second "100 Continue"
            conn.inbox = strip_expect(conn.inbox)
        conn.state = "dispatched"
        self.enqueue_req(conn)
        return True

    def _answer_and_close(self, conn: TConn, status: int, message: str) -> None:
        _send_quietly(conn.sock, json_error(status, _REASONS.get(status, "Error"), message))
        self._linger_close(conn)

    def _linger_close(self, conn: TConn) -> None:
        """Close after the client stops sending, so our answer is not lost to a reset; never blocks the loop."""
        try:
            conn.sock.setblocking(False)
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self._close(conn, registered=False)
            return
        conn.state, conn.drained = "lingering", 0
        conn.timeout = time.monotonic() + _LINGER_SECONDS
        self._watched.add(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._readable, conn))

    def _unwatch(self, conn: TConn) -> None:
        """Stop watching `conn`; its buffered bytes no longer count against the loop's budget."""
        self._held -= getattr(conn, "held", 0)
        conn.held = 0
        self._watched.discard(conn)
        try:
            self.poller.unregister(conn.sock)
        except (KeyError, ValueError, OSError):
            pass

    def _close(self, conn: TConn, registered: bool = True) -> None:
        if registered:
            self._unwatch(conn)
        self._held -= getattr(conn, "held", 0)
        conn.held = 0
        self._watched.discard(conn)
        self.nr_conns -= 1
        conn.close()

    def notify(self) -> None:
        """Tell the arbiter we are alive at most every second (gunicorn does it on every turn of the loop, a
        system call per request; the arbiter only acts after `timeout` seconds, 60 or more)."""
        now = time.monotonic()
        if now >= self._next_notify:
            self._next_notify = now + 1.0
            super().notify()

    def murder_pending(self) -> None:
        """Also expire connections that are too slow to send their request (408) or to go away. Their deadlines
        are seconds long, so the scan over them runs at most every 0.1 s, not on every turn of the loop."""
        super().murder_pending()
        now = time.monotonic()
        if now < self._next_scan and self.alive:
            return
        self._next_scan = now + _SCAN_EVERY
        for conn in [c for c in self._watched if c.timeout <= now or (not self.alive and not c.started)]:
            if conn.state == "writing":
                self.log.warning("closed a connection from %s: the answer was not read in %.0f s",
                                 conn.client, self.read_timeout)
                self._close(conn)
            elif conn.state == "reading" and conn.started:
                self._unwatch(conn)
                self.log.warning("closed a connection from %s: request not received in %.0f s",
                                 conn.client, self.read_timeout)
                self._answer_and_close(conn, 408, f"the request did not arrive within {self.read_timeout:g} s; "
                                                  "send it at once (POLICYTAG_READ_TIMEOUT_SECONDS)")
            else:
                self._close(conn)

    # -- threads: serve the buffered request; the loop takes the connection back -------------------------
    def handle(self, conn: TConn) -> Any:
        if conn.inbox is not None and _short_tag(conn) and self.alive:
            answer = self._serve_short(conn)
            if answer is not None:
                return answer
        # No inbox only on a kept-alive connection gunicorn itself re-queued while the worker stops: the
        # thread then reads as gunicorn's own worker does (the kernel timeouts bound it).
        data, conn.inbox = bytes(conn.inbox or b""), None
        conn.data_ready = True  # gunicorn must not wait for more data in the thread: it is all here
        conn.sock.capturing = True  # the answer goes to the outbox; the loop sends it
        try:
            conn.sock.setblocking(True)
            conn.init()
        except Exception as exc:  # noqa: BLE001 - gunicorn's handle() does the same for init failures
            self.handle_error(None, conn.sock, conn.client, exc)
            return False
        conn.parser.unreader.unread(data)
        return super().handle(conn)

    def _serve_short(self, conn: TConn) -> bool | None:
        """Answer a short tag request from its bytes (`service.short_requests`); None: gunicorn serves it."""
        size, length, fast = conn.framer.head_size, conn.framer.body_length, self._short
        # After a "100 Continue" the loop removed the Expect header: the framer's head size no longer applies.
        if (size is None or length is None or fast is None or conn.sent_continue
                or self.nr + 1 >= self.max_requests):
            return None
        end = size + length
        answer = short_requests.serve(fast, bytes(conn.inbox[:end]), size, conn.client, conn.server)
        if answer is None:
            return None
        self.nr += 1
        conn.leftover, conn.inbox = bytes(conn.inbox[end:]), None  # a pipelined next request
        conn.sock.capturing = True  # the answer goes to the outbox; the loop sends it
        conn.sock.sendall(answer)
        return True

    def finish_request(self, conn: TConn, fs: Any) -> None:
        try:
            result = fs.result() if not fs.cancelled() else False
        except Exception:  # noqa: BLE001
            result = False
        if result and not self.alive and conn.parser is None:  # answered by _serve_short: nothing to linger on
            self._write_then(conn, partial(self._linger_close, conn))
        elif result is _DEFER or (result and not self.alive):
            self._write_then(conn, partial(ThreadWorker.finish_request, self, conn, fs))  # gunicorn's linger
        elif result:
            self._write_then(conn, partial(self._next_request, conn))
        else:
            self._write_then(conn, partial(self._linger_close, conn))

    def _next_request(self, conn: TConn) -> None:
        try:  # keep-alive: bytes read ahead belong to the next request
            leftover, conn.leftover = conn.leftover, None
            self._buffer(conn, leftover if leftover is not None else conn.parser.unreader.take_buffered())
        except OSError:
            self._close(conn, registered=False)

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        """gunicorn decides the status and logs; the client gets the service's JSON shape, not HTML."""
        captured = _Captured()
        super().handle_error(req, captured, addr, exc)
        try:
            status = int(captured.data.split(b" ", 2)[1])
        except (IndexError, ValueError):
            status = 500
        _send_quietly(client, json_error(status, _REASONS.get(status, "Error"), _message(status, exc, self.cfg)))


_SHORT_TAG_LINE = b"POST /v1/tag "
_SHORT_TAG_BODY = 16 * 1024  # ~5,000 characters of Chinese: a few milliseconds of tagging at most


def _short_tag(conn: TConn) -> bool:
    """Whether `conn` holds a complete POST /v1/tag request with a body of at most _SHORT_TAG_BODY bytes."""
    framer, inbox = getattr(conn, "framer", None), getattr(conn, "inbox", None)
    if framer is None or not inbox:
        return False
    length = framer.body_length
    return length is not None and length <= _SHORT_TAG_BODY and inbox.startswith(_SHORT_TAG_LINE)


def _message(status: int, exc: BaseException, cfg: Any) -> str:
    if status == 414:
        return (f"the request line is over {cfg.limit_request_line} bytes; send long input in a JSON body, "
                "not in the URL")
    if status == 431:
        return (f"request headers too large ({exc}); at most {cfg.limit_request_fields} headers of up to "
                f"{cfg.limit_request_field_size} bytes each")
    if status >= 500:
        return "internal error; the server log has the details"
    return f"malformed HTTP request: {exc}"


def _send_quietly(sock: Any, data: bytes) -> None:
    """Send a short answer; a client that has gone away or stopped reading is not our problem."""
    try:
        blocking = sock.gettimeout() != 0.0
        sock.setblocking(False)
        try:
            sock.send(data)
        finally:
            if blocking:
                sock.setblocking(True)
    except OSError:
        pass


def _kernel_timeouts(sock: socket.socket, seconds: float) -> None:
    """A thread blocked on this socket (a body the loop could not frame, a client that stops reading our
    response) gets EAGAIN after `seconds` instead of waiting forever."""
    value = struct.pack("ll", int(seconds), int((seconds % 1) * 1_000_000))
    for option in (socket.SO_RCVTIMEO, socket.SO_SNDTIMEO):
        try:
            sock.setsockopt(socket.SOL_SOCKET, option, value)
        except OSError:  # not every platform takes struct timeval here; the loop's deadlines still apply
            pass
