"""The linear models inside a `Tagger`: one-vs-rest LinearSVCs and a complement naive Bayes model, each a
weight matrix over the TF-IDF features, and their fixed blend (so a decision value is one sparse product)."""
from __future__ import annotations

import os

import numpy as np
import scipy.sparse as sp

# Fit the per-class SVMs in worker processes from this much work on (stored entries x classes); below it,
# starting workers costs more than it saves.
_PARALLEL_WORK = 5_000_000
Component = tuple[np.ndarray, np.ndarray]  # (W, b): decision values X @ W + b


def _svm(X: sp.csr_matrix, y: np.ndarray, C: float, class_weight: str | None, random_state: int
         ) -> tuple[np.ndarray, float]:
    from sklearn.svm import LinearSVC

    model = LinearSVC(C=C, class_weight=class_weight, random_state=random_state).fit(X, y)
    return model.coef_[0], float(model.intercept_[0])


def processes(n_jobs: int | None) -> int:
    """Worker processes for `n_jobs` (None: one per CPU core, at most 4; negative: every core)."""
    if n_jobs is None:
        return max(1, min(os.cpu_count() or 1, 4))
    return max(1, os.cpu_count() or 1) if n_jobs < 0 else max(1, n_jobs)


def fit_components(X: sp.csr_matrix, Y: np.ndarray, M: np.ndarray | None, C: float, class_weight: str | None,
                   random_state: int, nb_weight: float, nb_alpha: float, n_jobs: int | None) -> list[Component]:
    """[(W, b)] of the linear models on TF-IDF rows X: the SVMs, then (with `nb_weight` > 0) complement naive
    Bayes; each scaled to unit spread on these rows. `M` marks the known labels: a class learns only from the
    rows whose label for it is known (None: all)."""
    n_rows, n_classes = Y.shape
    full = M is None or bool(M.all())
    M = np.ones(Y.shape, dtype=bool) if M is None else M
    W = np.zeros((X.shape[1], n_classes))
    # A class never (always) seen as positive scores low (high).
    b = np.where((Y.astype(bool) | ~M).all(axis=0) & Y.any(axis=0), 1.0, -1.0)
    fitted = [k for k in range(n_classes) if 0 < Y[M[:, k], k].sum() < M[:, k].sum()]
    if not fitted:
        return [(W, b)]

    params = (C, class_weight, random_state)
    jobs = processes(n_jobs) if X.nnz * len(fitted) >= _PARALLEL_WORK else 1
    tasks = [(X, Y[:, k]) if full or M[:, k].all() else (X[M[:, k]], Y[M[:, k], k]) for k in fitted]
    if jobs > 1:
        from joblib import Parallel, delayed

        # Processes, not threads: liblinear shuffles with one generator per process, so concurrent fits in
        # threads would make the model depend on timing. joblib memory-maps X for the workers.
        found = Parallel(n_jobs=jobs, backend="loky", max_nbytes="1M")(
            delayed(_svm)(rows, y, *params) for rows, y in tasks)
    else:
        found = [_svm(rows, y, *params) for rows, y in tasks]
    for k, (w, c) in zip(fitted, found):
        W[:, k], b[k] = w, c
    scale = float(np.std(X @ W[:, fitted] + b[fitted])) or 1.0
    W[:, fitted] /= scale
    b[fitted] /= scale
    components = [(W, b)]
    if nb_weight > 0 and len(fitted) > 1:
        # A class's weight is minus the log frequency of the feature in the texts *not* of that class, centred
        # across classes (only differences between classes matter): a feature equally common everywhere, or
        # absent from these rows, weighs 0.
        if full:
            in_class = np.asarray(X.T @ Y[:, fitted].astype(np.float64))
            complement = np.asarray(X.sum(axis=0)).reshape(-1, 1) - in_class + nb_alpha
        else:  # the texts known not to be of the class
            negative = (M[:, fitted] & (Y[:, fitted] == 0)).astype(np.float64)
            complement = np.asarray(X.T @ negative) + nb_alpha
        nb = -np.log(complement / complement.sum(axis=0, keepdims=True))
        nb -= nb.mean(axis=1, keepdims=True)
        nb /= float(np.std(X @ nb)) or 1.0
        W_nb = np.zeros_like(W)
        W_nb[:, fitted] = nb
        components.append((W_nb, np.zeros(n_classes)))
    return components


def blend(components: list[Component], nb_weight: float) -> Component:
    """The fixed blend: (1 - nb_weight) SVM + nb_weight naive Bayes (constant classes keep their b)."""
    (W, b), *rest = components
    if not rest:
        return W, b
    (W_nb, b_nb), = rest
    constant = ~W.any(axis=0)
    W = (1 - nb_weight) * W + nb_weight * W_nb
    b = np.where(constant, b, (1 - nb_weight) * b + nb_weight * b_nb)
    return W, b
