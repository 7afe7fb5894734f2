"""The quick test set's wall time (`python -m pytest -m "not slow"`, the README's inner loop) against another
commit's, alternating in one run.

It exports `--baseline-ref` with `git archive` and runs both quick sets `--rounds` times each, alternating (this
checkout first), each in a fresh interpreter with that tree first on the import path, and times each run with
`time.perf_counter` around the whole process (interpreter start, collection, the session's training and every
test). The target of the quick set is under 30 s on a 2-core machine; machine speed drifts within an hour, so
the ratio against the baseline measured in the same run is the figure to compare across machines.

    python benchmarks/quick_tests.py --baseline-ref 3c1e98b --rounds 2   # table; --json for one JSON object
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from servers import export_ref  # noqa: E402

TARGET_SECONDS = 30.0
COMMAND = [sys.executable, "-m", "pytest", "-q", "-m", "not slow", "-p", "no:cacheprovider"]


@dataclass(frozen=True)
class Run:
    wall_s: float
    passed: int
    ok: bool  # pytest's exit status was 0
    summary: str  # pytest's last line


def run_once(tree: Path) -> Run:
    """One quick-set run in `tree`, timed around the whole process."""
    env = {**os.environ, "PYTHONPATH": str(tree)}  # this tree's packages, not the installed checkout's
    started = time.perf_counter()
    done = subprocess.run(COMMAND, cwd=tree, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-500:]
    passed = re.search(r"(\d+) passed", summary)
    return Run(round(wall, 2), int(passed.group(1)) if passed else 0, done.returncode == 0, summary)


def summarise(runs: list[Run]) -> dict[str, Any]:
    return {"wall_s": [r.wall_s for r in runs], "median_s": round(statistics.median(r.wall_s for r in runs), 2),
            "passed": runs[-1].passed, "all_passed": all(r.ok for r in runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline-ref", default="main", help="the commit whose quick set is the baseline")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each quick set (the median is reported)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if not 1 <= args.rounds <= 10:
        parser.error("--rounds 1-10 keeps the run bounded (each run takes about half a minute)")
    runs: dict[str, list[Run]] = {"head": [], "baseline": []}
    with tempfile.TemporaryDirectory(prefix="policytag-quick-tests-") as tmp:
        baseline = export_ref(args.baseline_ref, Path(tmp))
        for round_ in range(args.rounds):
            for key, tree in (("head", ROOT), ("baseline", baseline)):
                run = run_once(tree)
                runs[key].append(run)
                print(f"round {round_ + 1} {key}: {run.wall_s} s, {run.summary}", file=sys.stderr, flush=True)
    head, base = summarise(runs["head"]), summarise(runs["baseline"])
    report = {"baseline_ref": args.baseline_ref, "command": shlex.join(["python", *COMMAND[1:]]),
              "target_s": TARGET_SECONDS, "head": head, "baseline": base,
              "ratio": round(head["median_s"] / base["median_s"], 3),
              "target_met": head["median_s"] < TARGET_SECONDS and head["all_passed"]}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"quick set ({report['command']}), median of {args.rounds} run(s), alternating:")
    print(f"  this checkout      {head['median_s']:6.1f} s  {head['passed']} tests  runs {head['wall_s']}")
    print(f"  {args.baseline_ref:<18} {base['median_s']:6.1f} s  {base['passed']} tests  runs {base['wall_s']}")
    print(f"  ratio {report['ratio']:.2f}; target under {TARGET_SECONDS:.0f} s: "
          f"{'met' if report['target_met'] else 'not met'}")


if __name__ == "__main__":
    main()
