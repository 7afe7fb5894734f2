"""Hostile suite: an attacker's run against `policytag serve` (or another server), each attack checked against limits.

    python benchmarks/hostile.py [--servers branch] [--baseline-ref main] [--seconds 5] [--quick] [--json]

Loopback only; every attack is bounded in time and count and the servers are stopped at the end. The attacks:
- chunk_17_hex / chunk_malformed / te_gzip: chunk sizes of 17 hex digits (20 sockets in a loop), -1, " 20",
  0x20, 1_0, and `Transfer-Encoding: gzip, chunked`;
- slow_readers: 20 sockets with a 4 KB receive buffer that pipeline 200 GET /v1/openapi.json and stop reading;
- idle_flood: one address (127.0.0.2) opening ~240 connections a second and sending nothing;
- slowloris: 40 sockets sending their request a byte every half second;
- server_errors: the server's own answers (bad request line, 414, 431, bad chunk, 413) carry the security headers;
- uploads: a .docx that inflates to 1.1 GB, one of 100 MB of short paragraphs, one of 15,000 zip members, a PDF
  of 1,000 pages sharing one content stream;
- bad_files: malformed and entity XML, a bad [Content_Types].xml, a zip-slip name, a cyclic PDF page tree, and
  JSONL with 100k-deep nesting or a 100k-digit number sent to POST /v1/pool;
- access: labelled reads without the token, a foreign Host, 414 in the OpenAPI description.
While each runs, a probe tags a sentence every 20 ms over a kept-alive connection (from 127.0.0.1) and the
workers' memory is sampled. Limits: no probe-visible stall over 1 s, no attack request answered after more than
2 s (a thread held), no worker over 500 MB, no 5xx (the probe's or the attack's), and after the uploads each
worker within 100 MB of its memory before them.
"""
from __future__ import annotations

import argparse
import json
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import hostile_files as files  # noqa: E402
import servers  # noqa: E402

HOST = servers.HOST
STALL_S, THREAD_S, WORKER_MB, RETURN_MB = 1.0, 2.0, 500.0, 100.0
SECURITY = ("x-content-type-options", "cache-control", "content-security-policy")
TAG = json.dumps({"text": "加快关键核心技术攻关，推动科技成果转化。"}, ensure_ascii=False).encode()


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- raw HTTP ----------------------------------------------------------------------------------------------
def read_answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP answer from `sock`: (status, headers lower-cased, body); status 0 if the server closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        piece = sock.recv(65536)
        if not piece:
            return 0, {}, data
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0") or 0)
    while len(body) < length:
        piece = sock.recv(65536)
        if not piece:
            break
        body += piece
    return int(lines[0].split(" ")[1]), headers, body


def exchange(port: int, data: bytes, timeout: float = 30.0, source: str | None = None) -> dict[str, Any]:
    """Send `data` on a new connection, read one answer: status, headers, body and seconds."""
    started = time.monotonic()
    try:
        sock = socket.create_connection((HOST, port), timeout=timeout,
                                        source_address=(source, 0) if source else None)
    except OSError as exc:
        return {"status": 0, "headers": {}, "body": b"", "seconds": time.monotonic() - started, "error": str(exc)}
    with sock:
        try:
            sock.sendall(data)
        except OSError:
            pass  # the server may answer (and stop reading) before all of it is sent
        try:
            status, headers, body = read_answer(sock)
        except OSError as exc:
            status, headers, body = 0, {}, str(exc).encode()
    return {"status": status, "headers": headers, "body": body, "seconds": time.monotonic() - started}


def request(method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None,
            port: int = 0) -> bytes:
    head = {"Host": f"{HOST}:{port}", "Content-Length": str(len(body)), **(headers or {})}
    return (f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head.items()) + "\r\n").encode(
        "latin-1") + body


def multipart(name: str, data: bytes, port: int, path: str = "/v1/upload", token: bool = False) -> bytes:
    boundary = "policytag-hostile-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    if token:
        headers["Authorization"] = f"Bearer {servers.TOKEN}"
    return request("POST", path, body, headers, port)


# -- what every attack is measured with ---------------------------------------------------------------------
class Probe(threading.Thread):
    """Tags a sentence every 20 ms over one kept-alive connection; records latencies and 5xx answers."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.port, self.stop = port, threading.Event()
        self.latencies: list[float] = []
        self.server_errors = 0
        self.failures = 0

    def run(self) -> None:
        sock = None
        data = request("POST", "/v1/tag", TAG, {"Content-Type": "application/json"}, self.port)
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                if sock is None:
                    sock = socket.create_connection((HOST, self.port), timeout=15)
                sock.sendall(data)
                status, headers, _ = read_answer(sock)
                if status == 0:
                    raise OSError("closed")
                if status >= 500:
                    self.server_errors += 1
                if headers.get("connection", "").lower() == "close":
                    sock.close()
                    sock = None
            except OSError:
                self.failures += 1
                if sock is not None:
                    sock.close()
                sock = None
            self.latencies.append(time.monotonic() - started)
            self.stop.wait(max(0.0, 0.02 - (time.monotonic() - started)))
        if sock is not None:
            sock.close()

    def figures(self) -> dict[str, Any]:
        values = sorted(self.latencies) or [0.0]
        return {"probe_requests": len(self.latencies), "probe_max_s": round(values[-1], 3),
                "probe_p99_s": round(values[min(len(values) - 1, int(0.99 * len(values)))], 3),
                "probe_5xx": self.server_errors, "probe_failures": self.failures}


class Memory(threading.Thread):
    """Samples the workers' resident memory every 0.1 s; `peak_mb` is the largest seen."""

    def __init__(self, pids: list[int]):
        super().__init__(daemon=True)
        self.pids, self.stop, self.peak_mb = pids, threading.Event(), 0.0

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak_mb = max([self.peak_mb] + [servers.rss_mb(p) for p in self.pids])
            self.stop.wait(0.1)


def measured(ctx: dict[str, Any], attack: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """Run `attack` under the probe and the memory sampler; its figures, the probe's, and the verdict."""
    probe, memory = Probe(ctx["port"]), Memory(servers.worker_pids(ctx["process"]))
    probe.start()
    memory.start()
    time.sleep(0.3)
    try:
        found = attack(ctx)
    finally:
        time.sleep(0.3)
        probe.stop.set()
        memory.stop.set()
        probe.join(20)
        memory.join(5)
    found.update(probe.figures())
    found["worker_peak_mb"] = round(memory.peak_mb, 1)
    problems = list(found.pop("problems", []))
    if found["probe_max_s"] > STALL_S:
        problems.append(f"probe stalled {found['probe_max_s']} s")
    if found["probe_5xx"] or found["probe_failures"]:
        problems.append(f"probe got {found['probe_5xx']} 5xx and {found['probe_failures']} failures")
    if found["worker_peak_mb"] > WORKER_MB:
        problems.append(f"a worker reached {found['worker_peak_mb']} MB")
    found["ok"], found["problems"] = not problems, problems
    return found


def _answers(results: list[dict[str, Any]], expect: Callable[[int], bool], what: str,
             limit_s: float = THREAD_S) -> dict[str, Any]:
    statuses = sorted({r["status"] for r in results})
    slowest = max((r["seconds"] for r in results), default=0.0)
    problems = []
    if not all(expect(r["status"]) for r in results):
        problems.append(f"{what}: answered {statuses}")
    if any(r["status"] >= 500 for r in results):
        problems.append(f"{what}: 5xx")
    if slowest > limit_s:
        problems.append(f"{what}: slowest answer {slowest:.2f} s")
    return {"answers": len(results), "statuses": statuses, "slowest_answer_s": round(slowest, 3),
            "problems": problems}


# -- the attacks --------------------------------------------------------------------------------------------
def chunk_17_hex(ctx: dict[str, Any]) -> dict[str, Any]:
    port, stop = ctx["port"], time.monotonic() + ctx["seconds"]
    data = (f"POST /v1/tag HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n11111111111111111\r\n{\"text\": \"x\"}").encode()
    results: list[dict[str, Any]] = []

    def loop() -> None:
        while time.monotonic() < stop and len(results) < 20_000:
            results.append(exchange(port, data, timeout=15))

    threads = [threading.Thread(target=loop) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"request_bytes": len(data), **_answers(results, lambda s: s == 400, "17-digit chunk size")}


def chunk_malformed(ctx: dict[str, Any]) -> dict[str, Any]:
    port, results, seen = ctx["port"], [], {}
    for size in (b"-1", b" 20", b"0x20", b"1_0", b"zz", b"+5"):
        data = (f"POST /v1/tag HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n\r\n").encode() + size + b"\r\n{\"text\": \"x\"}\r\n0\r\n\r\n"
        result = exchange(port, data, timeout=15)
        results.append(result)
        seen[size.decode()] = result["status"]
    return {"by_size": seen, **_answers(results, lambda s: s == 400, "malformed chunk sizes")}


def te_gzip(ctx: dict[str, Any]) -> dict[str, Any]:
    port = ctx["port"]
    data = (f"POST /v1/tag HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: gzip, chunked\r\n\r\n" "d\r\n{\"text\": \"x\"}\r\n0\r\n\r\n").encode()
    return _answers([exchange(port, data, timeout=15)], lambda s: s in (400, 501), "Transfer-Encoding gzip")


def slow_readers(ctx: dict[str, Any]) -> dict[str, Any]:
    port, stop = ctx["port"], time.monotonic() + ctx["seconds"]
    one = f"GET /v1/openapi.json HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode()
    opened = 0
    held: list[socket.socket] = []
    try:
        while time.monotonic() < stop:
            while len(held) < 20:
                sock = socket.socket()
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                sock.settimeout(5)
                try:
                    sock.connect((HOST, port))
                    sock.setblocking(False)
                    try:
                        sock.send(one * 200)
                    except BlockingIOError:
                        pass
                    held.append(sock)
                    opened += 1
                except OSError:
                    sock.close()
                    break
            time.sleep(0.5)
            for sock in list(held):  # those the server cut are replaced
                try:
                    if sock.recv(1, socket.MSG_PEEK) == b"":
                        held.remove(sock)
                        sock.close()
                except (BlockingIOError, OSError):
                    pass
    finally:
        for sock in held:
            sock.close()
    return {"sockets_opened": opened, "problems": []}


def idle_flood(ctx: dict[str, Any]) -> dict[str, Any]:
    port, stop = ctx["port"], time.monotonic() + ctx["seconds"]
    held: list[socket.socket] = []
    opened = refused = 0
    try:
        while time.monotonic() < stop and opened < 10_000:
            started = time.monotonic()
            for _ in range(24):  # ~240 a second
                try:
                    sock = socket.create_connection((HOST, port), timeout=2, source_address=("127.0.0.2", 0))
                    held.append(sock)
                    opened += 1
                except OSError:
                    refused += 1
            time.sleep(max(0.0, 0.1 - (time.monotonic() - started)))
        # a new client from another address: its first request on a new connection
        fresh = [exchange(port, request("GET", "/v1/health", port=port), timeout=15) for _ in range(10)]
    finally:
        for sock in held:
            sock.close()
    answers = _answers(fresh, lambda s: s == 200, "new connections from another address", STALL_S)
    return {"opened": opened, "connect_failures": refused, **answers}


def slowloris(ctx: dict[str, Any]) -> dict[str, Any]:
    port, stop = ctx["port"], time.monotonic() + ctx["seconds"]
    data = (f"POST /v1/tag HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
            "Content-Length: 1000\r\n\r\n").encode() + b" " * 1000
    socks: list[tuple[socket.socket, int]] = []
    try:
        for _ in range(40):
            socks.append((socket.create_connection((HOST, port), timeout=2), 0))
        while time.monotonic() < stop:
            for i, (sock, sent) in enumerate(socks):
                try:
                    sock.send(data[sent:sent + 1])
                    socks[i] = (sock, sent + 1)
                except OSError:
                    pass
            time.sleep(0.5)
    finally:
        for sock, _ in socks:
            sock.close()
    return {"sockets": len(socks), "problems": []}


def server_errors(ctx: dict[str, Any]) -> dict[str, Any]:
    port = ctx["port"]
    cases = {
        "bad request line": b"NOT HTTP AT ALL\r\n\r\n",
        "414": f"GET /v1/{'a' * 70_000} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode(),
        "431": f"GET /v1/health HTTP/1.1\r\nHost: {HOST}\r\nX-Big: {'a' * 9000}\r\n\r\n".encode(),
        "bad chunk": f"POST /v1/tag HTTP/1.1\r\nHost: {HOST}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".encode(),
        "413": f"POST /v1/tag HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: 50000000\r\n\r\n{{".encode(),
    }
    found, problems = {}, []
    for name, data in cases.items():
        result = exchange(port, data, timeout=15)
        missing = [h for h in SECURITY if h not in result["headers"]]
        found[name] = {"status": result["status"], "missing_headers": missing}
        if missing or not 400 <= result["status"] < 500:
            problems.append(f"{name}: status {result['status']}, missing {missing}")
    return {"answers": found, "problems": problems}


def uploads(ctx: dict[str, Any]) -> dict[str, Any]:
    port, pids = ctx["port"], servers.worker_pids(ctx["process"])
    before = {p: servers.rss_mb(p) for p in pids}
    made = {"bomb.docx": files.docx_inflating(ctx["bomb_bytes"]),
            "paragraphs.docx": files.docx_many_paragraphs(ctx["paragraph_bytes"]),
            "members.docx": files.docx_many_members(15_000),
            "pages.pdf": files.pdf_shared_stream(1_000)}
    results, found = [], {}
    for name, data in made.items():
        result = exchange(port, multipart(name, data, port), timeout=60)
        results.append(result)
        found[name] = {"bytes": len(data), "status": result["status"], "seconds": round(result["seconds"], 2),
                       "error": _error(result)}
    time.sleep(1.0)
    after = {p: servers.rss_mb(p) for p in pids}
    grown = max((after[p] - before[p] for p in pids), default=0.0)
    answers = _answers(results, lambda s: s == 413, "hostile uploads")
    if grown > RETURN_MB:
        answers["problems"].append(f"a worker kept {grown:.0f} MB after the uploads")
    return {"files": found, "worker_growth_after_mb": round(grown, 1), **answers}


def bad_files(ctx: dict[str, Any]) -> dict[str, Any]:
    port, results, found = ctx["port"], [], {}
    cases = [("malformed.docx", files.docx_malformed_xml(), "/v1/upload"),
             ("entities.docx", files.docx_entities(), "/v1/upload"),
             ("content-types.docx", files.docx_bad_content_types(), "/v1/upload"),
             ("zip-slip.docx", files.docx_zip_slip(), "/v1/upload"),
             ("cyclic.pdf", files.pdf_cyclic_pages(), "/v1/upload"),
             ("deep.jsonl", files.jsonl_deep(100_000), "/v1/pool"),
             ("number.jsonl", files.jsonl_big_number(100_000), "/v1/pool")]
    for name, data, path in cases:
        result = exchange(port, multipart(name, data, port, path, token=path == "/v1/pool"), timeout=60)
        results.append(result)
        found[name] = {"status": result["status"], "error": _error(result)}
    answers = _answers(results, lambda s: s in (200, 400, 413), "malformed files")
    for (name, _, _), result in zip(cases, results):
        entry = found[name]
        if entry["status"] == 200 and (name != "entities.docx" or b"root:" in result["body"]):
            answers["problems"].append(f"{name}: read as if it were fine")  # entities stay unexpanded: no leak
        if entry["status"] == 400 and name not in str(entry["error"]):
            answers["problems"].append(f"{name}: the error does not name the file")
    return {"files": found, **answers}


def access(ctx: dict[str, Any]) -> dict[str, Any]:
    port, found, problems = ctx["port"], {}, []
    for path in ("/v1/review?n=5", "/v1/audit?n=5", "/v1/pool", "/v1/jobs/0123456789ab"):
        status = exchange(port, request("GET", path, port=port), timeout=30)["status"]
        found[path] = status
        if status != 401:
            problems.append(f"{path} without the token: {status}")
    host = exchange(port, request("GET", "/v1/model", headers={"Host": "rebind.example"}, port=port))
    found["Host: rebind.example"] = host["status"]
    if host["status"] != 400:
        problems.append(f"a foreign Host header: {host['status']}")
    spec = exchange(port, request("GET", "/v1/openapi.json", port=port))
    documented = b'"414"' in spec["body"]
    found["414 in OpenAPI"] = documented
    if not documented:
        problems.append("414 is not in the OpenAPI description")
    return {"checks": found, "problems": problems}


def _error(result: dict[str, Any]) -> str:
    try:
        return str(json.loads(result["body"]).get("error", ""))[:160]
    except (ValueError, AttributeError):
        return result["body"][:80].decode("latin-1")


ATTACKS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "chunk_17_hex": chunk_17_hex, "chunk_malformed": chunk_malformed, "te_gzip": te_gzip,
    "slow_readers": slow_readers, "idle_flood": idle_flood, "slowloris": slowloris,
    "server_errors": server_errors, "uploads": uploads, "bad_files": bad_files, "access": access}


def run_suite(kind: str, home: Path, tmp: Path, args: argparse.Namespace) -> dict[str, Any]:
    tree = servers.export_ref(args.baseline_ref, tmp) if kind == "today" else None
    process, port = servers.start(kind, home, args.workers, tmp / f"{kind}.log", tree)
    ctx = {"port": port, "process": process, "seconds": args.seconds, "bomb_bytes": args.bomb_mb * 1_000_000,
           "paragraph_bytes": args.paragraph_mb * 1_000_000}
    report: dict[str, Any] = {}
    try:
        for name, attack in ATTACKS.items():
            say(f"{kind}: {name} ...")
            report[name] = measured(ctx, attack)
            if process.poll() is not None:
                report[name]["problems"].append("the server exited")
                report[name]["ok"] = False
                break
    finally:
        servers.stop(process)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", default="branch", help=f"comma-separated, from {', '.join(servers.KINDS)}")
    parser.add_argument("--baseline-ref", default="main", help="the commit `today` runs")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each timed attack")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="3 s attacks and smaller bombs (the CI run)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    args.bomb_mb, args.paragraph_mb = (300, 30) if args.quick else (1100, 100)
    if args.quick:
        args.seconds = min(args.seconds, 3.0)
    if not 0 < args.seconds <= 60:
        parser.error("--seconds 0-60 keeps the run bounded")
    kinds = [k.strip() for k in args.servers.split(",") if k.strip()]
    from training.learning.run import run_training

    tmp = servers.scratch()
    try:
        home = tmp / "home"
        say("training a model ...")
        run_training(home, ROOT / "seeds", cv=0)
        reports = {kind: run_suite(kind, home, tmp, args) for kind in kinds}
    finally:
        servers.remove(tmp)
    summary = {kind: {"passed": all(a["ok"] for a in r.values()),
                      "failed": [name for name, a in r.items() if not a["ok"]]} for kind, r in reports.items()}
    if args.json:
        print(json.dumps({"summary": summary, "servers": reports,
                          "limits": {"stall_s": STALL_S, "thread_s": THREAD_S, "worker_mb": WORKER_MB,
                                     "return_mb": RETURN_MB}}, ensure_ascii=False, indent=2, default=str))
    else:
        for kind, report in reports.items():
            print(f"== {kind}: {'passed' if summary[kind]['passed'] else 'FAILED'}")
            for name, attack in report.items():
                print(f"  {name:<16} {'ok' if attack['ok'] else 'FAIL'}  probe max {attack['probe_max_s']} s, "
                      f"worker peak {attack['worker_peak_mb']} MB  {'; '.join(attack['problems'])}")
    sys.exit(0 if all(s["passed"] for s in summary.values()) else 1)


if __name__ == "__main__":
    main()
