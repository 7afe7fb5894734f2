"""TF-IDF features over jieba words (1-2 grams) and characters (1-3 grams), with a fast single-text path."""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp

from model.text import normalize
from model.tokenize import words

# Runs of letters/digits/CJK; punctuation and spaces separate them and never become features.
_CHUNK = re.compile(r"\w+")


def analyze(text: str, char_ngrams: tuple[int, int] = (1, 3), word_ngrams: tuple[int, int] = (1, 2)) -> list[str]:
    """Feature strings of one text: 'w:' word n-grams and 'c:' character n-grams within punctuation runs."""
    text = normalize(text)
    feats: list[str] = []
    lo, hi = char_ngrams
    for chunk in _CHUNK.findall(text):
        size = len(chunk)
        for n in range(lo, min(hi, size) + 1):
            feats.extend("c:" + chunk[i:i + n] for i in range(size - n + 1))
    tokens = [w for w in words(text) if _CHUNK.fullmatch(w)]
    lo, hi = word_ngrams
    for n in range(lo, hi + 1):
        if n == 1:
            feats.extend("w:" + w for w in tokens)
        else:
            feats.extend("w:" + " ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return feats


class Featurizer:
    """Sublinear TF-IDF with l2 norm over `analyze` features; `fit` learns `vocabulary_` and `idf_`."""

    def __init__(self, min_df: int = 1, max_features: int | None = None):
        self.min_df = min_df
        self.max_features = max_features

    def fit(self, analyses: Sequence[Sequence[str]]) -> Featurizer:
        df: Counter[str] = Counter()
        for feats in analyses:
            df.update(set(feats))
        kept = [(f, n) for f, n in df.items() if n >= self.min_df]
        if self.max_features is not None and len(kept) > self.max_features:
            kept.sort(key=lambda item: (-item[1], item[0]))
            kept = kept[: self.max_features]
        kept.sort()
        n_docs = len(analyses)
        self.vocabulary_ = {f: i for i, (f, _) in enumerate(kept)}
        # Smoothed idf, as scikit-learn's TfidfVectorizer(smooth_idf=True).
        self.idf_ = np.array([math.log((1 + n_docs) / (1 + n)) + 1 for _, n in kept], dtype=np.float32)
        return self

    def vector(self, feats: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """(indices, values) of one analysed text: the sparse row `transform` would give."""
        vocab = self.vocabulary_
        counts: Counter[int] = Counter()
        for f in feats:
            i = vocab.get(f)
            if i is not None:
                counts[i] += 1
        if not counts:
            return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)
        idx = np.fromiter(counts.keys(), dtype=np.int32, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        values = (1.0 + np.log(tf)) * self.idf_[idx]
        values /= np.sqrt(np.dot(values, values))
        return idx, values

    def transform(self, analyses: Sequence[Sequence[str]]) -> sp.csr_matrix:
        indptr = [0]
        indices: list[np.ndarray] = []
        data: list[np.ndarray] = []
        for feats in analyses:
            idx, values = self.vector(feats)
            indices.append(idx)
            data.append(values)
            indptr.append(indptr[-1] + len(idx))
        return sp.csr_matrix(
            (np.concatenate(data) if data else np.empty(0, np.float32),
             np.concatenate(indices) if indices else np.empty(0, np.int32),
             np.array(indptr, dtype=np.int64)),
            shape=(len(analyses), len(self.vocabulary_)),
        )

    def feature_names(self) -> list[str]:
        names = [""] * len(self.vocabulary_)
        for f, i in self.vocabulary_.items():
            names[i] = f
        return names
