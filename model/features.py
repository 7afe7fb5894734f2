"""TF-IDF features: character 1-3 grams and jieba word 1-2 grams, each block l2-normalised on its own.

A text is normalised (NFKC, lower case, whitespace runs to one space) and framed by begin/end markers, so
n-grams at the start or end of a text are features of their own ("^组图", "(图)$"). Character n-grams run
across punctuation; word unigrams are jieba's tokens and word bigrams include the markers. Each block
(characters, words) gets its own sublinear TF-IDF row norm: n-grams across and of punctuation carry
evidence the words alone miss (benchmarks/README.md has the measurements).

Speed: an n-gram is never built as a string. A character n-gram is its code points packed into one int64
(21 bits each), a word n-gram its token ids packed the same way, and the vocabulary of each n-gram order is
a sorted array of such keys, so a batch of texts is looked up with one `np.searchsorted` per order. Python
only segments words and maps each token to its id. The same code serves fitting, batches and single texts,
so `score_one` and `predict_proba` give the same numbers.
"""
from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import scipy.sparse as sp

from model.text import normalize
from model.tokenize import words

BOS, EOS = "\x02", "\x03"  # text boundaries inside n-grams (`prepare` removes them from input text)
_BOS_ID, _EOS_ID = 0, 1  # the same boundaries in token-id sequences: `tokens_` ids start at 2
_BITS = 21  # a code point (< 0x110000) or a token id fits in 21 bits: up to 3 of them fit in an int64 key
_MASK = (1 << _BITS) - 1
MAX_N = 3
_SHOWN = str.maketrans({BOS: "^", EOS: "$"})
_EMPTY = np.zeros(0, dtype=np.int64)

OrderKeys = list[tuple[np.ndarray, np.ndarray]]  # per n-gram order: (row of each n-gram, its key)


def prepare(text: str) -> str:
    """The canonical form n-grams are taken from: `normalize`d, whitespace runs collapsed to one space."""
    return " ".join(normalize(text).replace(BOS, " ").replace(EOS, " ").split())


def display_term(name: str) -> str:
    """A feature name ('c:…'/'w:…') as shown to people: without the prefix, boundaries as ^ and $."""
    return name[2:].translate(_SHOWN)


def run_starts(values: np.ndarray) -> np.ndarray:
    """Where each run of equal values starts in a sorted, non-empty array."""
    first = np.empty(len(values), dtype=bool)
    first[0] = True
    np.not_equal(values[1:], values[:-1], out=first[1:])
    return np.flatnonzero(first)


def tfidf_values(rows: np.ndarray, cols: np.ndarray, counts: np.ndarray, n_rows: int, idf: np.ndarray,
                 n_char: int) -> np.ndarray:
    """Sublinear TF-IDF of count entries (row, column, count); each row's character block (columns <
    n_char) and word block l2-normalised on its own. float64."""
    values = (1.0 + np.log(counts)) * idf[cols]
    slot = 2 * rows + (cols >= n_char)
    norms = np.sqrt(np.bincount(slot, weights=values * values, minlength=2 * n_rows))
    norms[norms == 0] = 1.0
    values /= norms[slot]
    return values


def _ngram_keys(seq: np.ndarray, rows: np.ndarray, n: int, usable: np.ndarray, end: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """Keys of the n-grams of a concatenation of framed sequences: an n-gram is kept when all its items
    are usable and none but its last ends a sequence (it would run into the next text)."""
    size = len(seq) - n + 1
    if size <= 0:
        return _EMPTY, _EMPTY
    key = seq[:size].copy()
    ok = usable[:size].copy()
    for j in range(1, n):
        key <<= _BITS
        key |= seq[j:j + size]
        ok &= usable[j:j + size] & ~end[j - 1:j - 1 + size]
    return rows[:size][ok], key[ok]


class Featurizer:
    """Counts and TF-IDF weights of character and word n-grams (n <= 3).

    `fit_counts` learns the vocabulary (n-grams in at least `min_df` texts; characters first, then words,
    by order, then key) and returns the texts' count matrix. `idf_for` gives the idf that a subset of those
    rows implies (0 for features a featurizer fitted on just them would not keep, including the
    `max_features` cap), so cross-validation folds weight features exactly as their own featurizer would;
    `compact` keeps the final columns. `entries`/`transform` give new texts' TF-IDF values.
    """

    def __init__(self, char_ngrams: tuple[int, int] = (1, 3), word_ngrams: tuple[int, int] = (1, 2),
                 min_df: int = 1, max_features: int | None = None):
        self.char_ngrams = tuple(char_ngrams)
        self.word_ngrams = tuple(word_ngrams)
        self.min_df = min_df
        self.max_features = max_features

    def _orders(self) -> tuple[range, range]:
        found = []
        for name, (lo, hi) in (("char_ngrams", self.char_ngrams), ("word_ngrams", self.word_ngrams)):
            if not 1 <= lo <= hi <= MAX_N:
                raise ValueError(f"{name}=({lo}, {hi}): give (lo, hi) with 1 <= lo <= hi <= {MAX_N}")
            found.append(range(lo, hi + 1))
        return found[0], found[1]

    # -- n-gram keys -----------------------------------------------------------------------------------
    def _keys(self, texts: Sequence[str], token_ids: Callable[[list[str]], Iterable[int]]) -> OrderKeys:
        """Per n-gram order (characters, then words): the row and key of every n-gram of every text."""
        char_orders, word_orders = self._orders()
        prepared = [prepare(t) for t in texts]
        present = [i for i, p in enumerate(prepared) if p]
        if not present:
            return [(_EMPTY, _EMPTY)] * (len(char_orders) + len(word_orders))
        out: OrderKeys = []
        # Characters: the code points of all framed texts in one array.
        framed = "".join([BOS + prepared[i] + EOS for i in present])
        points = np.frombuffer(framed.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        rows = np.repeat(np.array(present, dtype=np.int64), [len(prepared[i]) + 2 for i in present])
        end = points == ord(EOS)
        inner = ~end & (points != ord(BOS))
        everything = np.ones(len(points), dtype=bool)
        for n in char_orders:
            out.append((rows[inner], points[inner]) if n == 1 else _ngram_keys(points, rows, n, everything, end))
        # Words: token ids of all framed texts in one array (-1: a token outside the vocabulary).
        sequence: list[int] = []
        sizes: list[int] = []
        for i in present:
            tokens = words(prepared[i])
            if " " in prepared[i]:
                tokens = [w for w in tokens if w != " "]
            sequence.append(_BOS_ID)
            sequence += token_ids(tokens)
            sequence.append(_EOS_ID)
            sizes.append(len(tokens) + 2)
        ids = np.array(sequence, dtype=np.int64)
        rows = np.repeat(np.array(present, dtype=np.int64), sizes)
        known = ids >= 0
        end = ids == _EOS_ID
        for n in word_orders:
            if n == 1:
                tokens_only = ids > _EOS_ID
                out.append((rows[tokens_only], ids[tokens_only]))
            else:
                out.append(_ngram_keys(ids, rows, n, known, end))
        return out

    @staticmethod
    def _tally(rows: np.ndarray, cols: np.ndarray, n_columns: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, columns, counts) of the distinct (row, column) pairs, sorted by row then column."""
        if not len(cols):
            return _EMPTY, _EMPTY, np.zeros(0)
        keys = rows * n_columns + cols
        keys.sort()
        starts = run_starts(keys)
        counts = np.empty(len(starts))
        np.subtract(starts[1:], starts[:-1], out=counts[:-1])
        counts[-1] = len(keys) - starts[-1]
        unique = keys[starts]
        rows = unique // n_columns
        return rows, unique - rows * n_columns, counts

    # -- fitting ---------------------------------------------------------------------------------------
    def fit_counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Learn the vocabulary from `texts` and return their count matrix over it."""
        tokens: defaultdict[str, int] = defaultdict(itertools.count(_EOS_ID + 1).__next__)
        per_order = self._keys(texts, lambda found: map(tokens.__getitem__, found))
        if len(tokens) > _MASK:
            raise ValueError(f"{len(tokens)} distinct words is more than this featurizer can index ({_MASK})")
        self.tokens_ = dict(tokens)
        self.keys_: list[np.ndarray] = []
        found = []
        for rows, keys in per_order:
            # Document frequency of each key: the number of distinct rows it occurs in.
            order = np.lexsort((rows, keys))
            rows, keys = rows[order], keys[order]
            if len(keys):
                pair = np.ones(len(keys), dtype=bool)
                pair[1:] = (keys[1:] != keys[:-1]) | (rows[1:] != rows[:-1])
                distinct = keys[pair]
                starts = run_starts(distinct)
                df = np.diff(starts, append=len(distinct))
                vocabulary = distinct[starts][df >= self.min_df]
            else:
                vocabulary = _EMPTY
            self.keys_.append(vocabulary)
            found.append((rows, keys))
        self._set_offsets()
        looked_up = [self._lookup(j, keys) for j, (_, keys) in enumerate(found)]
        hit_rows = np.concatenate([r[c >= 0] for (r, _), c in zip(found, looked_up)])
        hit_cols = np.concatenate([c[c >= 0] for c in looked_up])
        self.idf_ = np.ones(self.n_features, dtype=np.float32)
        row_ids, col_ids, counts = self._tally(hit_rows, hit_cols, self.n_features)
        matrix = sp.csr_matrix((counts, col_ids, np.searchsorted(row_ids, np.arange(len(texts) + 1))),
                               shape=(len(texts), self.n_features))
        return matrix

    def _set_offsets(self) -> None:
        sizes = [len(k) for k in self.keys_]
        self.offsets_ = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
        self.n_char_ = int(self.offsets_[len(self._orders()[0])])

    def _lookup(self, j: int, keys: np.ndarray) -> np.ndarray:
        """Columns of order j's keys in the vocabulary; -1 for keys outside it."""
        vocabulary = self.keys_[j]
        if not len(vocabulary) or not len(keys):
            return np.full(len(keys), -1, dtype=np.int64)
        at = np.searchsorted(vocabulary, keys)
        at[at == len(vocabulary)] = 0
        return np.where(vocabulary[at] == keys, at + self.offsets_[j], -1)

    @property
    def n_features(self) -> int:
        return int(self.offsets_[-1])

    def idf_for(self, counts: sp.csr_matrix) -> np.ndarray:
        """Smoothed idf (as TfidfVectorizer's) implied by these rows; 0 where a feature would be dropped."""
        n_docs = counts.shape[0]
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        keep = df >= self.min_df
        if self.max_features is not None and keep.sum() > self.max_features:
            # The most frequent features; ties go to the column order.
            order = np.lexsort((np.arange(len(df)), -df))
            capped = np.zeros(len(df), dtype=bool)
            capped[order[: self.max_features]] = True
            keep &= capped
        return np.where(keep, np.log((1.0 + n_docs) / (1.0 + df)) + 1.0, 0.0)

    def compact(self, idf: np.ndarray) -> np.ndarray:
        """Keep the columns whose `idf` is non-zero and adopt that idf; returns the kept old column ids."""
        kept = np.flatnonzero(idf > 0)
        self.keys_ = [keys[(kept[(kept >= lo) & (kept < hi)] - lo)]
                      for keys, lo, hi in zip(self.keys_, self.offsets_[:-1], self.offsets_[1:])]
        self._set_offsets()
        # Tokens no kept word n-gram uses look up as unknown, which gives the same features.
        used: set[int] = set()
        for n, keys in zip(self._orders()[1], self.keys_[len(self._orders()[0]):]):
            for j in range(n):
                used.update(((keys >> (_BITS * j)) & _MASK).tolist())
        self.tokens_ = {t: i for t, i in self.tokens_.items() if i in used}
        self.idf_ = idf[kept].astype(np.float32)
        return kept

    def weigh(self, counts: sp.csr_matrix, idf: np.ndarray | None = None, dtype: type = np.float32) -> sp.csr_matrix:
        """TF-IDF rows of a count matrix (with `idf`, default the fitted one); features of idf 0 dropped."""
        rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
        values = tfidf_values(rows, counts.indices, counts.data, counts.shape[0],
                              self.idf_ if idf is None else idf, self.n_char_)
        matrix = sp.csr_matrix((values.astype(dtype), counts.indices.copy(), counts.indptr.copy()), shape=counts.shape)
        matrix.eliminate_zeros()
        return matrix

    # -- using -----------------------------------------------------------------------------------------
    def entries(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, columns, TF-IDF values) of new texts, sorted by row then column; n-grams outside the
        vocabulary are ignored. The numbers `transform` puts in its matrix."""
        get, unknown = self.tokens_.get, itertools.repeat(-1)
        per_order = self._keys(texts, lambda found: map(get, found, unknown))
        row_parts: list[np.ndarray] = []
        col_parts: list[np.ndarray] = []
        for j, (order_rows, keys) in enumerate(per_order):
            found = self._lookup(j, keys)
            hit = found >= 0
            row_parts.append(order_rows[hit])
            col_parts.append(found[hit])
        rows, cols, counts = self._tally(np.concatenate(row_parts), np.concatenate(col_parts), self.n_features)
        return rows, cols, tfidf_values(rows, cols, counts, len(texts), self.idf_, self.n_char_)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """float32 TF-IDF rows of `texts`, shape (len(texts), n_features)."""
        rows, cols, values = self.entries(texts)
        indptr = np.searchsorted(rows, np.arange(len(texts) + 1))
        return sp.csr_matrix((values.astype(np.float32), cols, indptr), shape=(len(texts), self.n_features))

    def feature_names(self) -> list[str]:
        """'c:'/'w:' + the n-gram (words joined by a space; boundaries as BOS/EOS) for every column."""
        token_names = {_BOS_ID: BOS, _EOS_ID: EOS, **{i: t for t, i in self.tokens_.items()}}
        char_orders, word_orders = self._orders()
        names: list[str] = []
        for n, keys in zip(char_orders, self.keys_):
            parts = [((keys >> (_BITS * (n - 1 - j))) & _MASK).tolist() for j in range(n)]
            names += ["c:" + "".join(map(chr, ids)) for ids in zip(*parts)]
        for n, keys in zip(word_orders, self.keys_[len(char_orders):]):
            parts = [((keys >> (_BITS * (n - 1 - j))) & _MASK).tolist() for j in range(n)]
            names += ["w:" + " ".join(token_names[i] for i in ids) for ids in zip(*parts)]
        return names
