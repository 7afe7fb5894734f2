"""`policytag serve` against hostile clients: slow and idle sockets, huge and chunked bodies, bad HTTP."""
from __future__ import annotations

import json
import os
import select
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import SEEDS
from tests.live import PROCESSES, call, live_server, raw_exchange

pytestmark = pytest.mark.slow

TAG = {"text": "加快关键核心技术攻关，推动科技成果转化。"}


@pytest.fixture(scope="module")
def server(trained_home, tmp_path_factory):
    """One server for the module, with a short read timeout and a fake $HOME (to see any control socket)."""
    root = tmp_path_factory.mktemp("hostile")
    shutil.copytree(trained_home, root / "home")
    env = {"POLICYTAG_READ_TIMEOUT_SECONDS": "3", "HOME": str(root / "user"), "XDG_RUNTIME_DIR": ""}
    (root / "user").mkdir()
    with live_server(root / "home", SEEDS, env=env) as base:
        yield base, root


def _host_port(base: str) -> tuple[str, int]:
    host, port = base.rsplit("/", 1)[-1].split(":")
    return host, int(port)


def test_slow_and_idle_clients_do_not_starve_the_others(server):
    base, _ = server
    hostile = []
    try:
        for i in range(60):  # far more than the 2 workers x 8 threads
            sock = socket.create_connection(_host_port(base))
            if i % 3:  # two of three start a request and never finish it; the rest send nothing
                sock.sendall(b"POST /v1/tag HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"te")
            hostile.append(sock)
        started = time.monotonic()
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda _: call(f"{base}/v1/tag", TAG)[0], range(20)))
        assert answers == [200] * 20
        assert time.monotonic() - started < 5  # they were answered while every hostile socket stayed open
    finally:
        for sock in hostile:
            sock.close()


def test_a_request_that_never_completes_gets_408_json_after_the_read_timeout(server):
    base, _ = server
    status, body, seconds = raw_exchange(base, b"POST /v1/tag HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 50\r\n\r\n{")
    assert status == 408 and body["ok"] is False and "POLICYTAG_READ_TIMEOUT_SECONDS" in body["error"]
    assert seconds < 8  # the read timeout is 3 s; the client is cut, not waited on forever


def test_an_oversized_body_is_refused_413_before_it_is_sent(server):
    base, _ = server
    head = b"POST /v1/tag HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n"
    status, body, seconds = raw_exchange(base, head + b'{"text": "')
    assert status == 413 and body["status"] == 413 and "POLICYTAG_MAX_CONTENT_LENGTH" in body["error"]
    assert seconds < 2


def test_the_request_that_cost_a_worker_a_minute_is_refused_at_once(server):
    base, _ = server
    # 1,000 texts of 230 short paragraphs with explanations for every domain (1.8 MB)
    texts = ["\n".join(["科技"] * 230)] * 1000
    started = time.monotonic()
    status, body = call(f"{base}/v1/tag", {"texts": texts, "explain": True, "threshold": 0.0001})
    assert status == 413 and body["ok"] is False
    assert time.monotonic() - started < 5
    assert call(f"{base}/v1/health")[0] == 200


def test_a_request_over_its_deadline_is_answered_503_and_the_worker_lives_on(trained_home, tmp_path):
    shutil.copytree(trained_home, tmp_path / "home")
    # 250,000 characters take ~0.25 s on an idle 2-core machine: 25x the deadline
    texts = ["加快关键核心技术攻关，推动科技成果转化。" * 25] * 500
    with live_server(tmp_path / "home", SEEDS, env={"POLICYTAG_REQUEST_TIMEOUT_SECONDS": "0.01"}) as base:
        started = time.monotonic()
        status, body = call(f"{base}/v1/tag", {"texts": texts})
        assert status == 503 and body["ok"] is False and "POLICYTAG_REQUEST_TIMEOUT_SECONDS" in body["error"]
        assert time.monotonic() - started < 5
        assert call(f"{base}/v1/health")[0] == 200


def _chunked(payload: bytes, piece: int = 65536) -> bytes:
    out = b"POST /v1/tag HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n" \
          b"Connection: close\r\n\r\n"
    for start in range(0, len(payload), piece):
        chunk = payload[start:start + piece]
        out += f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    return out + b"0\r\n\r\n"


def test_chunked_bodies_are_read_whole_and_refused_413_over_the_limit(server):
    base, _ = server
    small = '{"text": "推进高标准农田建设，促进农民持续增收。"}'.encode()
    status, body, _ = raw_exchange(base, _chunked(small, piece=7))
    assert status == 200 and body["results"][0]["tags"][0]["domain"] == "rural"
    padded = small[:-1] + b" " * 3_000_000 + b"}"  # valid JSON, over 2 MB: was answered 200 when cut short
    status, body, _ = raw_exchange(base, _chunked(padded))
    assert status == 413 and body["ok"] is False
    long_string = b'{"text": "' + "农".encode() * 1_000_000 + b'"}'  # was misreported as invalid JSON
    status, body, _ = raw_exchange(base, _chunked(long_string))
    assert status == 413


def test_the_http_servers_own_errors_have_the_json_shape(server):
    base, _ = server
    status, body, _ = raw_exchange(base, b"GET /v1/" + b"a" * 5000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert (status, body["status"], body["ok"]) == (414, 414, False) and "URL" in body["error"]
    big = b"X-Big: " + b"a" * 9000 + b"\r\n"
    status, body, _ = raw_exchange(base, b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + big + b"\r\n")
    assert (status, body["status"]) == (431, 431) and "headers" in body["error"]
    status, body, _ = raw_exchange(base, b"NOT HTTP AT ALL\r\n\r\n")
    assert status == 400 and body["ok"] is False


def test_a_port_in_use_fails_before_a_token_or_serving_on_is_printed(server, tmp_path):
    base, _ = server
    _, port = _host_port(base)
    env = {**os.environ, "POLICYTAG_HOME": str(tmp_path / "other")}
    env.pop("POLICYTAG_API_TOKEN", None)
    done = subprocess.run([sys.executable, "-m", "service.cli", "serve", "--port", str(port)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "already in use" in done.stderr and str(port) in done.stderr
    assert "serving on" not in done.stderr and "token" not in done.stderr.lower()
    assert not (tmp_path / "other" / "models").exists()  # and it trained nothing


def test_two_servers_share_no_control_socket(server, trained_home, tmp_path):
    base, root = server
    other = tmp_path / "home"
    shutil.copytree(trained_home, other)
    env = {"HOME": str(root / "user"), "XDG_RUNTIME_DIR": ""}
    with live_server(other, SEEDS, env=env, workers=1) as second:
        assert call(f"{second}/v1/health")[0] == 200
        # gunicorn's default would be $HOME/.gunicorn/gunicorn.ctl, one path for both servers
        assert not [p for p in (root / "user").rglob("*") if p.is_socket() or p.suffix == ".ctl"]
    assert call(f"{base}/v1/health")[0] == 200  # stopping the second server left the first untouched


def test_slow_large_uploads_are_bounded_in_memory_and_small_requests_still_pass(trained_home, tmp_path):
    shutil.copytree(trained_home, tmp_path / "home")
    env = {"POLICYTAG_MAX_CONTENT_LENGTH": "1000000"}  # 16 MB of unfinished requests per worker
    head = b"POST /v1/tag HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n"
    with live_server(tmp_path / "home", SEEDS, env=env) as base:
        uploads = []
        try:
            for _ in range(40):  # 36 MB sent, none finished
                sock = socket.create_connection(_host_port(base))
                sock.sendall(head + b" " * 900_000)
                uploads.append(sock)
            answered, _, _ = select.select(uploads, [], [], 1.0)
            assert {sock.recv(64).split(b" ")[1] for sock in answered} == {b"503"}  # the excess is turned away
            assert 0 < len(answered) < len(uploads)  # the others are held (their 408 comes after 10 s)
            assert call(f"{base}/v1/tag", TAG)[0] == 200  # a small request still gets through
        finally:
            for sock in uploads:
                sock.close()


def _worker_of_each_connection(base: str, client_ports: list[int]) -> list[int]:
    """The worker process that holds the server end of each client connection (Linux /proc)."""
    _, port = _host_port(base)
    inodes = {}  # client port -> inode of the server's socket for it
    for line in open("/proc/net/tcp").read().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if int(local.split(":")[1], 16) == port:
            inodes[int(remote.split(":")[1], 16)] = f"socket:[{inode}]"
    arbiter = PROCESSES[base].pid
    workers = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and int(open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()[1]) == arbiter:
                workers.append(int(entry))
        except OSError:
            pass
    holder = {}
    for pid in workers:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                holder[os.readlink(f"/proc/{pid}/fd/{fd}")] = pid
            except OSError:
                pass
    return [holder.get(inodes.get(client, ""), 0) for client in client_ports]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds each connection's worker in /proc")
def test_keep_alive_connections_are_spread_over_the_workers(trained_home, tmp_path):
    # With one listening socket shared by the workers, the worker that woke first took every connection a
    # client pool opened at once (8 of 8 in 4 runs out of 5): half the cores idle for as long as the pool
    # lived. Each worker now listens on its own socket and the kernel spreads connections over them.
    shutil.copytree(trained_home, tmp_path / "home")
    with live_server(tmp_path / "home", SEEDS, workers=2) as base:
        host, port = _host_port(base)
        body = '{"text": "加快关键核心技术攻关，推动科技成果转化。"}'.encode()
        request = (f"POST /v1/tag HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                   f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        pool = []
        try:
            for _ in range(16):  # 2 in 65,536 that a fair spread puts all 16 on one worker
                sock = socket.create_connection((host, port), timeout=10)
                pool.append(sock)
                sock.sendall(request)
                assert sock.recv(65536).startswith(b"HTTP/1.1 200")  # kept alive, held by its worker
            workers = _worker_of_each_connection(base, [sock.getsockname()[1] for sock in pool])
            assert 0 not in workers, f"a connection held by no worker: {workers}"
            assert len(set(workers)) == 2, f"all 16 connections on one worker: {workers}"
        finally:
            for sock in pool:
                sock.close()


def test_the_access_log_is_written_only_when_asked_for(trained_home, tmp_path):
    for setting, expected in (("false", False), ("true", True)):
        home = tmp_path / setting / "home"
        shutil.copytree(trained_home, home)
        with live_server(home, SEEDS, workers=1, env={"POLICYTAG_ACCESS_LOG": setting}) as base:
            assert call(f"{base}/v1/tag", TAG)[0] == 200
            _, port = _host_port(base)
        log = (home.parent / f"server-{port}.log").read_text(encoding="utf-8")
        assert ('"POST /v1/tag HTTP/1.1" 200' in log) is expected, log[-2000:]


def _answers(sock: socket.socket, count: int) -> list[tuple[list[str], bytes]]:
    """Read `count` Content-Length answers from a kept-alive socket: (head lines, body) each."""
    buffered, out = b"", []
    while len(out) < count:
        end = buffered.find(b"\r\n\r\n")
        if end >= 0:
            lines = buffered[:end].decode("latin-1").split("\r\n")
            length = int(next(v for k, v in (ln.split(": ", 1) for ln in lines[1:]) if k.lower() == "content-length"))
            if len(buffered) >= end + 4 + length:
                out.append((lines, buffered[end + 4:end + 4 + length]))
                buffered = buffered[end + 4 + length:]
                continue
        piece = sock.recv(65536)
        assert piece, "the server closed a kept-alive connection"
        buffered += piece
    return out


def test_short_tag_requests_answer_as_gunicorn_does_and_pipelined_ones_in_order(server):
    base, _ = server
    body = '{"text": "加快关键核心技术攻关，推动科技成果转化。"}'.encode()
    plain = (b"POST /v1/tag HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
             b"Content-Length: %d\r\n\r\n" % len(body)) + body
    # A Connection header sends the same request through gunicorn's parser and response.
    through_gunicorn = plain.replace(b"Host:", b"Connection: keep-alive\r\nHost:")
    other = plain.replace("科技成果".encode(), "农民增收".encode())
    with socket.create_connection(_host_port(base), timeout=10) as sock:
        sock.sendall(plain)
        (short_head, short_body), = _answers(sock, 1)
        sock.sendall(through_gunicorn)
        (full_head, full_body), = _answers(sock, 1)
        assert short_head[0] == "HTTP/1.1 200 OK" and short_body == full_body
        assert [h for h in short_head if not h.startswith("Date: ")] == [h for h in full_head if not h.startswith("Date: ")]
        sock.sendall(plain + other + through_gunicorn + plain)  # four pipelined requests in one write
        answers = _answers(sock, 4)
    assert [json.loads(b)["results"][0]["paragraphs"][0]["text"] for _, b in answers] == [
        json.loads(x.partition(b"\r\n\r\n")[2])["text"] for x in (plain, other, through_gunicorn, plain)]
