"""Serving benchmark: `policytag serve` over real HTTP on 127.0.0.1, measured against baselines in one run.

    python benchmarks/serve.py [--seconds 5] [--clients 4] [--stored 500] [--json]

It trains the default model from seeds/ into a temporary data directory, starts the production server
(gunicorn, 2 workers), and reports:
- throughput of POST /v1/tag (one title per request) as a ratio to GET /v1/health on the same server
  (the framework + server + client cost without the model);
- single-request latency (p50/p95) idle, and while a background training run (POST /v1/train) is going,
  as a ratio; that run retrains on the seeds plus `--stored` labelled examples in the store (sentences
  of the seed paragraphs with their paragraph's labels, as a curator's corrections would be), and its
  duration is reported.
Every loop is bounded in time; the server is stopped at the end. Only loopback traffic.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TITLE = "加快关键核心技术攻关，推动科技成果转化"
TOKEN = "bench-token"


def request(url: str, body: dict | None = None, token: str | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, headers=headers, method="POST" if data is not None else "GET")
    with urllib.request.urlopen(req, timeout=30) as response:
        return json.loads(response.read())


def throughput(url: str, body: dict | None, seconds: float, clients: int) -> float:
    """Requests per second with `clients` threads for `seconds`."""
    counts = [0] * clients
    stop = time.monotonic() + seconds

    def run(i: int) -> None:
        while time.monotonic() < stop:
            request(url, body)
            counts[i] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - started)


def latencies(url: str, body: dict, seconds: float, until: threading.Event | None = None) -> list[float]:
    """Sequential single-request latencies in ms, for `seconds` (or until `until` is set)."""
    out: list[float] = []
    stop = time.monotonic() + seconds
    while time.monotonic() < stop and not (until and until.is_set()):
        t0 = time.perf_counter()
        request(url, body)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each measurement")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads for throughput")
    parser.add_argument("--stored", type=int, default=500, help="labelled examples in the store for the retrain")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args()

    from model.text import split_sentences
    from training.data.store import ExampleStore
    from training.data.taxonomy import load_taxonomy
    from training.learning.run import run_training
    from training.learning.train import load_training_data
    from training.paths import store_path

    home = Path(tempfile.mkdtemp(prefix="policytag-bench-"))
    run_training(home, ROOT / "seeds", cv=0)
    taxonomy = load_taxonomy(ROOT / "seeds")
    sentences: dict[str, list[str]] = {}
    for example in load_training_data(ROOT / "seeds", taxonomy).examples:
        parts = split_sentences(example.text)
        for piece in ["".join(parts[i:i + n]) for n in range(1, 7) for i in range(len(parts) - n + 1)]:
            if len(piece) >= 12:
                sentences.setdefault(piece, list(example.labels))
    stored = [{"text": t, "labels": labels} for t, labels in list(sentences.items())[:args.stored]]
    if stored:
        ExampleStore(store_path(home)).add(stored, source="user", author="bench", known_domains=taxonomy.ids)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "POLICYTAG_HOME": str(home), "POLICYTAG_API_TOKEN": TOKEN,
           "POLICYTAG_SEEDS": str(ROOT / "seeds")}
    log = open(home / "server.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--workers", "2"],
                              env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                request(f"{base}/v1/health")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"server did not start; see {home / 'server.log'}") from None
                time.sleep(0.2)
        tag = {"text": TITLE}
        latencies(f"{base}/v1/tag", tag, 1.0)  # warm up both workers
        health_rps = throughput(f"{base}/v1/health", None, args.seconds, args.clients)
        tag_rps = throughput(f"{base}/v1/tag", tag, args.seconds, args.clients)
        idle = latencies(f"{base}/v1/tag", tag, args.seconds)

        job = request(f"{base}/v1/train", {"force": True}, token=TOKEN)["job"]
        finished = threading.Event()

        def watch() -> None:
            while request(f"{base}/v1/jobs/{job}")["status"] in ("queued", "running"):
                time.sleep(0.2)
            finished.set()

        watcher = threading.Thread(target=watch)
        watcher.start()
        started = time.monotonic()
        during = latencies(f"{base}/v1/tag", tag, 300, until=finished)
        watcher.join()
        train_s = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()

    result = {
        "health_rps": round(health_rps, 1), "tag_rps": round(tag_rps, 1),
        "tag_vs_health_throughput": round(tag_rps / health_rps, 3),
        "latency_ms_idle_p50": round(statistics.median(idle), 2), "latency_ms_idle_p95": round(pct(idle, 0.95), 2),
        "latency_ms_training_p50": round(statistics.median(during), 2) if during else None,
        "latency_ms_training_p95": round(pct(during, 0.95), 2) if during else None,
        "training_vs_idle_p50": round(statistics.median(during) / statistics.median(idle), 2) if during else None,
        "training_seconds": round(train_s, 1), "stored_examples": len(stored),
        "requests_during_training": len(during),
        "clients": args.clients, "workers": 2, "cores": os.cpu_count(),
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"policytag serve, gunicorn 2 workers, {args.clients} client threads, {os.cpu_count()} cores")
    print(f"  GET /v1/health (baseline)   {result['health_rps']:>8} req/s")
    print(f"  POST /v1/tag (one title)    {result['tag_rps']:>8} req/s   "
          f"= {result['tag_vs_health_throughput']}x the baseline")
    print(f"  latency idle                p50 {result['latency_ms_idle_p50']} ms, "
          f"p95 {result['latency_ms_idle_p95']} ms")
    print(f"  latency while training      p50 {result['latency_ms_training_p50']} ms, "
          f"p95 {result['latency_ms_training_p95']} ms   = {result['training_vs_idle_p50']}x idle "
          f"({result['requests_during_training']} requests)")
    print(f"  retrain on seeds + {result['stored_examples']} stored examples: {result['training_seconds']} s "
          "(background job, cross-validation and gate included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
