"""How a `Tagger` turns decision values into probabilities and tags: the weight each training row has in the
per-class Platt fit and the threshold choice, the threshold with the best held-out F1, and softmax."""
from __future__ import annotations

import numpy as np


def best_threshold(proba: np.ndarray, truth: np.ndarray, lo: float, hi: float,
                   weight: np.ndarray | None = None) -> float:
    """The threshold in [lo, hi] with the best (weighted) F1 (ties: the one nearest 0.5)."""
    best, best_f1 = 0.5, -1.0
    w = np.ones(len(truth)) if weight is None else np.asarray(weight, dtype=np.float64)
    positives = float(w[truth == 1].sum())
    for t in np.round(np.arange(lo, hi + 1e-9, 0.01), 2):
        pred = proba >= t
        tp = float(w[pred & (truth == 1)].sum())
        denom = float(w[pred].sum()) + positives
        f1 = 2 * tp / denom if denom else 0.0
        if f1 > best_f1 + 1e-12 or (abs(f1 - best_f1) <= 1e-12 and abs(t - 0.5) < abs(best - 0.5)):
            best, best_f1 = float(t), f1
    return best


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def check_weighting(calibration_unit: str, class_prior: str, none_share: float | None) -> None:
    """ValueError naming a bad calibration setting."""
    if calibration_unit not in ("row", "group"):
        raise ValueError(f"calibration_unit={calibration_unit!r}; use 'row' or 'group'")
    if class_prior not in ("labelled", "balanced"):
        raise ValueError(f"class_prior={class_prior!r}; use 'labelled' or 'balanced'")
    if none_share is not None and not 0 < none_share < 1:
        raise ValueError(f"none_share={none_share!r}; give a share strictly between 0 and 1, or None")


def row_weights(Y: np.ndarray, units: np.ndarray | None, calibration_unit: str, none_share: float | None
                ) -> np.ndarray | None:
    """How much each row counts in the Platt fit and the threshold choice (None: 1 each)."""
    if calibration_unit == "row" and none_share is None:
        return None
    w = np.ones(len(Y))
    if calibration_unit == "group" and units is not None:
        # Every unit (a paragraph with its windows and repeats) counts once, as a paragraph does in use.
        _, inverse, sizes = np.unique(units.astype(str), return_inverse=True, return_counts=True)
        w = 1.0 / sizes[inverse]
    none = ~Y.any(axis=1)
    if none_share is not None and none.any() and (~none).any():
        # Texts about none of the classes weighted to their expected share of real input.
        w[none] *= none_share / (1 - none_share) * w[~none].sum() / w[none].sum()
    return w * len(w) / w.sum()


def class_weights(w: np.ndarray | None, Y: np.ndarray, k: int, M: np.ndarray, class_prior: str) -> np.ndarray:
    """Row weights for class k's calibration, for the rows whose label for k is known: `w`, with k's texts
    rescaled under class_prior="balanced" to the share of the average class."""
    known = M[:, k]
    w = np.ones(len(Y)) if w is None else w.copy()
    if class_prior == "balanced":
        present = [j for j in range(Y.shape[1]) if Y[M[:, j], j].any()]
        shares = [float(w[M[:, j] & (Y[:, j] == 1)].sum()) / float(w[M[:, j]].sum()) for j in present]
        mine = float(w[known & (Y[:, k] == 1)].sum()) / float(w[known].sum())
        target = float(np.mean(shares)) if shares else 0.0
        if 0 < mine < 1 and target < 1:
            # Odds of k scaled so its texts weigh the target share (how many paragraphs a curator labelled
            # says how much they worked on a domain, not how often it occurs).
            w[Y[:, k] == 1] *= target / (1 - target) * (1 - mine) / mine
    w = w[known]
    return w * len(w) / w.sum()
