"""How long a worker takes to load a saved model: the packed state (today's files) against the attributes
pickled one by one (files saved before), in the same run.

    python benchmarks/model_load.py [--json] [--repeats 30]

Every server worker start, every hot reload after a promotion and every corpus worker loads the model this way
(`model.artifact.load_artifact`: SHA-256 check, manifest, joblib.load).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _median_ms(directory: Path, repeats: int) -> float:
    from model.artifact import load_artifact

    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        load_artifact(directory)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def measure(repeats: int) -> dict[str, Any]:
    from model.artifact import load_artifact, save_artifact
    from model.tagger import Tagger
    from training.learning.run import run_training

    with tempfile.TemporaryDirectory(prefix="policytag-model-load-") as tmp:
        home = Path(tmp) / "home"
        run_training(home, ROOT / "seeds", cv=0)
        tagger, manifest = load_artifact(home / "models" / "v1")
        packed = Tagger.__getstate__

        def unpacked(self: Tagger) -> dict[str, Any]:
            return {k: v for k, v in self.__dict__.items() if k != "_feature_names"}

        Tagger.__getstate__ = unpacked  # type: ignore[method-assign]
        try:
            save_artifact(tagger, Path(tmp) / "unpacked", {"version": "v1"})
        finally:
            Tagger.__getstate__ = packed  # type: ignore[method-assign]
        save_artifact(tagger, Path(tmp) / "packed", {"version": "v1"})
        rows = {}
        for _ in range(2):  # interleaved rounds: other work on the machine weighs on both alike
            for name in ("unpacked", "packed"):
                rows.setdefault(name, []).append(_median_ms(Path(tmp) / name, repeats))
    result = {name: round(min(values), 2) for name, values in rows.items()}
    return {"load_ms": result, "speedup": round(result["unpacked"] / result["packed"], 1), "repeats": repeats}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=30, help="loads per measurement (the median is kept)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if not 1 <= args.repeats <= 1000:
        parser.error("--repeats must be 1-1000")
    result = measure(args.repeats)
    if args.json:
        print(json.dumps(result))
        return
    print(f"load_artifact median: packed state {result['load_ms']['packed']} ms, attributes one by one "
          f"{result['load_ms']['unpacked']} ms ({result['speedup']}x)")


if __name__ == "__main__":
    main()
