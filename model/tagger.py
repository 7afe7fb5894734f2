"""`Tagger`: multi-label TF-IDF + linear SVM tagger with calibrated per-domain scores and thresholds.

Follows scikit-learn's estimator contract: `__init__` stores hyper-parameters, `fit` learns the attributes
ending in `_` and returns self, `predict_proba` rows hold one probability per class in `classes_`.
Each class gets a one-vs-rest LinearSVC; its scores are calibrated with Platt scaling on out-of-fold
decision values, and the per-class tag threshold is the one that maximised out-of-fold F1.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from model.features import Featurizer, analyze


@dataclass(frozen=True)
class Contribution:
    """How much one feature (a 'w:' word or 'c:' character n-gram) added to a class's decision value."""

    term: str
    kind: str  # "word" or "char"
    weight: float


def _labels_matrix(y: Sequence[Iterable[str]], classes: list[str]) -> np.ndarray:
    index = {c: i for i, c in enumerate(classes)}
    matrix = np.zeros((len(y), len(classes)), dtype=np.int8)
    for row, labels in enumerate(y):
        for label in labels:
            matrix[row, index[label]] = 1
    return matrix


def _best_threshold(proba: np.ndarray, truth: np.ndarray, lo: float, hi: float) -> float:
    """The threshold in [lo, hi] with the best F1 (ties: the one nearest 0.5)."""
    best, best_f1 = 0.5, -1.0
    for t in np.round(np.arange(lo, hi + 1e-9, 0.01), 2):
        pred = proba >= t
        tp = int(np.sum(pred & (truth == 1)))
        denom = int(pred.sum() + truth.sum())
        f1 = 2 * tp / denom if denom else 0.0
        if f1 > best_f1 + 1e-12 or (abs(f1 - best_f1) <= 1e-12 and abs(t - 0.5) < abs(best - 0.5)):
            best, best_f1 = float(t), f1
    return best


class Tagger(BaseEstimator):
    """Multi-label text tagger; `y` is a list of label lists (an empty list: about none of the classes)."""

    def __init__(self, char_ngrams: tuple[int, int] = (1, 3), word_ngrams: tuple[int, int] = (1, 2),
                 min_df: int = 1, max_features: int | None = None, C: float = 0.5,
                 class_weight: str | None = "balanced", cv: int = 5,
                 threshold_range: tuple[float, float] = (0.25, 0.75), random_state: int = 0):
        self.char_ngrams = char_ngrams
        self.word_ngrams = word_ngrams
        self.min_df = min_df
        self.max_features = max_features
        self.C = C
        self.class_weight = class_weight
        self.cv = cv
        self.threshold_range = threshold_range
        self.random_state = random_state

    # -- fitting -------------------------------------------------------------------------------------
    def _analyze(self, texts: Sequence[str]) -> list[list[str]]:
        return [analyze(t, tuple(self.char_ngrams), tuple(self.word_ngrams)) for t in texts]

    def _fit_linear(self, analyses: Sequence[Sequence[str]], Y: np.ndarray) -> tuple[Featurizer, np.ndarray, np.ndarray]:
        featurizer = Featurizer(self.min_df, self.max_features).fit(analyses)
        X = featurizer.transform(analyses)
        n_features, n_classes = X.shape[1], Y.shape[1]
        W = np.zeros((n_features, n_classes), dtype=np.float32)
        b = np.full(n_classes, -1.0, dtype=np.float32)  # a class never seen as positive scores low
        for k in range(n_classes):
            if 0 < Y[:, k].sum() < len(Y):
                svm = LinearSVC(C=self.C, class_weight=self.class_weight, random_state=self.random_state)
                svm.fit(X, Y[:, k])
                W[:, k] = svm.coef_[0]
                b[k] = svm.intercept_[0]
            elif Y[:, k].all():
                b[k] = 1.0
        # Row-major float32 so one text's scores are a gather of a few rows (see DESIGN: weight layout).
        return featurizer, np.ascontiguousarray(W), b

    def _folds(self, Y: np.ndarray, groups: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        primary = np.where(Y.any(axis=1), Y.argmax(axis=1), -1)
        # Each class needs positives in several groups for its held-out scores to mean anything.
        per_class = [len(set(groups[Y[:, k] == 1])) for k in range(Y.shape[1])]
        n_splits = min([self.cv, *per_class]) if per_class else 0
        if n_splits < 2:
            return []
        splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=self.random_state)
        return list(splitter.split(np.zeros(len(Y)), primary, groups))

    def fit(self, X: Sequence[str], y: Sequence[Iterable[str]], groups: Sequence[object] | None = None,
            classes: Sequence[str] | None = None) -> Tagger:
        """Fit on texts `X` and label lists `y`; rows sharing a `groups` value stay in one CV fold."""
        X = list(X)
        y = [list(labels) for labels in y]
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} texts but y has {len(y)} label lists")
        if not X:
            raise ValueError("cannot fit on zero texts")
        self.classes_ = list(classes) if classes is not None else sorted({c for labels in y for c in labels})
        if not self.classes_:
            raise ValueError("no labels in y: give at least one labelled text")
        Y = _labels_matrix(y, self.classes_)
        group_ids = np.asarray(groups if groups is not None else range(len(X)))
        analyses = self._analyze(X)

        oof = np.zeros(Y.shape, dtype=np.float64)
        folds = self._folds(Y, group_ids)
        for train, test in folds:
            featurizer, W, b = self._fit_linear([analyses[i] for i in train], Y[train])
            oof[test] = featurizer.transform([analyses[i] for i in test]) @ W + b
        self.calibration_ = np.tile(np.array([1.0, 0.0]), (len(self.classes_), 1))
        self.thresholds_ = np.full(len(self.classes_), 0.5)
        if folds:
            lo, hi = self.threshold_range
            for k in range(len(self.classes_)):
                if 0 < Y[:, k].sum() < len(Y):
                    platt = LogisticRegression(C=1.0).fit(oof[:, [k]], Y[:, k])
                    self.calibration_[k] = (platt.coef_[0, 0], platt.intercept_[0])
                    proba = 1.0 / (1.0 + np.exp(-(oof[:, k] * self.calibration_[k, 0] + self.calibration_[k, 1])))
                    self.thresholds_[k] = _best_threshold(proba, Y[:, k], lo, hi)
        self.featurizer_, self.coef_, self.intercept_ = self._fit_linear(analyses, Y)
        self.n_train_ = len(X)
        return self

    # -- scoring -------------------------------------------------------------------------------------
    def decision_function(self, X: Sequence[str]) -> np.ndarray:
        """Raw linear scores, shape (n_texts, n_classes)."""
        check_is_fitted(self, "coef_")
        rows = self.featurizer_.transform(self._analyze(list(X)))
        return np.asarray(rows @ self.coef_) + self.intercept_

    def _calibrate(self, scores: np.ndarray) -> np.ndarray:
        z = scores * self.calibration_[:, 0] + self.calibration_[:, 1]
        return 1.0 / (1.0 + np.exp(-z))

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """Calibrated probability per class (columns follow `classes_`); rows need not sum to 1."""
        return self._calibrate(self.decision_function(X))

    def predict(self, X: Sequence[str], threshold: float | None = None) -> list[list[str]]:
        """Label lists: classes whose probability reaches its threshold (or `threshold` for all)."""
        proba = self.predict_proba(X)
        cut = self.thresholds_ if threshold is None else np.full(len(self.classes_), threshold)
        return [[self.classes_[k] for k in np.argsort(-row) if row[k] >= cut[k]] for row in proba]

    def score_one(self, text: str) -> np.ndarray:
        """Calibrated probabilities of one text without scikit-learn's per-call overhead (same values)."""
        check_is_fitted(self, "coef_")
        idx, values = self.featurizer_.vector(analyze(text, tuple(self.char_ngrams), tuple(self.word_ngrams)))
        scores = values @ self.coef_[idx] + self.intercept_ if len(idx) else self.intercept_.astype(np.float64)
        return self._calibrate(scores)

    def explain(self, text: str, label: str, top: int = 8) -> list[Contribution]:
        """The features that pushed `label`'s decision value most (positive first); they sum, with the
        intercept, to the decision value."""
        check_is_fitted(self, "coef_")
        k = self.classes_.index(label)
        idx, values = self.featurizer_.vector(analyze(text, tuple(self.char_ngrams), tuple(self.word_ngrams)))
        contributions = values * self.coef_[idx, k]
        names = self._names()
        order = np.argsort(-contributions)[:top]
        return [Contribution(names[idx[i]][2:], "word" if names[idx[i]].startswith("w:") else "char",
                             float(contributions[i])) for i in order if contributions[i] > 0]

    def __getstate__(self) -> dict[str, object]:
        state = super().__getstate__()
        state.pop("_feature_names", None)  # a cache, rebuilt on demand
        return state

    def _names(self) -> list[str]:
        if getattr(self, "_feature_names", None) is None:
            self._feature_names = self.featurizer_.feature_names()
        return self._feature_names
