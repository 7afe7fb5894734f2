"""`Tagger`: multi-label TF-IDF + linear tagger with calibrated per-domain scores and thresholds.

Follows scikit-learn's estimator contract: `__init__` stores hyper-parameters, `fit` learns the attributes
ending in `_` and returns self, `predict_proba` rows hold one probability per class in `classes_`.

Each class gets a one-vs-rest LinearSVC, and a complement naive Bayes model over the same features adds
what the SVM misses on rare n-grams. Both are linear in the TF-IDF row, so their combination is folded into
one weight matrix `coef_`: a decision value is one sparse product and `explain` is exact. The combination
and the calibration are learned from out-of-fold decision values:
- multi-label data (or data with negatives): a fixed blend (`nb_weight`), then Platt scaling per class;
- data where every text has exactly one label (`calibration="auto"` picks it): a multinomial logistic
  regression on the two models' out-of-fold scores (stacking: it learns the blend per class and the
  calibration at once), whose softmax gives the probabilities.
The per-class tag threshold is the one that maximises out-of-fold F1 (`model/calibration.py`; the linear
models are in `model/linear.py`). Fitting tokenises once, folds reweigh the same counts, and the per-class
SVMs of large data sets run in `n_jobs` worker processes. benchmarks/README.md has what each part buys.
"""
from __future__ import annotations

import inspect
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from model.calibration import best_threshold, check_weighting, class_weights, row_weights, softmax
from model.errors import ArtifactError, NotFittedError
from model.features import Featurizer, display_term, run_starts
from model.linear import blend, fit_components
from model.rules import ranked_tags

# Bumped when the features or the scoring change so that an artefact written by another version would
# score differently; loading such an artefact fails with a message to retrain.
FORMAT = 2
# Memory bounds of scoring: texts (and their characters) n-grammed at a time, and (row, class) products
# formed at a time. Results do not depend on them: every row is summed on its own, in column order.
_CHUNK_TEXTS, _CHUNK_CHARS, _CHUNK_ENTRIES = 2048, 1 << 18, 1 << 17


def _chunks(texts: Sequence[str]) -> Iterator[tuple[int, Sequence[str]]]:
    start, chars = 0, 0
    for end, text in enumerate(texts):
        if end > start and (end - start >= _CHUNK_TEXTS or chars + len(text) > _CHUNK_CHARS):
            yield start, texts[start:end]
            start, chars = end, 0
        chars += len(text)
    if start < len(texts):
        yield start, texts[start:]


# Inverse regularisation of the per-class Platt scaling. Platt's method is unregularised; C=1 shrank the
# slope and left the policy model under-confident (fixture ECE 0.058 -> 0.015 with this; see README).
PLATT_C = 100.0

@dataclass(frozen=True)
class Contribution:
    """How much one feature (a 'w:' word or 'c:' character n-gram) added to a class's decision value."""

    term: str
    kind: str  # "word" or "char"
    weight: float


def _known_matrix(known: Sequence[Iterable[str] | None] | None, n_rows: int, classes: list[str]) -> np.ndarray:
    """Which (text, class) labels are known: True where the text's label for the class was judged."""
    if known is None:
        return np.ones((n_rows, len(classes)), dtype=bool)
    if len(known) != n_rows:
        raise ValueError(f"known has {len(known)} entries for {n_rows} texts")
    index = {c: i for i, c in enumerate(classes)}
    matrix = np.zeros((n_rows, len(classes)), dtype=bool)
    for row, judged in enumerate(known):
        if judged is None:
            matrix[row] = True
        else:
            matrix[row, [index[c] for c in judged if c in index]] = True
    return matrix


def _platt(scores: np.ndarray, Y: np.ndarray, M: np.ndarray, weights: np.ndarray | None, class_prior: str
           ) -> np.ndarray:
    """Per-class Platt scaling (slope, intercept) of out-of-fold decision values, fitted on the rows whose label
    for the class is known; (1, 0) for a class with no positive or no negative there."""
    from sklearn.linear_model import LogisticRegression

    calibration = np.tile(np.array([1.0, 0.0]), (Y.shape[1], 1))
    for k in range(Y.shape[1]):
        rows = M[:, k]
        if 0 < Y[rows, k].sum() < rows.sum():
            platt = LogisticRegression(C=PLATT_C).fit(scores[rows][:, [k]], Y[rows, k],
                                                      sample_weight=class_weights(weights, Y, k, M, class_prior))
            calibration[k] = (platt.coef_[0, 0], platt.intercept_[0])
    return calibration


def _platt_proba(scores: np.ndarray, Y: np.ndarray, M: np.ndarray, weights: np.ndarray | None,
                 class_prior: str) -> np.ndarray:
    calibration = _platt(scores, Y, M, weights, class_prior)
    return 1.0 / (1.0 + np.exp(-(scores * calibration[:, 0] + calibration[:, 1])))


def _labels_matrix(y: Sequence[Iterable[str]], classes: list[str]) -> np.ndarray:
    index = {c: i for i, c in enumerate(classes)}
    matrix = np.zeros((len(y), len(classes)), dtype=np.int8)
    for row, labels in enumerate(y):
        for label in labels:
            try:
                matrix[row, index[label]] = 1
            except KeyError:
                raise ValueError(f"unknown label {label!r} in y; known: {', '.join(classes)}") from None
    return matrix


class Tagger:
    """Multi-label text tagger; `y` is a list of label lists (an empty list: about none of the classes).

    min_df: keep features seen in at least this many training texts; "auto": 1 below 5,000 texts, else 2
    (on large data 2 keeps a small share of the features for a small loss of accuracy and fits faster; on a few
    hundred paragraphs, whose augmentation repeats texts, it loses macro-F1; benchmarks/README.md has the
    figures). char_ngrams, word_ngrams: (lo, hi) with n <= 3.
    calibration: "sigmoid" (per class, Platt), "softmax" (stacked multinomial model; rows sum to 1; needs
    one label per text) or "auto" (softmax when every training text has exactly one label).
    n_jobs: worker processes fitting the per-class SVMs on large data (None: one per CPU core, at most 4;
    the model does not depend on it).
    calibration_unit, none_share (per-class Platt scaling and thresholds only): "group" makes every group of
    rows count once (augmented rows of one paragraph share a group), and none_share weighs the texts with
    no label to that share of the whole, the share expected in real input (None: as given). Augmented,
    class-balanced rows otherwise overstate how often each class occurs, which raises the scores of text
    with no evidence for any class.
    class_prior (per-class Platt scaling and thresholds only): "labelled" calibrates each class with its
    texts at the weight they have; "balanced" weighs each class's texts to the average class's share. How
    many paragraphs a curator labelled says how much work went into a domain, not how often it occurs: with
    "labelled", a new domain with ten short paragraphs among two hundred is calibrated as if it were that rare,
    and its probabilities stay below 0.5 (README.md, "Your own taxonomy", has the figures).
    complete_below (per-class Platt scaling with partial labels only): an unknown (text, class) label whose
    held-out probability is under this is taken as a negative, and the held-out folds are fitted again with it
    (0: unknown labels stay unknown). Positives are never made this way.
    """

    def __init__(self, char_ngrams: tuple[int, int] = (1, 3), word_ngrams: tuple[int, int] = (1, 2),
                 min_df: int | str = "auto", max_features: int | None = None, C: float = 0.5,
                 class_weight: str | None = "balanced", cv: int = 5,
                 threshold_range: tuple[float, float] = (0.25, 0.75), random_state: int = 0,
                 nb_weight: float = 0.3, nb_alpha: float = 0.1, calibration: str = "auto",
                 n_jobs: int | None = None, calibration_unit: str = "row", none_share: float | None = None,
                 class_prior: str = "labelled", complete_below: float = 0.0):
        self.char_ngrams = char_ngrams
        self.word_ngrams = word_ngrams
        self.min_df = min_df
        self.max_features = max_features
        self.C = C
        self.class_weight = class_weight
        self.cv = cv
        self.threshold_range = threshold_range
        self.random_state = random_state
        self.nb_weight = nb_weight
        self.nb_alpha = nb_alpha
        self.calibration = calibration
        self.n_jobs = n_jobs
        self.calibration_unit = calibration_unit
        self.none_share = none_share
        self.class_prior = class_prior
        self.complete_below = complete_below

    # -- scikit-learn's estimator contract (get_params/set_params, so `sklearn.base.clone` works), without
    # inheriting BaseEstimator: a fitted Tagger holds only numpy arrays and the featurizer, so tagging (and
    # every `policytag tag` or `serve` start) never imports scikit-learn.
    @classmethod
    def _get_param_names(cls) -> list[str]:
        return sorted(p.name for p in inspect.signature(cls.__init__).parameters.values()
                      if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The hyper-parameters given to `__init__` (none of them is an estimator, so `deep` changes nothing)."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params: Any) -> Tagger:
        valid = self._get_param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"Invalid parameter {name!r} for estimator {type(self).__name__}. "
                                 f"Valid parameters are: {valid!r}.")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = type(self)().get_params()
        changed = {k: v for k, v in self.get_params().items() if v != defaults[k]}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    # -- fitting -------------------------------------------------------------------------------------
    def _folds(self, Y: np.ndarray, groups: np.ndarray | None) -> list[tuple[np.ndarray, np.ndarray]]:
        from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

        primary = np.where(Y.any(axis=1), Y.argmax(axis=1), -1)
        if groups is None:
            # Every text its own group: plain stratified folds (StratifiedGroupKFold is slow on many groups).
            strata = np.bincount(primary + 1)
            positives = Y.sum(axis=0)
            positives = positives[positives > 0]
            n_splits = min(self.cv, int(positives.min()) if len(positives) else 0, int(strata[strata > 0].min()))
            if n_splits < 2:
                return []
            splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=self.random_state)
            return list(splitter.split(np.zeros(len(Y)), primary))
        # Each class needs positives in several groups for its held-out scores to mean anything.
        per_class = [len(set(groups[Y[:, k] == 1])) for k in range(Y.shape[1]) if Y[:, k].any()]
        n_splits = min([self.cv, *per_class]) if per_class else 0
        if n_splits < 2:
            return []
        splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=self.random_state)
        return list(splitter.split(np.zeros(len(Y)), primary, groups))

    def _mode(self, Y: np.ndarray) -> str:
        if self.calibration not in ("auto", "sigmoid", "softmax"):
            raise ValueError(f"calibration={self.calibration!r}; use 'auto', 'sigmoid' or 'softmax'")
        if self.calibration != "auto":
            return self.calibration
        one_label = Y.shape[1] > 1 and bool(np.all(Y.sum(axis=1) == 1)) and bool(Y.any(axis=0).all())
        return "softmax" if one_label else "sigmoid"

    def fit(self, X: Sequence[str], y: Sequence[Iterable[str]], groups: Sequence[object] | None = None,
            classes: Sequence[str] | None = None, known: Sequence[Iterable[str] | None] | None = None,
            units: Sequence[object] | None = None) -> Tagger:
        """Fit on texts `X` and label lists `y`; rows sharing a `groups` value stay in one CV fold.

        `units` (default: `groups`) are what calibration counts once under calibration_unit="group": the rows
        made from one paragraph (its windows and repeats), where `groups` may be whole documents, so that the
        held-out scores that calibration and thresholds learn from are those of documents the model has not seen.

        `known` gives, per text, the classes its labels were judged for (None: every class): a text is a
        negative of a class only where that class is known, and a class learns, calibrates and picks its
        threshold only from the texts whose label for it is known (partial labels, as weak supervision gives).
        """
        from sklearn.linear_model import LogisticRegression  # here, not at the top: tagging needs no scikit-learn

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
        M = _known_matrix(known, len(X), self.classes_) | Y.astype(bool)  # a label given is a label known
        units = groups if units is None else units
        check_weighting(self.calibration_unit, self.class_prior, self.none_share)
        cal_w = row_weights(Y, None if units is None else np.asarray(units), self.calibration_unit, self.none_share)
        fit_linear = partial(fit_components, C=self.C, class_weight=self.class_weight, random_state=self.random_state,
                             nb_weight=self.nb_weight, nb_alpha=self.nb_alpha, n_jobs=self.n_jobs)
        mode = self._mode(Y)
        if mode == "softmax" and not (np.all(Y.sum(axis=1) == 1) and Y.any(axis=0).all()):
            raise ValueError("calibration='softmax' needs exactly one label per text and a text for every "
                             "class; use calibration='sigmoid'")

        min_df = (1 if len(X) < 5000 else 2) if self.min_df == "auto" else int(self.min_df)
        (c_lo, c_hi), (w_lo, w_hi) = self.char_ngrams, self.word_ngrams
        featurizer = Featurizer((c_lo, c_hi), (w_lo, w_hi), min_df, self.max_features)
        counts = featurizer.fit_counts(X)  # tokenised once; folds reweigh these counts
        folds = self._folds(Y, None if groups is None else np.asarray(groups))
        n_classes = Y.shape[1]

        def out_of_fold(M: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
            """Out-of-fold decision values of the fixed blend, and of each model (for stacking; [] when the folds
            fitted different numbers of models)."""
            oof_blend = np.zeros(Y.shape)
            oof_models: list[np.ndarray] = []
            consistent = True
            for train, test in folds:
                # Features as a featurizer fitted on the training rows alone would weigh them.
                idf = featurizer.idf_for(counts[train])
                components = fit_linear(featurizer.weigh(counts[train], idf, np.float64), Y[train], M[train])
                X_test = featurizer.weigh(counts[test], idf, np.float64)
                W, b = blend(components, self.nb_weight)
                oof_blend[test] = X_test @ W + b
                if not oof_models:
                    oof_models = [np.zeros(Y.shape) for _ in components]
                consistent &= len(components) == len(oof_models)
                for block, (W, b) in zip(oof_models, components):
                    block[test] = X_test @ W + b
            return oof_blend, oof_models if consistent else []

        oof_blend, oof_models = out_of_fold(M)
        self.completed_ = 0
        if self.complete_below and mode == "sigmoid" and folds and not M.all():
            # Partial labels completed where the held-out scores are confident: a weak negative's other domains and
            # a domain whose keyword stands in a paragraph's body are unknown, and most of them are not about it.
            held_out = _platt_proba(oof_blend, Y, M, cal_w, self.class_prior)
            completed = ~M & (held_out < self.complete_below)
            self.completed_ = int(completed.sum())
            M = M | completed
            oof_blend, oof_models = out_of_fold(M)
        stackable = mode == "softmax" and bool(folds) and bool(oof_models)
        kept = featurizer.compact(featurizer.idf_for(counts))
        components = fit_linear(featurizer.weigh(counts[:, kept], dtype=np.float64), Y, M)

        self.mode_ = mode
        self.calibration_ = np.tile(np.array([1.0, 0.0]), (n_classes, 1))
        self.thresholds_ = np.full(n_classes, 0.5)
        W, b = blend(components, self.nb_weight)
        if folds:
            if stackable and len(components) == len(oof_models):
                # Stacking: a multinomial model on all models' out-of-fold scores. It is linear in them, so
                # it folds into the weights: W = sum_j W_j A_j^T, b = sum_j b_j A_j^T + c.
                stack = LogisticRegression(C=0.1, max_iter=1000).fit(np.hstack(oof_models), Y.argmax(axis=1))
                coef, intercept = stack.coef_, stack.intercept_
                if n_classes == 2:  # one logit z for the second class: the same softmax as logits (-z/2, z/2)
                    coef, intercept = np.vstack([-coef / 2, coef / 2]), np.array([-intercept[0], intercept[0]]) / 2
                A = np.split(coef, len(components), axis=1)
                W = sum(Wj @ Aj.T for (Wj, _), Aj in zip(components, A))
                b = sum(bj @ Aj.T for (_, bj), Aj in zip(components, A)) + intercept
                proba = softmax(sum(o @ Aj.T for o, Aj in zip(oof_models, A)) + intercept)
            elif mode == "softmax":
                proba = softmax(oof_blend)
            else:
                self.calibration_ = _platt(oof_blend, Y, M, cal_w, self.class_prior)
                proba = self._calibrate(oof_blend)
            lo, hi = self.threshold_range
            for k in range(n_classes):
                rows = M[:, k]
                if 0 < Y[rows, k].sum() < rows.sum():
                    self.thresholds_[k] = best_threshold(proba[rows, k], Y[rows, k], lo, hi,
                                                         class_weights(cal_w, Y, k, M, self.class_prior))
        self.featurizer_ = featurizer
        # Row-major float32 so one text's scores are a gather of a few rows; a layout that does not suit
        # the sparse product would be copied on every call.
        self.coef_ = np.ascontiguousarray(W, dtype=np.float32)
        self.intercept_ = b.astype(np.float32)
        self.n_train_ = len(X)
        self.format_ = FORMAT
        return self

    # -- scoring -------------------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        # What sklearn's check_is_fitted says, without its per-call cost, which is large beside scoring one title.
        if not hasattr(self, "coef_"):
            raise NotFittedError(f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with "
                                 "appropriate arguments before using this estimator.")

    def _scores(self, texts: Sequence[str]) -> np.ndarray:
        """Decision values (float64): per text, the sum of TF-IDF value x weight over its features, in
        column order, plus the intercept. numpy only, one code path for one text and for many (so
        `score_one` and `predict_proba` agree exactly), in chunks that bound the memory used."""
        n_classes = len(self.classes_)
        out = np.empty((len(texts), n_classes))
        for start, chunk in _chunks(texts):
            rows, cols, values = self.featurizer_.entries(chunk)
            scores = np.zeros((len(chunk), n_classes))
            if len(rows):
                first = run_starts(rows)  # where each text's entries start
                groups = run_starts(first // _CHUNK_ENTRIES)
                for a, b in zip(groups, [*groups[1:], len(first)]):
                    lo, hi = first[a], (first[b] if b < len(first) else len(rows))
                    # Row-major float32 coef_: a text's weights are a gather of a few contiguous rows.
                    products = self.coef_[cols[lo:hi]] * values[lo:hi, None]
                    scores[rows[first[a:b]]] = np.add.reduceat(products, first[a:b] - lo, axis=0)
            out[start:start + len(chunk)] = scores + self.intercept_
        return out

    def decision_function(self, X: Sequence[str]) -> np.ndarray:
        """Raw linear scores, shape (n_texts, n_classes)."""
        self._check_fitted()
        return self._scores(list(X))

    def _calibrate(self, scores: np.ndarray) -> np.ndarray:
        scores = np.asarray(scores, dtype=np.float64)
        if self.mode_ == "softmax":
            return softmax(scores)
        z = scores * self.calibration_[:, 0] + self.calibration_[:, 1]
        return 1.0 / (1.0 + np.exp(-z))

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """Calibrated probability per class (columns follow `classes_`); rows sum to 1 in softmax mode."""
        return self._calibrate(self.decision_function(X))

    def predict(self, X: Sequence[str], threshold: float | None = None) -> list[list[str]]:
        """Label lists: the tags of each text under `model.rules` (its thresholds, or `threshold` for all), best
        first."""
        texts = list(X)
        return [[self.classes_[k] for k in tags]
                for tags in ranked_tags(texts, self.predict_proba(texts), self.thresholds_, threshold)]

    def score_one(self, text: str) -> np.ndarray:
        """Calibrated probabilities of one text without scikit-learn's per-call overhead (the same values
        as `predict_proba`: the same featurizer and product, without input validation)."""
        self._check_fitted()
        return self._calibrate(self._scores([text]))[0]

    def explain(self, text: str, label: str, top: int = 8) -> list[Contribution]:
        """The features that pushed `label`'s decision value most (positive first); all contributions sum,
        with the intercept, to the decision value (the blend is one weight matrix)."""
        self._check_fitted()
        k = self.classes_.index(label)
        _, idx, values = self.featurizer_.entries([text])
        contributions = values * self.coef_[idx, k]
        names = self._names()
        order = np.argsort(-contributions, kind="stable")[:top]
        return [Contribution(display_term(names[idx[i]]), "word" if names[idx[i]].startswith("w:") else "char",
                             float(contributions[i])) for i in order if contributions[i] > 0]

    def contributions(self, text: str, label: str) -> list[tuple[str, float]]:
        """Every feature of `text` as (name, contribution to `label`'s decision value); names are 'c:'/'w:'
        plus the n-gram (words joined by a space, text boundaries as features.BOS/EOS). With the intercept
        they sum to the decision value."""
        self._check_fitted()
        k = self.classes_.index(label)
        _, idx, values = self.featurizer_.entries([text])
        names = self._names()
        return [(names[i], float(v) * float(w)) for i, v, w in zip(idx.tolist(), values.tolist(),
                                                                  self.coef_[idx, k].tolist())]

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_feature_names", None)  # a cache, rebuilt on demand
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if "featurizer_" in state and state.get("format_") != FORMAT:
            raise ArtifactError(f"this model was saved by another policytag version (model format "
                                f"{state.get('format_', 1)}, this version reads {FORMAT}); "
                                "retrain with `policytag train`")
        # Hyper-parameters that change fitting only; a model saved without them was fitted with their defaults.
        state.setdefault("calibration_unit", "row")
        state.setdefault("none_share", None)
        state.setdefault("class_prior", "labelled")
        state.setdefault("complete_below", 0.0)
        # A Tagger pickled as a scikit-learn estimator carries its library version; the manifest keeps that, so
        # the attribute is dropped.
        state.pop("_sklearn_version", None)
        self.__dict__.update(state)

    def _names(self) -> list[str]:
        if getattr(self, "_feature_names", None) is None:
            self._feature_names = self.featurizer_.feature_names()
        return self._feature_names
