"""How fast `policytag report` reads a large tag output, and whether its memory stays flat.

    python benchmarks/report.py [--paragraphs 100000] [--documents 1000] [--json]

Writes `policytag tag`-shaped JSONL of 20% of --paragraphs and of all of them (benchmarks/corpus.py's
`tag_rows`: the project's own labelled paragraphs with their labels as tags, no model needed), then times, each
in a fresh process on the same file:
- parse: reading the file and `json.loads` of every line, nothing else (the baseline: the least any reader does);
- report: `policytag report FILE --html --csv` end to end (reading, analysis, characteristic terms, charts,
  HTML and CSV written);
with the peak resident memory of each process (ru_maxrss). Prints seconds, the ratio to the baseline, and the
peak memory at 20% and at 100% of the paragraphs in the same number of documents (flat: 5x the paragraphs cost
little more memory; memory grows with documents and domains, not paragraphs).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import tag_rows  # noqa: E402

_PARSE = """
import json, resource, sys, time
started = time.perf_counter()
n = 0
with open(sys.argv[1], encoding="utf-8") as handle:
    for line in handle:
        if line.strip():
            json.loads(line)
            n += 1
print(json.dumps({"seconds": time.perf_counter() - started, "rows": n,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_REPORT = """
import json, resource, sys, time
from click.testing import CliRunner
from service.cli import main
started = time.perf_counter()
result = CliRunner().invoke(main, ["report", sys.argv[1], "--html", sys.argv[2], "--csv", sys.argv[3],
                                   "--home", sys.argv[4]])
assert result.exit_code == 0, result.output
print(json.dumps({"seconds": time.perf_counter() - started,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def write_rows(path: Path, n: int, documents: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in tag_rows(n, documents):
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def run(code: str, *args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode:
        raise SystemExit(f"benchmark step failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(paragraphs: int, documents: int, folder: Path) -> dict[str, Any]:
    source = folder / f"tags{paragraphs}.jsonl"
    write_rows(source, paragraphs, documents)
    parse = run(_PARSE, str(source))
    report = run(_REPORT, str(source), str(folder / "r.html"), str(folder / "r.csv"), str(folder / "home"))
    return {"paragraphs": paragraphs, "documents": documents, "bytes": source.stat().st_size, "parse": parse,
            "report": report, "ratio": report["seconds"] / parse["seconds"],
            "html_bytes": (folder / "r.html").stat().st_size}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=100_000)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="policytag-report-bench-") as scratch:
        folder = Path(scratch)
        small = measure(max(1, args.paragraphs // 5), args.documents, folder)
        large = measure(args.paragraphs, args.documents, folder)
    results = {"small": small, "large": large,
               "memory_growth": large["report"]["peak_mb"] / small["report"]["peak_mb"],
               "total_seconds": time.perf_counter() - started}
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for name, r in (("20%", small), ("100%", large)):
        print(f"{name}: {r['paragraphs']} paragraphs in {r['documents']} documents ({r['bytes'] / 1e6:.1f} MB): "
              f"json.loads alone {r['parse']['seconds']:.2f} s, peak {r['parse']['peak_mb']:.0f} MB; "
              f"policytag report {r['report']['seconds']:.2f} s ({r['ratio']:.1f}x the parse), "
              f"peak {r['report']['peak_mb']:.0f} MB; HTML {r['html_bytes'] / 1e6:.1f} MB")
    print(f"peak memory x{results['memory_growth']:.2f} for 5x the paragraphs (the same number of documents)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
