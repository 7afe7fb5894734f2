"""Does the review queue earn its keep? A simulated curator labels pool paragraphs in rounds.

Start from the seed-only model (seed documents + seed label files). Each round, pick 10 paragraphs from a
pool of labelled paragraphs whose labels the curator "supplies" when picked, by the review queue
(training.learning.review.select, exactly what GET /v1/review does) or at random; add them, retrain
(no cross-validation), score on the eval fixture. Each repetition (--repeats, default 5) draws its own
80% of the pool, so the queue's curve is an average too. Also times one review round: pick 20 from a pool
of 10,000 (cold: scoring every paragraph; warm: scores cached for the model version, as the service
does; and through the store, as GET /v1/review does).

    python benchmarks/active.py                       # tables on stdout, progress on stderr
    python benchmarks/active.py --json                # one JSON object
    python benchmarks/active.py --rounds 6 --repeats 2   # quick look
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model.tagger import Tagger  # noqa: E402
from training.data.bootstrap import Example  # noqa: E402
from training.data.importing import read_examples  # noqa: E402
from training.data.taxonomy import load_taxonomy  # noqa: E402
from training.learning.evaluate import evaluate  # noqa: E402
from training.learning.review import ScoreCache, score_in_batches, select  # noqa: E402
from training.learning.train import fit_tagger, load_training_data  # noqa: E402

SEEDS = ROOT / "seeds"
POOL = ROOT / "benchmarks" / "data" / "al_pool.jsonl"
EVALS = (ROOT / "tests" / "fixtures" / "hard_eval.jsonl", ROOT / "tests" / "fixtures" / "policy_eval.jsonl")


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def read_labelled(path: Path) -> list[Example]:
    return [Example(str(row["text"]), tuple(row["labels"]), path.name) for row in read_examples(path)]


def score(tagger: Tagger, eval_rows: list[Example]) -> dict[str, float]:
    report = evaluate(tagger, [e.text for e in eval_rows], [list(e.labels) for e in eval_rows], worst=0)
    return {"macro_f1": float(report["macro"]["f1"] or 0.0),
            "ood_untagged": float(report["out_of_domain_untagged"] or 0.0)}


def simulate(strategy: str, base: list[Example], pool: list[Example], eval_rows: list[Example], taxonomy: Any,
             rounds: int, batch: int, rng: np.random.Generator) -> list[dict[str, float]]:
    """Metrics after 0, 1, ..., rounds rounds of `batch` labels picked by `strategy`."""
    labelled: list[Example] = []
    remaining = list(pool)
    tagger = fit_tagger(base, taxonomy)
    curve = [{"labels": 0, **score(tagger, eval_rows)}]
    for _ in range(1, rounds + 1):
        if not remaining:
            break
        texts = [e.text for e in remaining]
        if strategy == "queue":
            picks = [p.index for p in select(tagger, texts, score_in_batches(tagger, texts), batch)]
        else:
            picks = list(rng.choice(len(remaining), size=min(batch, len(remaining)), replace=False))
        chosen = set(picks)
        labelled += [remaining[i] for i in picks]
        remaining = [e for i, e in enumerate(remaining) if i not in chosen]
        tagger = fit_tagger(base + labelled, taxonomy)
        curve.append({"labels": len(labelled), **score(tagger, eval_rows)})
    return curve


def labels_to_reach(curve: list[dict[str, float]], target: float) -> int | None:
    return next((int(point["labels"]) for point in curve if point["macro_f1"] >= target - 1e-9), None)


def mean_curve(curves: list[list[dict[str, float]]]) -> list[dict[str, float]]:
    length = min(len(c) for c in curves)
    return [{"labels": curves[0][i]["labels"],
             "macro_f1": round(float(np.mean([c[i]["macro_f1"] for c in curves])), 4),
             "macro_f1_sd": round(float(np.std([c[i]["macro_f1"] for c in curves])), 4),
             "ood_untagged": round(float(np.mean([c[i]["ood_untagged"] for c in curves])), 4)}
            for i in range(length)]


def synthetic_pool(texts: list[str], size: int, rng: np.random.Generator) -> list[str]:
    """`size` distinct paragraph-like texts made by joining two or three pool paragraphs."""
    out, seen = [], set()
    while len(out) < size:
        k = int(rng.integers(1, 4))
        text = "".join(texts[i] for i in rng.choice(len(texts), size=k, replace=False))
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out


def time_review_round(tagger: Tagger, texts: list[str], n: int = 20, repeats: int = 5) -> dict[str, float]:
    """Seconds to pick n from len(texts): cold (score everything), warm (cached), and through a store."""
    from training.curation import review_batch
    from training.data.store import ExampleStore

    started = time.perf_counter()
    proba = score_in_batches(tagger, texts)
    scored = time.perf_counter() - started
    select(tagger, texts, proba, n)
    cold = time.perf_counter() - started
    warm = []
    for _ in range(repeats):
        started = time.perf_counter()
        select(tagger, texts, proba, n)
        warm.append(time.perf_counter() - started)
    with tempfile.TemporaryDirectory() as home:
        store = ExampleStore(Path(home) / "examples.sqlite3")
        store.pool_add([(t, "bench", "") for t in texts])
        cache = ScoreCache()
        review_batch(Path(home), tagger, "bench", n, cache)  # fills the cache, as a service's first call does
        served = []
        for _ in range(repeats):
            started = time.perf_counter()
            review_batch(Path(home), tagger, "bench", n, cache)
            served.append(time.perf_counter() - started)
    return {"pool": len(texts), "n": n, "score_all_s": round(scored, 3), "cold_s": round(cold, 3),
            "warm_select_s": round(float(np.median(warm)), 4), "warm_via_store_s": round(float(np.median(served)), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pool", type=Path, default=POOL, help="labelled paragraphs to draw from (JSONL)")
    parser.add_argument("--eval", type=Path, default=next((p for p in EVALS if p.exists()), EVALS[-1]))
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--fraction", type=float, default=0.8, help="share of the pool each repeat draws")
    parser.add_argument("--timing-pool", type=int, default=10_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    taxonomy = load_taxonomy(SEEDS)
    base = load_training_data(SEEDS, taxonomy).examples
    pool, eval_rows = read_labelled(args.pool), read_labelled(args.eval)
    overlap = {e.text for e in pool} & {e.text for e in eval_rows}
    if overlap:  # never learn from what is scored
        say(f"warning: {len(overlap)} pool paragraph(s) also in {args.eval.name}; left out of the pool")
        pool = [e for e in pool if e.text not in overlap]
    say(f"seed training data {len(base)} paragraphs; pool {len(pool)} ({args.pool.name}); eval {len(eval_rows)} "
        f"({args.eval.name}); {args.repeats} repeats x {args.rounds} rounds of {args.batch}")
    curves: dict[str, list[list[dict[str, float]]]] = {"queue": [], "random": []}
    started = time.perf_counter()
    for repeat in range(args.repeats):
        rng = np.random.default_rng(repeat)
        drawn = [pool[i] for i in sorted(rng.choice(len(pool), size=int(len(pool) * args.fraction), replace=False))]
        for strategy in curves:
            curves[strategy].append(simulate(strategy, base, drawn, eval_rows, taxonomy, args.rounds, args.batch,
                                             np.random.default_rng(1000 + repeat)))
            last = curves[strategy][-1][-1]
            say(f"repeat {repeat + 1}/{args.repeats} {strategy:<6}: macro-F1 {curves[strategy][-1][0]['macro_f1']:.3f}"
                f" -> {last['macro_f1']:.3f} after {last['labels']} labels ({time.perf_counter() - started:.0f} s)")
    means = {s: mean_curve(c) for s, c in curves.items()}
    start = means["random"][0]["macro_f1"]
    final_random = means["random"][-1]["macro_f1"]
    targets = {}
    for share in (0.5, 0.8, 1.0):
        target = round(start + share * (final_random - start), 4)
        need = {s: labels_to_reach(means[s], target) for s in means}
        ratio = need["queue"] / need["random"] if need["queue"] is not None and need["random"] else None
        targets[f"{int(share * 100)}% of random's gain"] = {"macro_f1": target, **need,
                                                             "queue/random": None if ratio is None else round(ratio, 2)}
    say(f"timing one review round on a pool of {args.timing_pool:,}")
    timing = time_review_round(fit_tagger(base, taxonomy),
                               synthetic_pool([e.text for e in pool], args.timing_pool, np.random.default_rng(0)))
    result = {"pool": args.pool.name, "pool_size": len(pool), "eval": args.eval.name, "repeats": args.repeats,
              "batch": args.batch, "curves": means, "labels_to_reach": targets, "review_round": timing}
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    print(f"learning curves (mean of {args.repeats} repeats; eval {args.eval.name}, {len(eval_rows)} paragraphs)")
    print(f"{'labels':>7} {'queue F1':>9} {'random F1':>10} {'queue OOD':>10} {'random OOD':>11}")
    for q, r in zip(means["queue"], means["random"]):
        print(f"{q['labels']:>7} {q['macro_f1']:>9.3f} {r['macro_f1']:>10.3f} {q['ood_untagged']:>10.3f} "
              f"{r['ood_untagged']:>11.3f}")
    print("\nlabels needed to reach a macro-F1 (target: queue <= 60% of random)")
    for name, row in targets.items():
        print(f"  {name:<24} F1 {row['macro_f1']:.3f}: queue {row['queue']}, random {row['random']}, "
              f"ratio {row['queue/random']}")
    print(f"\nreview round, pick {timing['n']} of {timing['pool']:,}: cold {timing['cold_s']} s (scoring "
          f"{timing['score_all_s']} s), warm {timing['warm_select_s']} s, warm through the store "
          f"{timing['warm_via_store_s']} s (target < 1 s)")


if __name__ == "__main__":
    main()
