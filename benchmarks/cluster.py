"""Cluster benchmark: `policytag serve` hosts on one PostgreSQL, against one host on local files.

    python benchmarks/cluster.py [--clients 8] [--seconds 10] [--workers 1] [--database URL] [--json]

It trains the default model into a temporary data directory (v1 current, v2 a copy as a candidate), copies it
into a PostgreSQL database (`policytag db copy`; a throwaway server is started with Debian's postgresql
unless --database names one) and runs one phase of `--seconds` per setup, with `--clients` keep-alive clients
posting a mix of one-sentence texts and ~300-character paragraphs, spread over the hosts as a round-robin
load balancer would:
- local_1_host: one server on the local files (SQLite store, models in the data directory): the baseline;
- postgres_1_host: the same server on the database;
- postgres_2_hosts: two servers (each its own data directory and port) on the database.
In every database phase the current version is switched (v2 at a third of the phase, v1 at two thirds),
through the database as `policytag promote` on any host does. Each phase reports rps, p50/p99 latency in ms,
errors (any answer but 200, or a failed connection) and the versions the answers came from.
Targets: 0 errors everywhere; postgres_1_host rps >= 0.9x local_1_host (tagging never touches the database).
Loopback only; every loop is bounded by time and by --max-requests; servers and the database stop at the end.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
import servers  # noqa: E402
from load import keep_alive_client, pct, request_bytes, texts  # noqa: E402  (the request mix of load.py)

TARGETS = "0 errors in every phase; postgres_1_host rps >= 0.9x local_1_host"


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def _phase(ports: list[int], clients: int, seconds: float, max_requests: int) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    versions: set[str] = set()
    started = time.monotonic()
    budget = [max_requests]
    # Client k talks to host k mod N: what a round-robin load balancer in front of N hosts does.
    bodies = {port: [request_bytes(t, port) for t in texts()] for port in ports}
    await asyncio.gather(*[keep_alive_client(ports[k % len(ports)], bodies[ports[k % len(ports)]], k * 3,
                                             started + seconds, budget, latencies, errors, versions)
                           for k in range(clients)])
    elapsed = time.monotonic() - started
    result = {"hosts": len(ports), "rps": round(len(latencies) / elapsed, 1), "p50_ms": pct(latencies, 0.50),
              "p99_ms": pct(latencies, 0.99), "errors": len(errors), "requests": len(latencies) + len(errors),
              "versions_seen": sorted(versions)}
    if errors:
        result["first_errors"] = errors[:5]
    return result


def promote_during(database: str, seconds: float, done: list[str]) -> threading.Thread:
    """Make v2 current at a third of the phase and v1 at two thirds, through the database."""
    from training.workspace import Workspace

    def run() -> None:
        registry = Workspace(tempfile.mkdtemp(prefix="policytag-promoter-"), database=database).registry
        started = time.monotonic()
        for k, version in enumerate(["v2", "v1"], start=1):
            time.sleep(max(0.0, started + seconds * k / 3 - time.monotonic()))
            try:
                registry.promote(version)
                done.append(version)
            except Exception as exc:  # noqa: BLE001 - reported in the result, the run goes on
                done.append(f"{version} failed: {exc}")

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def prepare(work: Path, database: str) -> Path:
    """A data directory with v1 (current) and v2 (a copy, candidate), copied into `database`."""
    from training.learning.run import run_training
    from training.workspace import Workspace

    home = work / "local"
    say("training the default model from seeds/")
    run_training(home, ROOT / "seeds", cv=0)
    local = Workspace(home, ROOT / "seeds", database="")
    tagger, manifest = local.registry.load()
    local.registry.add(tagger, manifest)
    target = Workspace(work / "copy-cache", ROOT / "seeds", database=database)
    target.upgrade_database()
    report = local.copy_into(target)
    if not report.ok:
        raise SystemExit(f"the copy into the database does not match:\n{report.text()}")
    target.close()
    return home


def phase(name: str, homes: list[Path], args: argparse.Namespace, work: Path, database: str | None) -> dict:
    with ExitStack() as stack:
        ports = []
        for k, home in enumerate(homes):
            server, port = servers.start("branch", home, args.workers, work / f"{name}-{k}.log",
                                         env={"POLICYTAG_DATABASE_URL": database or ""})
            stack.callback(servers.stop, server)
            ports.append(port)
        asyncio.run(_phase(ports, args.clients, 1.0, args.max_requests))  # warm-up: every worker has its model
        promoted: list[str] = []
        promoter = promote_during(database, args.seconds, promoted) if database else None
        result = asyncio.run(_phase(ports, args.clients, args.seconds, args.max_requests))
        if promoter is not None:
            promoter.join()
            result["promotions"] = promoted
            from training.workspace import Workspace

            Workspace(work / "copy-cache", database=database).registry.promote("v1")  # the next phase starts alike
    say(f"[{name}] " + ", ".join(f"{k} {v}" for k, v in result.items() if k != "first_errors"))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent keep-alive clients")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--workers", type=int, default=1, help="worker processes per host")
    parser.add_argument("--max-requests", type=int, default=200_000, help="upper bound on requests per phase")
    parser.add_argument("--database", default=None, help="an empty PostgreSQL database [default: start one]")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="policytag-cluster-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        database = args.database
        if database is None:
            from tests.pg_cluster import Cluster

            cluster = Cluster()
            reason = cluster.unavailable()
            if reason:
                raise SystemExit(f"cannot start PostgreSQL: {reason}; pass --database postgresql://...")
            cluster.start()
            stack.callback(cluster.remove)
            database = cluster.database()
        home = prepare(work, database)
        hosts = [work / "host-a", work / "host-b"]
        for each in hosts:
            each.mkdir()
        report: dict[str, object] = {"cores": os.cpu_count(), "clients": args.clients, "seconds": args.seconds,
                                     "workers_per_host": args.workers, "targets": TARGETS}
        report["local_1_host"] = phase("local_1_host", [home], args, work, None)
        report["postgres_1_host"] = phase("postgres_1_host", hosts[:1], args, work, database)
        report["postgres_2_hosts"] = phase("postgres_2_hosts", hosts, args, work, database)
        local, shared = report["local_1_host"], report["postgres_1_host"]
        assert isinstance(local, dict) and isinstance(shared, dict)
        report["postgres_vs_local_rps"] = round(shared["rps"] / local["rps"], 3) if local["rps"] else None
        two = report["postgres_2_hosts"]
        assert isinstance(two, dict)
        report["two_hosts_vs_one_rps"] = round(two["rps"] / shared["rps"], 3) if shared["rps"] else None
        shutil.rmtree(work / "copy-cache", ignore_errors=True)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()
