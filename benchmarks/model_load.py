"""Loading a saved model: policytag's reader (`model.artifact.load_artifact`) against joblib's, the same model.

It trains the default model from seeds/ and times, alternately and `--repeats` times each, `load_artifact` on
the model as saved now (checks and a plain pickle read by the C unpickler) and on the same model written by
`joblib.dump` (how earlier versions saved it, read with joblib's pure-Python reader). Every server worker,
corpus worker and `policytag tag` loads a model once; a promotion loads one per worker.

    python benchmarks/model_load.py            # table; --json for one JSON object
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=30, help="loads of each file (the median is reported)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if not 1 <= args.repeats <= 1000:
        parser.error("--repeats 1-1000 keeps the run bounded")
    import joblib

    from model.artifact import MANIFEST_FILE, MODEL_FILE, load_artifact
    from training.learning.run import run_training

    with tempfile.TemporaryDirectory(prefix="policytag-model-load-") as tmp:
        home = Path(tmp) / "home"
        print("training the default model ...", file=sys.stderr, flush=True)
        run_training(home, ROOT / "seeds", cv=0)
        now = home / "models" / "v1"
        before = Path(tmp) / "joblib"
        shutil.copytree(now, before)
        tagger, _ = load_artifact(now)
        joblib.dump(tagger, before / MODEL_FILE)
        manifest = json.loads((before / MANIFEST_FILE).read_text(encoding="utf-8"))
        manifest["sha256"] = hashlib.sha256((before / MODEL_FILE).read_bytes()).hexdigest()
        (before / MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")
        times: dict[str, list[float]] = {"plain_pickle": [], "joblib": []}
        for _ in range(args.repeats):
            for key, directory in (("plain_pickle", now), ("joblib", before)):
                started = time.perf_counter()
                load_artifact(directory)
                times[key].append((time.perf_counter() - started) * 1000)
        sizes = {"plain_pickle": (now / MODEL_FILE).stat().st_size, "joblib": (before / MODEL_FILE).stat().st_size}
    report = {key: {"load_ms": round(statistics.median(values), 2), "file_bytes": sizes[key]}
              for key, values in times.items()}
    report["speedup"] = round(report["joblib"]["load_ms"] / report["plain_pickle"]["load_ms"], 2)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{'file':<14}{'load ms':>9}{'bytes':>11}")
    for key in ("joblib", "plain_pickle"):
        print(f"{key:<14}{report[key]['load_ms']:>9}{report[key]['file_bytes']:>11}")
    print(f"speedup {report['speedup']}x")


if __name__ == "__main__":
    main()
