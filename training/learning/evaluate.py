"""Scoring a tagger on labelled texts: per-domain scores, confusions, calibration, worst mistakes.

`evaluate` returns a JSON-ready dict; `eval_text.format_report` renders it for a terminal and
`eval_html.write_html` as one self-contained page.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
from sklearn.metrics import precision_recall_fscore_support

from model.rules import cutoffs, rank_row, tag_mask

__all__ = ["CALIBRATION_BINS", "NONE", "Scorer", "evaluate"]

CALIBRATION_BINS = 15
NONE = "none"  # the confusion-matrix row/column for "about none of the domains"
TEXT_CHARS = 200
EXPLAIN_TERMS = 5


class Scorer(Protocol):
    """What `evaluate` needs from a model (`model.tagger.Tagger` has it)."""

    @property
    def classes_(self) -> Sequence[str]: ...

    @property
    def thresholds_(self) -> Sequence[float] | np.ndarray: ...

    def predict_proba(self, X: Sequence[str]) -> np.ndarray: ...

    def explain(self, text: str, label: str, top: int = 8) -> list[Any]: ...


def _r(x: float) -> float:
    return round(float(x), 4)


def _terms(tagger: Scorer, text: str, label: str) -> list[dict[str, Any]]:
    return [{"term": c.term, "kind": c.kind, "weight": _r(c.weight)}
            for c in tagger.explain(text, label, top=EXPLAIN_TERMS)]


def _truncate(text: str) -> str:
    return text if len(text) <= TEXT_CHARS else text[:TEXT_CHARS - 1] + "…"


def evaluate(tagger: Scorer, texts: Sequence[str], labels: Sequence[Sequence[str]],
             threshold: float | None = None, worst: int = 10) -> dict[str, Any]:
    """Score `tagger` on texts with their true label lists; returns a JSON-ready report dict.

    Tags are domains whose probability reaches its own threshold (or `threshold` for all). Precision,
    recall and F1 are 0 where undefined; the macro average covers the domains present in `labels`.
    """
    classes = [str(c) for c in tagger.classes_]
    texts, labels = list(texts), [list(dict.fromkeys(ls)) for ls in labels]
    if len(texts) != len(labels):
        raise ValueError(f"got {len(texts)} texts but {len(labels)} label lists")
    if not texts:
        raise ValueError("no texts to evaluate")
    index = {c: k for k, c in enumerate(classes)}
    unknown = sorted({x for ls in labels for x in ls if x not in index})
    if unknown:
        raise ValueError(f"unknown domain {unknown[0]!r}; the model knows: {', '.join(classes)}")

    n, k_count = len(texts), len(classes)
    proba = np.asarray(tagger.predict_proba(texts), dtype=np.float64)
    if proba.shape != (n, k_count):
        raise ValueError(f"predict_proba gave shape {proba.shape}, expected {(n, k_count)}")
    cut = cutoffs(tagger.thresholds_, threshold)
    truth = np.zeros((n, k_count), dtype=bool)
    for row, ls in enumerate(labels):
        truth[row, [index[x] for x in ls]] = True
    pred = tag_mask(texts, proba, tagger.thresholds_, threshold)

    # Per-domain and averaged precision / recall / F1.
    tp = (pred & truth).sum(axis=0)
    fp = (pred & ~truth).sum(axis=0)
    fn = (~pred & truth).sum(axis=0)
    # Zero where undefined (nothing predicted / nothing to find): scikit-learn's zero_division=0.
    p, r, f, _ = precision_recall_fscore_support(truth, pred, average=None, zero_division=0)
    per_domain: dict[str, dict[str, Any]] = {}
    for k, c in enumerate(classes):
        per_domain[c] = {"precision": _r(p[k]), "recall": _r(r[k]), "f1": _r(f[k]), "support": int(truth[:, k].sum()),
                         "predicted": int(pred[:, k].sum()), "tp": int(tp[k]), "fp": int(fp[k]), "fn": int(fn[k])}
    mp, mr, mf, _ = precision_recall_fscore_support(truth, pred, average="micro", zero_division=0)
    micro = {"precision": _r(mp), "recall": _r(mr), "f1": _r(mf), "support": int(truth.sum())}
    # A domain absent from the eval file has no recall to measure; averaging its zeros in would mislead.
    present = [c for c in classes if per_domain[c]["support"] > 0]
    kept = [index[c] for c in present]
    macro: dict[str, Any] = {m: (_r(np.mean(values[kept])) if present else None)
                             for m, values in (("precision", p), ("recall", r), ("f1", f))}
    macro["domains"] = present

    # Primary-domain confusion: first true label vs the top-scoring domain if it passes its threshold.
    names = [*classes, NONE]
    top = proba.argmax(axis=1)
    top_passes = pred[np.arange(n), top]
    matrix = np.zeros((k_count + 1, k_count + 1), dtype=int)
    for row in range(n):
        true_i = index[labels[row][0]] if labels[row] else k_count
        pred_i = int(top[row]) if top_passes[row] else k_count
        matrix[true_i, pred_i] += 1
    confusion = {"labels": names, "matrix": matrix.tolist(), "rows": "true", "columns": "predicted"}

    # Calibration over every (text, domain) pair.
    flat_p, flat_y = proba.ravel(), truth.ravel().astype(np.float64)
    bin_of = np.clip(np.floor(flat_p * CALIBRATION_BINS).astype(int), 0, CALIBRATION_BINS - 1)
    bins, ece = [], 0.0
    for b in range(CALIBRATION_BINS):
        mask = bin_of == b
        count = int(mask.sum())
        mean_p = float(flat_p[mask].mean()) if count else None
        observed = float(flat_y[mask].mean()) if count else None
        if mean_p is not None and observed is not None:
            ece += count / flat_p.size * abs(mean_p - observed)
        bins.append({"lower": _r(b / CALIBRATION_BINS), "upper": _r((b + 1) / CALIBRATION_BINS), "count": count,
                     "mean_predicted": None if mean_p is None else _r(mean_p),
                     "observed": None if observed is None else _r(observed)})
    brier = {c: _r(float(np.mean((proba[:, k] - truth[:, k]) ** 2))) for k, c in enumerate(classes)}
    calibration = {"bins": bins, "ece": _r(ece), "brier": brier}

    labelled = truth.any(axis=1)
    top_right = truth[np.arange(n), top]
    in_domain = _r(top_right[labelled].mean()) if labelled.any() else None
    first_right = top_right & top_passes  # the first (best) tag given is a true domain
    in_domain_first = _r(first_right[labelled].mean()) if labelled.any() else None
    untagged = np.asarray(~pred.any(axis=1))
    out_domain = _r(untagged[~labelled].mean()) if (~labelled).any() else None
    exact = _r((pred == truth).all(axis=1).mean())

    # Worst mistakes: a miss costs 1 - p (confidently missed), a wrong tag costs p (confidently wrong).
    errors = np.where(truth & ~pred, 1.0 - proba, 0.0) + np.where(~truth & pred, proba, 0.0)
    text_error = errors.max(axis=1)
    order = sorted((row for row in range(n) if text_error[row] > 0), key=lambda row: (-text_error[row], row))
    mistakes = []
    for row in order[:max(worst, 0)]:
        tags = [k for k in rank_row(proba[row].tolist()) if pred[row, k]]  # the tags, best first
        mistakes.append({
            "index": row,
            "text": _truncate(texts[row]),
            "true": labels[row],
            "predicted": [{"domain": classes[k], "score": _r(proba[row, k])} for k in tags],
            "error": _r(text_error[row]),
            "wrong": [{"domain": classes[k], "score": _r(proba[row, k]),
                       "terms": _terms(tagger, texts[row], classes[k])}
                      for k in tags if not truth[row, k]],
            "missed": [{"domain": c, "score": _r(proba[row, index[c]]), "terms": _terms(tagger, texts[row], c)}
                       for c in labels[row] if not pred[row, index[c]]],
        })

    return {
        "n_texts": n, "n_labelled": int(labelled.sum()), "n_unlabelled": int((~labelled).sum()),
        "threshold": threshold, "thresholds": {c: _r(cut[k]) for k, c in enumerate(classes)},
        "per_domain": per_domain, "micro": micro, "macro": macro, "confusion": confusion,
        "calibration": calibration, "in_domain_top1": in_domain, "in_domain_first_tag": in_domain_first,
        "out_of_domain_untagged": out_domain, "exact_tag_set": exact, "worst": mistakes,
    }


