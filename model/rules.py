"""What counts as a tag, and in which order tags come: the one rule that serving, batch tagging, eval, the
review queue, the label audit and the promotion gate all apply.

A domain is a tag of a text when its probability reaches the domain's cut-off (the model's per-domain
threshold, or one threshold in (0, 1] for every domain) and the text has at least one Chinese character.
Tags, and scores, come best first; equal scores keep the domains' order.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from model.contract import THRESHOLD_ABOVE, THRESHOLD_AT_MOST
from model.errors import ThresholdError

# A text with no Chinese character is not Chinese policy text: its scores come from the model's intercept
# alone, which can pass a domain's threshold (as for "hello world" or "。。。"), so it gets no tags.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def check_threshold(threshold: object) -> float | None:
    """`threshold` (any value a caller was given) as a float if it is a number in (0, 1] (None: the model's own);
    ThresholdError naming it otherwise."""
    if threshold is None:
        return None
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) \
            or not THRESHOLD_ABOVE < threshold <= THRESHOLD_AT_MOST:
        raise ThresholdError(f"threshold must be a number in (0, 1], got {threshold!r}; "
                             "leave it out to use the model's per-domain thresholds")
    return float(threshold)


def taggable(text: str) -> bool:
    """Whether a text can get tags at all (it has a Chinese character)."""
    return bool(_HAN.search(text))


def cutoffs(thresholds: Sequence[float] | np.ndarray, threshold: float | None = None) -> np.ndarray:
    """Per-domain cut-offs: the model's thresholds, or one checked `threshold` for every domain."""
    own = np.asarray(thresholds, dtype=np.float64)
    chosen = check_threshold(threshold)
    return own if chosen is None else np.full(len(own), chosen)


def tag_mask(texts: Sequence[str], proba: np.ndarray, thresholds: Sequence[float] | np.ndarray,
             threshold: float | None = None) -> np.ndarray:
    """Boolean (texts x domains): which domains are tags of which text."""
    proba = np.asarray(proba)
    mask = proba >= cutoffs(thresholds, threshold)
    if len(texts):
        mask &= np.fromiter((taggable(t) for t in texts), dtype=bool, count=len(texts))[:, None]
    return mask


def ranking(proba: np.ndarray) -> np.ndarray:
    """Column indexes of each row of `proba`, best first (equal scores keep column order)."""
    return np.argsort(-np.asarray(proba), axis=-1, kind="stable")


def rank_row(values: Sequence[float]) -> list[int]:
    """`ranking` of one row of Python floats, without numpy (cheaper for one short row): the same order."""
    return sorted(range(len(values)), key=lambda k: -values[k])  # sorted() is stable: ties keep column order


def ranked_tags(texts: Sequence[str], proba: np.ndarray, thresholds: Sequence[float] | np.ndarray,
                threshold: float | None = None) -> list[list[int]]:
    """Per text, the column indexes of its tags (`tag_mask`), best first (`ranking`)."""
    proba = np.asarray(proba)
    mask = tag_mask(texts, proba, thresholds, threshold)
    order = ranking(proba)
    rows, ranks = np.nonzero(np.take_along_axis(mask, order, axis=1))  # row-major: best first
    columns = order[rows, ranks].tolist()
    ends = np.cumsum(np.bincount(rows, minlength=len(proba))).tolist()
    return [columns[start:end] for start, end in zip([0, *ends], ends)]
