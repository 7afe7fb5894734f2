"""Label audit: the labelled paragraphs whose label the cross-validated model disagrees with most.

For each paragraph and domain, the disagreement is how far (in logit units) the out-of-fold probability
sits on the wrong side of the domain's threshold: below it for a given label, above it for a label not
given. A paragraph's score is its worst domain; it is listed when that is clearly on the wrong side
(FLAG_MARGIN: the model, not having seen the paragraph, would confidently tag it differently), most
confident disagreement first.

Out-of-fold probabilities come from the cross-validation training already ran (kept in the version's
manifest as `held_out`); a paragraph the served model never trained on is out of sample for it; anything
else (a `--cv 0` model) is cross-validated on demand once and cached in `<home>/audit/`.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from model.artifact import write_atomic
from model.explain import explain_terms
from model.rules import ranked_tags
from model.tagger import Tagger
from training.data.bootstrap import Example
from training.data.taxonomy import Taxonomy
from training.data.validation import normalize_key
from training.errors import AuditUnavailable
from training.learning.train import Progress, cross_validate, paragraph_key

_EPS = 1e-4
# A label is disputed when the out-of-fold probability sits past the threshold on the wrong side by at least
# this many logits (odds e times past it). 0 flags every cross-validation error, most of them not wrong labels;
# the policy model's calibration is sharp (most probabilities near 0 or 1), so a small margin still flags too
# much and a large one misses wrong labels. 2.0 has the best F1 on the repeats of benchmarks/audit.py it was
# chosen on (benchmarks/README.md has the figures).
FLAG_MARGIN = 2.0


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def disagreement(truth: np.ndarray, proba: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """(n, K) signed margins: > 0 where the probability sits on the wrong side of the threshold for the label."""
    side = np.where(truth.astype(bool), 1.0, -1.0)
    return side * (_logit(thresholds)[None, :] - _logit(proba))


def rank_label_issues(truth: np.ndarray, proba: np.ndarray, thresholds: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(disputed per paragraph, confidence against its label, row indices most suspicious first).

    Disputed: some domain's probability is FLAG_MARGIN logits past its threshold on the wrong side. The
    confidence is the model's probability against the given label on the worst disputed domain (every
    domain for an undisputed paragraph); disputed paragraphs come first, most confident first. Ranking by
    that probability rather than by the margin put more planted errors on top (0.86 vs 0.84 of the top k).
    """
    if len(truth) == 0:
        return np.zeros(0, dtype=bool), np.zeros(0), np.zeros(0, dtype=int)
    disputed_domain = disagreement(truth, proba, thresholds) > FLAG_MARGIN
    against = np.where(truth.astype(bool), 1.0 - proba, proba)
    disputed = disputed_domain.any(axis=1)
    confidence = np.where(disputed, np.where(disputed_domain, against, 0.0).max(axis=1), against.max(axis=1))
    return np.asarray(disputed), confidence, np.lexsort((-confidence, ~disputed))


@dataclass
class AuditItem:
    """One paragraph whose label the model disputes; `id` is its paragraph key."""

    id: str
    text: str
    labels: list[str]
    source: str
    heading: str
    label_from: str
    suggested: list[str]
    confidence: float
    probabilities: dict[str, float]
    reason: str
    evidence: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _cache_file(home: Path, version: str, keys: Sequence[str]) -> Path:
    digest = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:16]
    return home / "audit" / f"held_out-{version}-{digest}.json"


def out_of_fold(examples: Sequence[Example], taxonomy: Taxonomy, tagger: Tagger, manifest: Mapping[str, Any],
                home: Path, progress: Progress | None = None) -> np.ndarray:
    """(n, len(tagger.classes_)) probabilities of each example from a model that did not train on it."""
    classes = list(tagger.classes_)
    keys = [paragraph_key(e.text) for e in examples]
    out = np.full((len(examples), len(classes)), np.nan)
    held = manifest.get("held_out") or {}
    rows = dict(zip(held.get("keys", []), held.get("proba", [])))
    columns = [held.get("classes", []).index(c) if c in held.get("classes", []) else None for c in classes]
    for i, key in enumerate(keys):
        if key in rows and None not in columns:
            out[i] = [rows[key][j] for j in columns]
    trained_on = set(manifest.get("training_keys") or [])
    unseen = [int(i) for i in np.flatnonzero(np.isnan(out[:, 0])) if keys[i] not in trained_on]
    if unseen:  # the served model never saw these: its own scores are out of sample
        out[unseen] = tagger.predict_proba([examples[i].text for i in unseen])
    if np.isnan(out[:, 0]).any():
        out = _cross_validated(examples, taxonomy, classes, keys, manifest, home, progress, out)
    return out


def _cross_validated(examples: Sequence[Example], taxonomy: Taxonomy, classes: list[str], keys: list[str],
                     manifest: Mapping[str, Any], home: Path, progress: Progress | None, out: np.ndarray) -> np.ndarray:
    missing = np.isnan(out[:, 0])
    # Keyed by the paragraphs this version trained on without held-out scores: labelling new paragraphs
    # later does not make the audit cross-validate again (those are out of sample for the served model).
    path = _cache_file(home, str(manifest.get("version")), [keys[i] for i in np.flatnonzero(missing)])
    cached = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    if cached is None or any(keys[i] not in cached["rows"] for i in np.flatnonzero(missing)):
        if progress:
            progress(f"cross-validating {len(examples)} labelled paragraphs for the audit (cached afterwards)")
        report = cross_validate(list(examples), taxonomy, n_splits=5, progress=progress,
                                **(manifest.get("params") or {}))
        if "_held_out" not in report:
            raise AuditUnavailable(f"cannot audit yet: {report.get('note', 'cross-validation failed')}; label at least "
                                   "2 paragraphs of every domain (or train with --cv 5 so the audit can use the "
                                   "version's own held-out scores)")
        cv_classes, proba = report["_held_out"]
        cached = {"classes": cv_classes, "rows": dict(zip(keys, np.round(proba, 4).tolist()))}
        write_atomic(path, json.dumps(cached).encode("utf-8"))
    for i in np.flatnonzero(missing):
        row = cached["rows"].get(keys[i])
        if row is not None:
            out[i] = [row[cached["classes"].index(c)] if c in cached["classes"] else 0.0 for c in classes]
    return np.nan_to_num(out, nan=0.0)


def audit(examples: Sequence[Example], proba: np.ndarray, tagger: Tagger,
          checked: dict[str, tuple[str, ...]] | None = None, n: int = 20,
          explain: bool = True) -> list[AuditItem]:
    """The `n` paragraphs whose labels the out-of-fold `proba` disputes most, skipping labels a curator
    already checked (`checked`: normalised text key -> labels confirmed)."""
    classes = list(tagger.classes_)
    thresholds = np.asarray(tagger.thresholds_, dtype=np.float64)
    truth = np.array([[c in e.labels for c in classes] for e in examples], dtype=bool).reshape(len(examples),
                                                                                             len(classes))
    margin = disagreement(truth, proba, thresholds)
    disputed, confidence, order = rank_label_issues(truth, proba, thresholds)
    checked = checked or {}
    items: list[AuditItem] = []
    for i in order:
        if not disputed[i] or len(items) >= n:
            break
        example = examples[i]
        if checked.get(normalize_key(example.text)) == tuple(sorted(example.labels)):
            continue
        against = np.where(truth[i], 1.0 - proba[i], proba[i])
        k = int(np.where(margin[i] > FLAG_MARGIN, against, -1.0).argmax())
        p, t, domain = float(proba[i, k]), float(thresholds[k]), classes[k]
        suggested = suggestion(example.text, proba[i], tagger)
        if truth[i, k]:
            reason = f"labelled {domain}, but the cross-validated model gives {domain} {p:.2f} (threshold {t:.2f})"
        else:
            reason = f"not labelled {domain}, but the cross-validated model gives {domain} {p:.2f} (threshold {t:.2f})"
        evidence = {}
        if explain:
            for d in dict.fromkeys([*suggested, domain]):
                evidence[d] = explain_terms(tagger, example.text, d)
        items.append(AuditItem(
            id=paragraph_key(example.text), text=example.text, labels=list(example.labels),
            source=example.source, heading=example.heading, label_from=example.label_from,
            suggested=suggested, confidence=round(float(confidence[i]), 4),
            probabilities={c: round(float(proba[i, j]), 4) for j, c in enumerate(classes)},
            reason=reason, evidence=evidence))
    return items


def suggestion(text: str, proba_row: np.ndarray, tagger: Tagger) -> list[str]:
    """The labels the model would give a paragraph out of fold: its tags by `model.rules`, best first."""
    (tags,) = ranked_tags([text], proba_row[None, :], tagger.thresholds_)
    return [tagger.classes_[k] for k in tags]
