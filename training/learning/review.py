"""The review queue (active learning): the pool paragraphs the model is least sure about, spread out.

Uncertainty is the distance, in logit terms, between a paragraph's calibrated probability and its
domain's threshold, taken over the domain closest to flipping (softmax models: the gap between the two
best domains). The batch is picked greedily from the most uncertain candidates, each pick penalised by
its highest cosine similarity (on the model's own TF-IDF features) to the paragraphs already picked, so
20 near-copies of one borderline sentence do not fill a batch.
"""
from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.preprocessing import normalize

from model.tagger import Tagger

# Candidates considered for diversity: enough that near-copies can be passed over, few enough to featurize fast.
CANDIDATES_PER_PICK, MIN_CANDIDATES = 5, 100
DIVERSITY = 1.0  # penalty per unit of cosine similarity, against uncertainty ranks scaled to [0, 1]
_EPS = 1e-4
SCORE_BATCH = 2048


@dataclass(frozen=True)
class Pick:
    """A paragraph chosen for review: its index in the scored list, margin (lower: less certain), why."""

    index: int
    margin: float
    reason: str


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def margins(tagger: Tagger, proba: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Per row: how far the model is from changing its tags (logit units), and the reason in words."""
    classes = list(tagger.classes_)
    if len(proba) == 0:
        return np.zeros(0), []
    if getattr(tagger, "mode_", "sigmoid") == "softmax" and len(classes) > 1:
        order = np.argsort(-proba, axis=1)
        rows = np.arange(len(proba))
        first, second = proba[rows, order[:, 0]], proba[rows, order[:, 1]]
        gap = np.log(np.clip(first, _EPS, 1) / np.clip(second, _EPS, 1))
        reasons = [f"ambiguous between {classes[a]} and {classes[b]}" for a, b in order[:, :2]]
        return gap, reasons
    distance = np.abs(_logit(proba) - _logit(np.asarray(tagger.thresholds_, dtype=np.float64)))
    closest = distance.argmin(axis=1)
    return distance[np.arange(len(proba)), closest], [f"closest to {classes[k]}'s threshold" for k in closest]


def score_in_batches(tagger: Tagger, texts: Sequence[str]) -> np.ndarray:
    """Calibrated probabilities of many texts, a batch at a time (bounded memory)."""
    out = np.zeros((len(texts), len(tagger.classes_)))
    for start in range(0, len(texts), SCORE_BATCH):
        out[start:start + SCORE_BATCH] = tagger.predict_proba(texts[start:start + SCORE_BATCH])
    return out


def select(tagger: Tagger, texts: Sequence[str], proba: np.ndarray, n: int,
           diversity: float = DIVERSITY) -> list[Pick]:
    """The `n` least certain texts, greedily spread out by cosine similarity (diversity=0: by margin only)."""
    if n <= 0 or not len(texts):
        return []
    margin, reasons = margins(tagger, proba)
    m = min(len(texts), max(MIN_CANDIDATES, CANDIDATES_PER_PICK * n))
    candidates = np.argsort(margin, kind="stable")[:m]
    if diversity <= 0 or n >= m:  # nothing to choose between
        chosen = list(candidates[:n])
    else:
        features = normalize(tagger.featurizer_.transform([texts[i] for i in candidates]))
        similarity = (features @ features.T).toarray()
        value = 1.0 - np.arange(m) / max(m - 1, 1)  # uncertainty rank, 1 = least certain
        closest = np.zeros(m)  # highest similarity to anything picked so far
        taken = np.zeros(m, dtype=bool)
        chosen = []
        for _ in range(min(n, m)):
            gain = np.where(taken, -np.inf, value - diversity * closest)
            best = int(gain.argmax())
            taken[best] = True
            chosen.append(candidates[best])
            closest = np.maximum(closest, similarity[best])
    return [Pick(int(i), float(margin[i]), reasons[i]) for i in chosen]


class ScoreCache:
    """Probabilities of pool items per model version, so a review round scores only what is new."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: str | None = None
        self._rows: dict[int, np.ndarray] = {}

    def proba(self, tagger: Tagger, version: str, ids: Sequence[int], texts: Sequence[str]) -> np.ndarray:
        """Rows for `ids` (scoring the ones not cached under `version`); forgets other versions."""
        with self._lock:
            if version != self._version:
                self._version, self._rows = version, {}
            missing = [k for k, i in enumerate(ids) if i not in self._rows]
            if missing:
                scored = score_in_batches(tagger, [texts[k] for k in missing])
                for k, row in zip(missing, scored):
                    self._rows[ids[k]] = row
            live = set(ids)
            if len(self._rows) > 2 * len(live) + 1000:  # reviewed items leave the pool; drop their rows
                self._rows = {i: r for i, r in self._rows.items() if i in live}
            if not ids:
                return np.zeros((0, len(tagger.classes_)))
            return np.vstack([self._rows[i] for i in ids])
