"""Does the label audit find planted label errors? Ours against cleanlab's multi-label find_label_issues.

Flip 10% of a labelled fixture's labels (each flipped paragraph gets a different label set: another
domain, or none, or a domain for a paragraph about none), cross-validate on the seeds' labelled paragraphs
plus the corrupted fixture (the out-of-fold probabilities `policytag train` keeps), and compare the
paragraphs each method flags with the planted ones: precision, recall, F1 of the flagged set, and
precision among each method's k most suspicious (k = number planted). Both methods get the same
out-of-fold probabilities; only the fixture's paragraphs are scored.

    pip install cleanlab          # in the bench extra; without it only our audit is measured
    python benchmarks/audit.py [--data FILE] [--repeats 5] [--json]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from training.data.bootstrap import Example  # noqa: E402
from training.data.importing import read_examples  # noqa: E402
from training.data.taxonomy import load_taxonomy  # noqa: E402
from training.learning.audit import FLAG_MARGIN, disagreement, rank_label_issues  # noqa: E402
from training.learning.train import cross_validate, fit_tagger, load_training_data  # noqa: E402

SEEDS = ROOT / "seeds"
DATA = ROOT / "benchmarks" / "data" / "al_pool.jsonl"


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def corrupt(rows: list[Example], classes: list[str], share: float, rng: np.random.Generator
            ) -> tuple[list[Example], np.ndarray]:
    """A copy of `rows` with `share` of them given a different label set; and the mask of flipped rows."""
    flipped = np.zeros(len(rows), dtype=bool)
    flipped[rng.choice(len(rows), size=round(share * len(rows)), replace=False)] = True
    choices = [(), *[(c,) for c in classes]]
    out = []
    for row, flip in zip(rows, flipped):
        if flip:
            others = [c for c in choices if set(c) != set(row.labels)]
            row = Example(row.text, others[int(rng.integers(len(others)))], row.source)
        out.append(row)
    return out, flipped


def prf(flagged: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    tp = int((flagged & truth).sum())
    p = tp / flagged.sum() if flagged.sum() else 0.0
    r = tp / truth.sum() if truth.sum() else 0.0
    return {"flagged": int(flagged.sum()), "precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def top_k(order: np.ndarray, truth: np.ndarray) -> float:
    k = int(truth.sum())
    return float(truth[order[:k]].mean()) if k else 0.0


def one_repeat(base: list[Example], fixture: list[Example], taxonomy: Any, seed: int) -> dict[str, dict[str, float]]:
    rng = np.random.default_rng(seed)
    classes = [d for d in taxonomy.ids if any(d in e.labels for e in base + fixture)]
    noisy, planted = corrupt(fixture, classes, 0.10, rng)
    examples = base + noisy
    report = cross_validate(examples, taxonomy, n_splits=5, seed=seed)
    cv_classes, proba = report["_held_out"]
    final = fit_tagger(examples, taxonomy)  # the served model's thresholds, as the audit uses
    thresholds = np.array([final.thresholds_[final.classes_.index(c)] for c in cv_classes])
    rows = slice(len(base), len(examples))
    truth = np.array([[c in e.labels for c in cv_classes] for e in noisy], dtype=bool)
    proba = proba[rows]

    results: dict[str, dict[str, float]] = {}
    disputed, _, order = rank_label_issues(truth, proba, thresholds)
    results["policytag audit"] = {**prf(disputed, planted), "precision_at_k": top_k(order, planted)}
    margin = disagreement(truth, proba, thresholds).max(axis=1)
    results["policytag, margin 0"] = {**prf(margin > 0, planted),
                                      "precision_at_k": top_k(np.argsort(-margin, kind="stable"), planted)}
    # The same rule on the probability scale (no logits), to show what the logit margin buys.
    side = np.where(truth, 1.0, -1.0)
    plain = (side * (thresholds[None, :] - proba)).max(axis=1)
    results["probability margin 0"] = {**prf(plain > 0, planted),
                                     "precision_at_k": top_k(np.argsort(-plain, kind="stable"), planted)}
    try:
        from cleanlab.multilabel_classification.filter import find_label_issues
        from cleanlab.multilabel_classification.rank import get_label_quality_scores
    except ImportError:
        return results
    labels = [[k for k in range(len(cv_classes)) if truth[i, k]] for i in range(len(noisy))]
    issues = find_label_issues(labels=labels, pred_probs=proba)
    quality = get_label_quality_scores(labels=labels, pred_probs=proba)
    results["cleanlab find_label_issues"] = {**prf(np.asarray(issues), planted),
                                             "precision_at_k": top_k(np.argsort(quality, kind="stable"), planted)}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="labelled fixture to corrupt (JSONL)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    taxonomy = load_taxonomy(SEEDS)
    base = load_training_data(SEEDS, taxonomy).examples
    known = {e.text for e in base}
    fixture = [Example(str(r["text"]), tuple(r["labels"]), args.data.name) for r in read_examples(args.data)
               if r["text"] not in known]
    say(f"{len(fixture)} fixture paragraphs ({args.data.name}), 10% flipped; seeds' {len(base)} labelled "
        f"paragraphs train alongside; {args.repeats} repeats")
    runs, started = [], time.perf_counter()
    for repeat in range(args.repeats):
        # Seeds from 100: FLAG_MARGIN was chosen on seeds 0-2 of the default fixture.
        runs.append(one_repeat(base, fixture, taxonomy, 100 + repeat))
        say(f"repeat {repeat + 1}/{args.repeats} done ({time.perf_counter() - started:.0f} s)")
    methods = list(runs[0])
    summary = {m: {key: round(float(np.mean([r[m][key] for r in runs])), 3) for key in runs[0][m]} for m in methods}
    result = {"data": args.data.name, "paragraphs": len(fixture), "planted": round(0.10 * len(fixture)),
              "repeats": args.repeats, "methods": summary}
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    print(f"planted label errors: {result['planted']} of {len(fixture)} paragraphs ({args.data.name}), "
          f"mean of {args.repeats} repeats")
    print(f"policytag audit flags a label FLAG_MARGIN={FLAG_MARGIN} logits past the threshold")
    print(f"{'method':<28}{'flagged':>9}{'precision':>11}{'recall':>8}{'F1':>7}{'P@k':>7}")
    for method, row in summary.items():
        print(f"{method:<28}{row['flagged']:>9.1f}{row['precision']:>11.3f}{row['recall']:>8.3f}{row['f1']:>7.3f}"
              f"{row['precision_at_k']:>7.3f}")


if __name__ == "__main__":
    main()
