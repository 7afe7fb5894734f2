"""A user's own ten-domain taxonomy learned from their own documents, against plain keyword search.

The README's flow on the fixture `tests/fixtures/taxonomy10/` (our own writing): the seeds folder as shipped
(the seed page, the curated and background label files) with the fixture's ten-domain `taxonomy.toml` in place
of the shipped one and the fixture's documents dropped in (work reports and plans as Word files, one report
printed to PDF by Chromium when it is installed, notices as text saved from web pages). It trains the model
as `policytag train` does and tags every paragraph of the separate evaluation set as `policytag tag
--doc-summary` does, and scores keyword search on the same paragraphs in the same run. It also trains the
shipped three-domain model from `seeds/` and scores it on `tests/fixtures/hard_eval.jsonl`, so a change made
for new taxonomies is seen to leave the shipped one as it was.

    python benchmarks/taxonomy.py            # table on stdout, progress on stderr
    python benchmarks/taxonomy.py --json     # {"model": {...}, "keywords": {...}, "hard_eval": {...}, ...}
    python benchmarks/taxonomy.py --ablation # also each change of the labelling and training recipe undone
    python benchmarks/taxonomy.py --ceiling  # also what thresholds or keyword fusion chosen on the evaluation
                                             # set itself would reach (upper bounds, never settings)
    python benchmarks/taxonomy.py --drops 8  # the fixture's noise: retrained without each of 8 documents
    python benchmarks/taxonomy.py --ablation --drops 8  # each change against the recipe over those trainings
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model.tagging import tag_document  # noqa: E402
from tests.taxonomy_fixture import EVAL, write_training_folder  # noqa: E402
from training.data.importing import read_eval_file  # noqa: E402
from training.data.taxonomy import load_taxonomy  # noqa: E402
from training.learning.baseline import keyword_tags, tag_set_scores  # noqa: E402
from training.learning.evaluate import evaluate  # noqa: E402
from training.learning.train import fit_tagger, load_training_data  # noqa: E402

HARD_EVAL = ROOT / "tests" / "fixtures" / "hard_eval.jsonl"
# (name, module, attribute, value): one change of the recipe undone at a time.
ABLATIONS = [
    ("no lead sentences", "training.data.bootstrap", "LEADS", False),
    ("weak negatives for every domain", "training.data.bootstrap", "NEGATIVE_SCOPE", "all"),
    ("lead sentences that name no domain give no weak negatives", "training.data.bootstrap", "LEAD_NEGATIVES", False),
    ("bootstrapped labels complete (no body keyword check)", "training.learning.train", "BODY", "off"),
    ("held-out folds by paragraph", "training.learning.train", "FOLDS", "paragraphs"),
    ("labelled_for ignored (seed negatives for every domain)", "training.learning.train", "JUDGED_FOR", False),
    ("seed labels unknown for every domain added since (not negatives where they lack its keywords)",
     "training.learning.train", "UNJUDGED", "unknown"),
    ("fixed threshold 0.5", None, "threshold_range", (0.5, 0.5)),
    ("calibration expects 0.6 about none (not the share in the documents)", "training.learning.train", "NONE_SHARE",
     "fixed"),
    ("unknown labels stay unknown (none completed as negatives from held-out scores)", None, "complete_below", 0.0),
    ("no joined neighbouring lead paragraphs", "training.learning.train", "JOIN_LEADS", False),
]


@contextlib.contextmanager
def _undone(module_name: str | None, attribute: str, value: Any, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """One change of the recipe undone: a module switch set (and restored after), or a Tagger parameter; yields
    the Tagger parameters to train with."""
    if module_name is None:
        yield {**params, attribute: value}
        return
    module = importlib.import_module(module_name)
    saved = getattr(module, attribute)
    setattr(module, attribute, value)
    try:
        yield params
    finally:
        setattr(module, attribute, saved)


def left_out_documents(seeds: Path, count: int) -> list[Path]:
    """`count` of the user's documents (not the shipped seed page), drawn with a fixed seed."""
    documents = sorted(p for p in seeds.iterdir() if p.suffix in (".docx", ".pdf", ".txt"))
    return random.Random(0).sample(documents, min(count, len(documents)))


def micro_without_each(seeds: Path, params: dict[str, Any], documents: Sequence[Path], whole: float) -> list[float]:
    """Micro-F1 trained on the whole fixture (`whole`, already measured), then without each of `documents` in
    turn."""
    scores = [whole]
    for document in documents:
        with tempfile.TemporaryDirectory() as aside:
            moved = Path(shutil.move(str(document), aside))
            try:
                scores.append(score_taxonomy(seeds, params)["model"]["micro_f1"])
            finally:
                shutil.move(str(moved), str(document))
    return scores


def paired(recipe: Sequence[float], changed: Sequence[float]) -> dict[str, Any]:
    """A change against the recipe over the same trainings (whole fixture and each document left out)."""
    differences = [b - a for a, b in zip(recipe, changed)]
    return {"mean_difference": round(float(np.mean(differences)), 4), "worse": sum(d < 0 for d in differences),
            "better": sum(d > 0 for d in differences), "trainings": len(differences),
            "differences": [round(d, 4) for d in differences]}


def ablation(seeds: Path, params: dict[str, Any], documents: Sequence[Path] = (),
             recipe: Sequence[float] = ()) -> dict[str, Any]:
    """The ten-domain scores and the shipped model's with each change undone; with `documents`, also each change
    against the recipe's micro-F1 `recipe` (`micro_without_each` over those documents) over the same trainings
    ("paired")."""
    results = {}
    for name, module_name, attribute, value in ABLATIONS:
        _say(f"ablation: {name}")
        with _undone(module_name, attribute, value, params) as changed:
            ten, hard = score_taxonomy(seeds, changed)["model"], score_shipped(changed)
            row = {"micro_f1": ten["micro_f1"], "macro_f1": ten["macro_f1"], "exact": ten["exact"],
                   "none_untagged": ten["none_untagged"], "min_domain_f1": min(ten["per_domain"].values()),
                   "hard_eval": hard}
            if documents:
                row["paired"] = paired(recipe, micro_without_each(seeds, changed, documents, ten["micro_f1"]))
        results[name] = row
    return results


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def user_seeds(dest: Path, pdf: bool) -> Path:
    """The shipped seeds folder with the user's taxonomy and documents in it, as the README tells them."""
    for path in (ROOT / "seeds").iterdir():
        if path.name != "taxonomy.toml":
            shutil.copy(path, dest / path.name)
    return write_training_folder(dest, pdf=pdf)


def _best_f1(score: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """(F1, cut) of the cut on `score` with the best F1 for `truth` (tag where score >= cut)."""
    order = np.argsort(-score, kind="stable")
    s, t = score[order], truth[order].astype(float)
    tp = np.cumsum(t)
    last = np.r_[np.flatnonzero(s[1:] != s[:-1]), len(s) - 1]  # tag every text down to a distinct score
    f1 = 2 * tp[last] / (last + 1 + t.sum())
    best = int(np.argmax(f1)) if len(f1) else 0
    return (float(f1[best]), float(s[last[best]])) if len(f1) and t.sum() else (0.0, float("inf"))


def _micro(tagged: np.ndarray, truth: np.ndarray) -> float:
    tp = float((tagged & truth).sum())
    return round(2 * tp / (tagged.sum() + truth.sum()), 4) if tp else 0.0


def ceiling(proba: np.ndarray, thresholds: Sequence[float], truth: np.ndarray, hits: np.ndarray) -> dict[str, Any]:
    """What the evaluation labels themselves would let the model reach: upper bounds, not results.

    `proba`, `truth` and `hits` (keyword search's tags) are (texts, domains). Reported: micro-F1 of the
    probabilities at the model's own thresholds; with each domain's threshold chosen on these labels; with
    each domain's logit(p) + c * keyword hit, c in [0, 6] and the threshold both chosen on these labels
    (the best any late fusion with keyword search could do); and mean average precision (ranking alone).
    """
    truth, hits = truth.astype(bool), hits.astype(bool)
    clipped = np.clip(proba, 1e-6, 1 - 1e-6)
    logit = np.log(clipped / (1 - clipped))
    n_domains = proba.shape[1]
    oracle = np.zeros_like(truth)
    fused = np.zeros_like(truth)
    weights = []
    precision = []
    for k in range(n_domains):
        _, cut = _best_f1(proba[:, k], truth[:, k])
        oracle[:, k] = proba[:, k] >= cut
        best = max(((_best_f1(logit[:, k] + c * hits[:, k], truth[:, k]), c) for c in np.arange(0, 6.01, 0.25)),
                   key=lambda found: (found[0][0], -found[1]))
        (_, cut), c = best
        fused[:, k] = logit[:, k] + c * hits[:, k] >= cut
        weights.append(float(c))
        order = np.argsort(-proba[:, k], kind="stable")
        t = truth[order, k]
        precision.append(float((np.cumsum(t) / np.arange(1, len(t) + 1))[t].mean()) if t.any() else 0.0)
    return {"micro_f1_at_model_thresholds": _micro(proba >= np.asarray(thresholds), truth),
            "micro_f1_thresholds_chosen_on_eval": _micro(oracle, truth),
            "micro_f1_keyword_fusion_chosen_on_eval": _micro(fused, truth),
            "keyword_fusion_weights": [round(c, 2) for c in weights],
            "mean_average_precision": round(float(np.mean(precision)), 4)}


def score_taxonomy(seeds: Path, params: dict[str, Any], with_ceiling: bool = False) -> dict[str, Any]:
    """Train on `seeds` as `policytag train` does; score the model and keyword search on the evaluation set
    (`with_ceiling`: also `ceiling`, under "ceiling")."""
    taxonomy = load_taxonomy(seeds)
    started = time.perf_counter()
    data = load_training_data(seeds, taxonomy)
    tagger = fit_tagger(data.examples, taxonomy, **data.params(**params))
    fit_seconds = time.perf_counter() - started
    pairs = read_eval_file(EVAL, taxonomy.ids)
    texts, truth = [t for t, _ in pairs], [labels for _, labels in pairs]
    predicted = [[d for d, _ in tag_document(tagger, text)[0].tags] for text in texts]
    keywords = keyword_tags(texts, taxonomy)
    counts = data.counts()
    extra = {}
    if with_ceiling:
        columns = [taxonomy.ids.index(c) for c in tagger.classes_]
        as_matrix = np.array([[d in labels for d in taxonomy.ids] for labels in truth])[:, columns]
        hit_matrix = np.array([[d in labels for d in taxonomy.ids] for labels in keywords])[:, columns]
        extra["ceiling"] = {"domains": list(tagger.classes_),
                            **ceiling(tagger.predict_proba(texts), tagger.thresholds_, as_matrix, hit_matrix)}
    return {**extra, "model": tag_set_scores(truth, predicted, taxonomy.ids),
            "keywords": tag_set_scores(truth, keywords, taxonomy.ids),
            "eval_paragraphs": len(texts), "training": {k: counts[k] for k in ("paragraphs", "per_domain",
                                                                             "negatives")},
            "thresholds": {c: round(float(t), 3) for c, t in zip(tagger.classes_, tagger.thresholds_)},
            "none_share": tagger.none_share,
            "fit_seconds": round(fit_seconds, 1)}


def score_shipped(params: dict[str, Any]) -> dict[str, Any]:
    """The shipped three-domain model (trained from `seeds/`) on the hard evaluation fixture."""
    seeds = ROOT / "seeds"
    taxonomy = load_taxonomy(seeds)
    data = load_training_data(seeds, taxonomy)
    tagger = fit_tagger(data.examples, taxonomy, **data.params(**params))
    pairs = read_eval_file(HARD_EVAL, taxonomy.ids)
    report = evaluate(tagger, [t for t, _ in pairs], [labels for _, labels in pairs])
    return {"out_of_domain_untagged": report["out_of_domain_untagged"],
            "in_domain_first_tag": report["in_domain_first_tag"], "exact_tag_set": report["exact_tag_set"],
            "ece": report["calibration"]["ece"], "macro_f1": report["macro"]["f1"]}


def _table(result: dict[str, Any]) -> str:
    model, keywords = result["model"], result["keywords"]
    lines = [f"ten-domain fixture: {result['eval_paragraphs']} evaluation paragraphs",
             f"{'':<16}{'policytag':>10}{'keywords':>10}"]
    for key in ("micro_f1", "macro_f1", "exact", "none_untagged"):
        lines.append(f"{key:<16}{model[key]:>10.3f}{keywords[key]:>10.3f}")
    for domain in model["per_domain"]:
        lines.append(f"  {domain:<14}{model['per_domain'][domain]:>10.3f}{keywords['per_domain'][domain]:>10.3f}")
    if "hard_eval" in result:
        hard = result["hard_eval"]
        lines.append("shipped model on hard_eval.jsonl: " + ", ".join(f"{k} {v}" for k, v in hard.items()))
    if "ceiling" in result:
        lines.append("chosen on the evaluation set itself (upper bounds, not results): " + ", ".join(
            f"{k} {v}" for k, v in result["ceiling"].items() if k not in ("domains", "keyword_fusion_weights")))
    if "ablation" in result:
        lines.append(f"{'recipe':<56}{'micro':>7}{'macro':>7}{'exact':>7}{'none':>7}{'min':>7}  hard: ood first exact")
        rows = {"all changes": {**{k: model[k] for k in ("micro_f1", "macro_f1", "exact", "none_untagged")},
                                "min_domain_f1": min(model["per_domain"].values()),
                                "hard_eval": result.get("hard_eval", {})}, **result["ablation"]}
        for name, row in rows.items():
            hard = row["hard_eval"]
            pair = row.get("paired")
            lines.append(f"{name:<56}{row['micro_f1']:>7.3f}{row['macro_f1']:>7.3f}{row['exact']:>7.3f}"
                         f"{row['none_untagged']:>7.3f}{row['min_domain_f1']:>7.3f}  "
                         + " ".join(f"{hard.get(k, float('nan')):.3f}" for k in
                                    ("out_of_domain_untagged", "in_domain_first_tag", "exact_tag_set"))
                         + (f"  paired: {pair['mean_difference']:+.4f}, worse in {pair['worse']} of "
                            f"{pair['trainings']}" if pair else ""))
    if "drops" in result:
        drops = result["drops"]
        lines.append(f"micro-F1 without one document at a time ({len(drops['micro_f1']) - 1} documents, and the "
                     f"whole fixture): {drops['min']:.3f}-{drops['max']:.3f}, mean {drops['mean']:.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--no-pdf", action="store_true", help="write the browser-printed report as .docx too")
    parser.add_argument("--no-hard", action="store_true", help="skip the shipped model on hard_eval.jsonl")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a Tagger parameter for both models (JSON value), e.g. --param C=0.3")
    parser.add_argument("--keep", type=Path, help="write the user's seeds folder here and keep it")
    parser.add_argument("--ablation", action="store_true", help="also score the recipe with each change undone")
    parser.add_argument("--drops", type=int, default=0, metavar="N",
                        help="the noise of the fixture: micro-F1 retrained without each of N documents in turn; with "
                             "--ablation, each change against the recipe over those same trainings")
    parser.add_argument("--ceiling", action="store_true",
                        help="also the micro-F1 that thresholds or keyword fusion chosen on the evaluation set reach")
    args = parser.parse_args(argv)
    params = {name: json.loads(value) for name, value in (p.split("=", 1) for p in args.param)}
    with tempfile.TemporaryDirectory() as tmp:
        seeds = args.keep or Path(tmp) / "seeds"
        seeds.mkdir(parents=True, exist_ok=True)
        _say(f"writing the user's seeds folder to {seeds}")
        user_seeds(seeds, pdf=not args.no_pdf)
        _say("training on the ten-domain seeds and tagging the evaluation set")
        result = score_taxonomy(seeds, params, with_ceiling=args.ceiling)
        if not args.no_hard:
            _say("training the shipped model and scoring it on hard_eval.jsonl")
            result["hard_eval"] = score_shipped(params)
        documents, scores = [], []
        if args.drops:
            documents = left_out_documents(seeds, args.drops)
            _say(f"retraining without each of {len(documents)} documents")
            scores = micro_without_each(seeds, params, documents, result["model"]["micro_f1"])
            result["drops"] = {"left_out": [None, *(d.name for d in documents)], "micro_f1": scores,
                               "min": min(scores), "max": max(scores), "mean": round(float(np.mean(scores)), 4)}
        if args.ablation:
            result["ablation"] = ablation(seeds, params, documents, scores)
    print(json.dumps(result, ensure_ascii=False, indent=1) if args.json else _table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
