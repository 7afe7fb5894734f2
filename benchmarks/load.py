"""Load benchmark: `policytag serve` under concurrent clients, during promotions and with slow clients holding sockets.

    python benchmarks/load.py [--clients 8] [--seconds 10] [--slow 20] [--workers 2] [--json]
    python benchmarks/load.py --servers today,branch,granian-rsgi --rounds 2 [--baseline-ref main]
    python benchmarks/load.py --servers today,ref:main,branch --baseline-ref 7f406a7 --rounds 3 --json

With --servers it measures each server (benchmarks/servers.py: `today` is `policytag serve` at
--baseline-ref, `branch` this checkout, granian-* the same app under granian) in the same run, alternating
them round by round, and reports each phase's median over the rounds and its ratio to the first server.

It trains two versions of the default model into a temporary data directory (v1 current, v2 a candidate),
measures the in-process single-text tagging rate (x workers: the ceiling for the server), starts
`policytag serve` on 127.0.0.1 and runs three phases of `--seconds` each, with `--clients` keep-alive
clients posting a mix of one-sentence texts and ~300-character paragraphs:
- baseline: nothing else going on;
- promotions: three promotions while loading (v2, v1, v2; what `policytag promote` does);
- slow_clients: `--slow` more sockets that each send a request one byte a second, never finishing it
  (reconnecting when the server cuts them), while the clients load.
Each phase reports rps, p50/p95/p99 latency in ms and errors (any answer but 200, or a failed connection),
and the server's CPU time per request (Linux), which other work on the machine moves less than rps.
For reference, `framework` is the same load on GET /v1/health: the server, Flask and client without the model.
Loopback only; every loop is bounded by time and by --max-requests; the server is stopped at the end.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

HOST = "127.0.0.1"  # loopback only, by design
# Sentences written for this benchmark in the style of work reports (not taken from any source).
SENTENCES = [
    "加快关键核心技术攻关，推动科技成果转化和产业化。",
    "推进高标准农田建设，促进农民持续增收。",
    "扩大国内需求，提振居民消费信心，培育新型消费。",
    "强化企业科技创新主体地位，支持领军企业组建创新联合体。",
    "学习运用千万工程经验，有力有效推进乡村全面振兴。",
    "完善县域商业体系，推动农村电商和快递物流配送发展。",
    "全面加强国防和军队建设，提高捍卫国家主权的战略能力。",
    "加大基础研究投入，完善科研项目和经费管理制度。",
    "稳定汽车、家电等大宗消费，推动以旧换新。",
    "巩固拓展脱贫攻坚成果，确保不发生规模性返贫。",
    "办好人民满意的教育，推进义务教育优质均衡发展。",
    "健全养老服务体系，发展银发经济，增加托育服务供给。",
]
TARGETS = "0 errors in every phase; slow_clients rps >= 0.8x baseline and p99 <= 100 ms; baseline rps >= 0.5x ceiling"


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def paragraph(start: int, length: int = 300) -> str:
    text, i = "", start
    while len(text) < length:
        text += SENTENCES[i % len(SENTENCES)]
        i += 1
    return text


def texts() -> list[str]:
    """The request mix: one sentence, then a ~300-character paragraph, alternately."""
    out = []
    for i, sentence in enumerate(SENTENCES):
        out += [sentence, paragraph(i)]
    return out


def request_bytes(text: str, port: int) -> bytes:
    body = json.dumps({"text": text}, ensure_ascii=False).encode("utf-8")
    return (f"POST /v1/tag HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1") + body


def pct(values: list[float], q: float) -> float:
    return round(sorted(values)[min(len(values) - 1, int(q * len(values)))], 2) if values else float("nan")


# -- the load --------------------------------------------------------------------------------------------------
async def keep_alive_client(port: int, bodies: list[bytes], offset: int, stop: float, budget: list[int],
                  latencies: list[float], errors: list[str], versions: set[str]) -> None:
    reader = writer = None
    i = offset
    while time.monotonic() < stop and budget[0] > 0:
        budget[0] -= 1
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(HOST, port)
            writer.write(bodies[i % len(bodies)])
            i += 1
            # One deadline for the whole answer (two wait_for calls cost the client a task each per request,
            # CPU the server then lacks on a machine both share).
            async with asyncio.timeout(30):
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                body = await reader.readexactly(length)
            if status != 200:
                errors.append(f"{status}: {body[:200]!r}")
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            versions.add(body[:60].split(b'"version":"', 1)[-1].split(b'"', 1)[0].decode())
            if b"connection: close" in head.lower():
                writer.close()
                writer = None
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, StopIteration) as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
            if writer is not None:
                writer.close()
            writer = None
    if writer is not None:
        writer.close()


async def _slow_client(port: int, stop: float, cut: list[int]) -> None:
    """Holds a socket open sending a request one byte a second; reconnects when the server cuts it."""
    request = (f"POST /v1/tag HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
               "Content-Length: 100000\r\n\r\n").encode() + b"x" * 100000
    while time.monotonic() < stop:
        try:
            reader, writer = await asyncio.open_connection(HOST, port)
            for byte in request:
                if time.monotonic() >= stop:
                    break
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(1.0)
                if reader.at_eof():
                    break
            writer.close()
        except OSError:
            pass
        cut[0] += 1
        await asyncio.sleep(0.1)


async def _load(port: int, clients: int, offset: int, seconds: float, max_requests: int, slow: int,
                path: str | None, lead_in: bool) -> dict:
    """One client process's part of a phase: `clients` keep-alive clients (and `slow` slow sockets)."""
    bodies = [request_bytes(t, port) for t in texts()]
    if path:  # a route without the model: what the server, framework and client cost on their own
        bodies = [f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode()]
    latencies: list[float] = []
    errors: list[str] = []
    versions: set[str] = set()
    cut = [0]
    slow_tasks = []
    if slow:
        slow_until = time.monotonic() + seconds + 3
        slow_tasks = [asyncio.create_task(_slow_client(port, slow_until, cut)) for _ in range(slow)]
    if lead_in:
        await asyncio.sleep(2)  # every slow socket is connected and mid-request before the clients start
    started, cpu = time.monotonic(), time.process_time()
    stop = started + seconds
    budget = [max_requests]
    await asyncio.gather(*[keep_alive_client(port, bodies, (offset + k) * 3, stop, budget, latencies, errors, versions)
                           for k in range(clients)])
    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu
    for task in slow_tasks:
        task.cancel()
    await asyncio.gather(*slow_tasks, return_exceptions=True)
    return {"latencies": latencies, "errors": errors, "versions": sorted(versions), "elapsed": elapsed, "cpu": cpu}


def _load_here(job: tuple) -> dict:
    return asyncio.run(_load(*job))


def _phase(port: int, clients: int, seconds: float, max_requests: int, slow: int, path: str | None,
           processes: int = 1) -> dict:
    """A phase with `clients` clients spread over `processes` client processes (the slow sockets in the first)."""
    processes = max(1, min(processes, clients))
    shares = [clients // processes + (1 if k < clients % processes else 0) for k in range(processes)]
    jobs = [(port, share, sum(shares[:k]), seconds, max_requests // processes, slow if k == 0 else 0, path,
             bool(slow)) for k, share in enumerate(shares)]
    if processes == 1:
        parts = [_load_here(jobs[0])]
    else:  # one asyncio process is one thread: on a busy machine it gets one thread's share of the cores
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(processes) as pool:
            parts = pool.map(_load_here, jobs)
    latencies = [x for part in parts for x in part["latencies"]]
    errors = [x for part in parts for x in part["errors"]]
    rps = sum(len(part["latencies"]) / part["elapsed"] for part in parts)
    result = {"rps": round(rps, 1), "p50_ms": pct(latencies, 0.50), "p95_ms": pct(latencies, 0.95),
              "p99_ms": pct(latencies, 0.99), "errors": len(errors), "requests": len(latencies) + len(errors),
              "versions_seen": sorted({v for part in parts for v in part["versions"]})}
    if result["requests"]:  # the client processes (and the slow sockets) on the same cores as the server
        result["client_cpu_us_per_request"] = round(sum(part["cpu"] for part in parts) / result["requests"] * 1e6)
    if errors:
        result["first_errors"] = errors[:5]
    if slow:
        result["slow_sockets"] = slow
    if processes > 1:
        result["client_processes"] = processes
    return result


def server_cpu_seconds(server: subprocess.Popen) -> float | None:
    """CPU time of the server and its workers so far (Linux /proc; None elsewhere)."""
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        pids = [server.pid] + [int(p) for p in children]
        ticks = 0
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime + stime
        return ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def run_phase(port: int, args: argparse.Namespace, server: subprocess.Popen, slow: int = 0,
              path: str | None = None) -> dict:
    """One phase; adds the server's CPU time per request, a figure other work on the machine moves less."""
    before = server_cpu_seconds(server)
    result = _phase(port, args.clients, args.seconds, args.max_requests, slow, path, args.client_processes)
    after = server_cpu_seconds(server)
    if before is not None and after is not None and result["requests"]:
        result["server_cpu_us_per_request"] = round((after - before) / result["requests"] * 1e6)
    return result


# -- setup -----------------------------------------------------------------------------------------------------
def ceiling(home: Path, workers: int, seconds: float = 3.0) -> tuple[float, int]:
    """In-process single-text tagging rate (the same texts, one at a time) x workers, and CPU us per text."""
    from model.tagging import tag_document
    from training.ops.registry import Registry

    tagger, _ = Registry(home).load()
    mix = texts()
    done, started, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - started < seconds:
        tag_document(tagger, mix[done % len(mix)])
        done += 1
    return (round(done / (time.perf_counter() - started) * workers, 1),
            round((time.process_time() - cpu) / done * 1e6))


def app_cpu_us(home: Path, seconds: float = 3.0) -> float:
    """CPU us per POST /v1/tag of the request mix with this checkout's Flask app called in-process (no HTTP
    server, no client, one thread): the part of a request no server in front of the app can save."""
    import io

    from service.app import create_app

    app = create_app({"HOME": str(home), "SEEDS": str(ROOT / "seeds")})
    bodies = [json.dumps({"text": t}, ensure_ascii=False).encode("utf-8") for t in texts()]

    def call(body: bytes) -> None:
        environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/v1/tag", "QUERY_STRING": "", "SERVER_NAME": HOST,
                   "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": f"{HOST}:8000",
                   "REMOTE_ADDR": HOST, "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
                   "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
                   "wsgi.version": (1, 0), "wsgi.multithread": True, "wsgi.multiprocess": True,
                   "wsgi.run_once": False}
        status: list[str] = []
        b"".join(app(environ, lambda s, h, e=None: status.append(s)))
        if not status[0].startswith("200"):
            raise SystemExit(f"the app answered {status[0]} in-process")

    for body in bodies * 5:  # warm-up
        call(body)
    done, started, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - started < seconds:
        call(bodies[done % len(bodies)])
        done += 1
    return round((time.process_time() - cpu) / done * 1e6, 1)


def promote_during(home: Path, seconds: float, done: list[str]) -> threading.Thread:
    """Promote v2, v1, v2 at a quarter, half and three quarters of the phase.

    It calls what `policytag promote` calls (Registry.promote: the same CURRENT switch the servers watch);
    starting the CLI three times took longer than a phase on a busy machine, so the switches fell outside it.
    """
    from training.ops.registry import Registry

    def run() -> None:
        started = time.monotonic()
        for k, version in enumerate(["v2", "v1", "v2"], start=1):
            time.sleep(max(0.0, started + seconds * k / 4 - time.monotonic()))
            try:
                Registry(home).promote(version)
                done.append(version)
            except Exception as exc:  # noqa: BLE001 - reported in the result, the run goes on
                done.append(f"{version} failed: {exc}")

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def compare(args: argparse.Namespace, kinds: list[str]) -> dict:
    """Every server in `kinds`, alternating round by round; medians per phase and ratios to the first."""
    import statistics

    import servers

    from training.learning.run import run_training

    phases = ("baseline", "promotions", "slow_clients", "framework")
    runs: dict[str, list[dict]] = {k: [] for k in kinds}
    load_before = round(os.getloadavg()[0], 2)
    tmp = servers.scratch()
    try:
        home = tmp / "home"
        say("training v1 and v2 (cv 0: v2 stays a candidate) ...")
        run_training(home, ROOT / "seeds", cv=0)
        run_training(home, ROOT / "seeds", cv=0)
        trees = {kind: servers.export_ref(args.baseline_ref if kind == "today" else kind[4:], tmp)
                 for kind in kinds if kind == "today" or kind.startswith("ref:")}
        app_cpus: list[float] = []
        for round_ in range(args.rounds):
            say(f"round {round_ + 1}: the app in-process (no server, no client) ...")
            app_cpus.append(app_cpu_us(home, seconds=2.0))
            for kind in kinds:
                say(f"round {round_ + 1}: {kind} ...")
                server, port = servers.start(kind, home, args.workers, tmp / f"{kind}.log", trees.get(kind))
                try:
                    run_phase(port, argparse.Namespace(**{**vars(args), "seconds": 2.0}), server)
                    found = {"baseline": run_phase(port, args, server)}
                    promoted: list[str] = []
                    thread = promote_during(home, args.seconds, promoted)
                    found["promotions"] = run_phase(port, args, server)
                    thread.join()
                    found["slow_clients"] = run_phase(port, args, server, slow=args.slow)
                    found["framework"] = run_phase(port, args, server, path="/v1/health")
                finally:
                    servers.stop(server)
                runs[kind].append(found)
    finally:
        servers.remove(tmp)
    table: dict[str, dict] = {}
    for kind in kinds:
        table[kind] = {}
        for phase in phases:
            rows = [r[phase] for r in runs[kind]]
            table[kind][phase] = {key: round(statistics.median(r[key] for r in rows), 2)
                                  for key in ("rps", "p50_ms", "p99_ms", "server_cpu_us_per_request",
                                              "client_cpu_us_per_request") if all(key in r for r in rows)}
            table[kind][phase]["errors"] = sum(r["errors"] for r in rows)
    app_cpu = round(statistics.median(app_cpus), 1)
    first = kinds[0]
    for kind in kinds:
        for phase in phases:
            base = table[first][phase].get("rps") or 1e-9
            table[kind][phase]["rps_ratio"] = round(table[kind][phase].get("rps", 0) / base, 2)
    setup = {"clients": args.clients, "seconds": args.seconds, "rounds": args.rounds, "workers": args.workers,
             "baseline_ref": args.baseline_ref, "cores": os.cpu_count(), "load_average_before": load_before,
             "load_average_after": round(os.getloadavg()[0], 2)}
    return {"servers": table, "targets": targets(table, kinds, args.clients, app_cpu),
            "app_cpu_us_per_request": app_cpu, "runs": runs, "setup": setup}


def _machine_cpu(phase: dict) -> float | None:
    """Server plus client CPU per request: what one request costs the cores both share."""
    if "server_cpu_us_per_request" in phase and "client_cpu_us_per_request" in phase:
        return phase["server_cpu_us_per_request"] + phase["client_cpu_us_per_request"]
    return None


def targets(table: dict[str, dict], kinds: list[str], clients: int, app_cpu: float) -> dict[str, dict]:
    """Each server against the first (today's) on issue 17's load targets, from the medians over the rounds.

    `throughput_ratio`: baseline tag rps / the first server's (target >= 1.3); `p99_ms`: baseline p99 (target
    <= 20 ms with 8 clients); `errors_promotions`, `errors_slow_clients` (target 0). `zero_cost_server_ratio`
    is the most any server could reach against the first on these cores: the first's server + client CPU per
    request over the app's in-process CPU (`app_cpu_us_per_request`) + the same client CPU.
    """
    first = table[kinds[0]]
    first_machine = _machine_cpu(first["baseline"])
    out: dict[str, dict] = {}
    for kind in kinds:
        base = table[kind]["baseline"]
        row = {"throughput_ratio": base["rps_ratio"], "p99_ms": base.get("p99_ms"), "clients": clients,
               "errors_baseline": base["errors"], "errors_promotions": table[kind]["promotions"]["errors"],
               "errors_slow_clients": table[kind]["slow_clients"]["errors"],
               "machine_cpu_us_per_request": _machine_cpu(base)}
        if first_machine and row["machine_cpu_us_per_request"]:
            row["machine_cpu_ratio"] = round(first_machine / row["machine_cpu_us_per_request"], 2)
        if first_machine and "client_cpu_us_per_request" in first["baseline"]:
            floor = app_cpu + first["baseline"]["client_cpu_us_per_request"]
            row["zero_cost_server_ratio"] = round(first_machine / floor, 2)
        row["met"] = {"throughput_1.3x": row["throughput_ratio"] >= 1.3,
                      "p99_20ms_8_clients": clients == 8 and (row["p99_ms"] or 1e9) <= 20,
                      "no_errors_promotions_slow_clients": (row["errors_promotions"] == 0
                                                            and row["errors_slow_clients"] == 0)}
        out[kind] = row
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent keep-alive clients")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--slow", type=int, default=20, help="slow sockets in the slow_clients phase")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--client-processes", type=int, default=1,
                        help="spread the clients over this many processes (a busy machine gives each one share)")
    parser.add_argument("--max-requests", type=int, default=200_000, help="cap on requests per phase")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--servers", default=None, help="compare these servers (benchmarks/servers.py), alternating")
    parser.add_argument("--baseline-ref", default="main", help="the commit the `today` server runs")
    parser.add_argument("--rounds", type=int, default=2, help="with --servers: rounds of alternation")
    args = parser.parse_args()
    if not (1 <= args.clients <= 256 and 0 < args.seconds <= 300 and 0 <= args.slow <= 500
            and 1 <= args.client_processes <= 8):
        parser.error("--clients 1-256, --seconds up to 300, --slow up to 500, --client-processes 1-8 keep the "
                     "run bounded")
    if args.servers:
        if not 1 <= args.rounds <= 10:
            parser.error("--rounds 1-10 keeps the run bounded")
        report = compare(args, [k.strip() for k in args.servers.split(",") if k.strip()])
        if args.json:
            print(json.dumps(report, ensure_ascii=False, indent=2))
            return
        print(f"{'server':<14}{'phase':<14}{'rps':>9}{'ratio':>7}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
              f"{'CPU us/req':>12}")
        for kind, phases in report["servers"].items():
            for phase, r in phases.items():
                print(f"{kind:<14}{phase:<14}{r.get('rps', '-'):>9}{r['rps_ratio']:>7}{r.get('p50_ms', '-'):>9}"
                      f"{r.get('p99_ms', '-'):>9}{r['errors']:>8}{r.get('server_cpu_us_per_request', '-'):>12}")
        setup = report["setup"]
        print(f"{setup['rounds']} rounds, {setup['clients']} clients, {setup['seconds']:g} s phases, load average "
              f"{setup['load_average_before']} before, {setup['load_average_after']} after; the app in-process: "
              f"{report['app_cpu_us_per_request']} us CPU per tag request")
        for kind, t in report["targets"].items():
            print(f"{kind}: throughput {t['throughput_ratio']}x the first (>= 1.3: {t['met']['throughput_1.3x']}), "
                  f"p99 {t['p99_ms']} ms (<= 20 with 8 clients: {t['met']['p99_20ms_8_clients']}), errors "
                  f"{t['errors_promotions']} in promotions and {t['errors_slow_clients']} with slow clients; "
                  f"machine CPU per request {t['machine_cpu_us_per_request']} us, at most "
                  f"{t.get('zero_cost_server_ratio', '-')}x the first with a server that cost nothing")
        return

    from training.learning.run import run_training

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="policytag-load-") as tmp:
        home = Path(tmp) / "home"
        say("training v1 and v2 (cv 0: v2 stays a candidate) ...")
        run_training(home, ROOT / "seeds", cv=0)
        run_training(home, ROOT / "seeds", cv=0)
        say("measuring the in-process ceiling ...")
        ceiling_rps, tag_cpu_us = ceiling(home, args.workers)
        import servers

        server, port = servers.start("branch", home, args.workers, Path(tmp) / "server.log")
        try:
            say("warming up (2 s, not counted) ...")  # first requests in each worker page in the model
            run_phase(port, argparse.Namespace(**{**vars(args), "seconds": 2.0}), server)
            say(f"baseline: {args.clients} clients for {args.seconds:g} s ...")
            baseline = run_phase(port, args, server)
            say("promotions: the same while v2, v1, v2 are promoted ...")
            promoted: list[str] = []
            thread = promote_during(home, args.seconds, promoted)
            promotions = run_phase(port, args, server)
            thread.join()
            promotions["promoted"] = promoted
            say(f"slow_clients: the same with {args.slow} slow sockets ...")
            slow = run_phase(port, args, server, slow=args.slow)
            say("framework: GET /v1/health the same way, for reference ...")
            framework = run_phase(port, args, server, path="/v1/health")
        finally:
            servers.stop(server)
    report = {"baseline": baseline, "promotions": promotions, "slow_clients": slow, "ceiling_rps": ceiling_rps,
              "framework": framework, "tag_cpu_us_per_text": tag_cpu_us,
              "setup": {"clients": args.clients, "seconds": args.seconds, "workers": args.workers,
                        "cores": os.cpu_count(), "load_average_before": round(load_before, 2),
                        "load_average_after": round(os.getloadavg()[0], 2)}}
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    print(f"{args.clients} clients, {args.seconds:g} s per phase, {args.workers} workers, {os.cpu_count()} cores, "
          f"load average {report['setup']['load_average_before']} before, "
          f"{report['setup']['load_average_after']} after")
    print(f"{'phase':<14}{'rps':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}{'server CPU us/req':>19}")
    for name in ("baseline", "promotions", "slow_clients"):
        r = report[name]
        print(f"{name:<14}{r['rps']:>9}{r['p50_ms']:>9}{r['p95_ms']:>9}{r['p99_ms']:>9}{r['errors']:>8}"
              f"{r.get('server_cpu_us_per_request', '-'):>19}")
    print(f"ceiling (in-process single-text rate x {args.workers}): {ceiling_rps} req/s "
          f"({tag_cpu_us} us CPU per text); "
          f"GET /v1/health the same way: {framework['rps']} req/s")
    ok = (all(report[n]["errors"] == 0 for n in ("baseline", "promotions", "slow_clients"))
          and slow["rps"] >= 0.8 * baseline["rps"] and slow["p99_ms"] <= 100 and baseline["rps"] >= 0.5 * ceiling_rps)
    cpu_ratio = tag_cpu_us / baseline["server_cpu_us_per_request"] if baseline.get("server_cpu_us_per_request") else 0
    print(f"tagging CPU / server CPU per request: {cpu_ratio:.2f} (baseline/ceiling on a machine of its own, "
          "without the client)")
    print(f"baseline/ceiling {baseline['rps'] / ceiling_rps:.2f}x, slow_clients/baseline "
          f"{slow['rps'] / max(baseline['rps'], 1e-9):.2f}x; promotions: {', '.join(promotions['promoted'])}")
    print(f"targets ({TARGETS}): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
