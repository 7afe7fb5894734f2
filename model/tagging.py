"""Tagging documents: split into paragraphs, score each, and roll paragraph results up to the document.

A document's tags are the domains that take at least a minimum share of its tagged text (`model.composition`),
each scored by its best paragraph; its `composition` says how many paragraphs and characters each domain has.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from model.composition import DEFAULT_MIN_SHARE, Composition, compose
from model.explain import explain_terms
from model.rules import rank_row, ranking, tag_mask
from model.tagger import Tagger
from model.text import Block, split_for_tagging


@dataclass
class Tagged:
    """Scores of one text (paragraph or document): `tags` are (domain, score) above threshold, best first."""

    text: str
    scores: dict[str, float]
    tags: list[tuple[str, float]]
    explanations: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    composition: Composition | None = None  # documents only: paragraphs, characters and shares per domain


def _tagged(text: str, proba: Sequence[float], classes: Sequence[str], is_tag: Sequence[bool],
            order: Sequence[int] | None = None) -> Tagged:
    # Python lists, not numpy scalars: per-element numpy access is slow beside the rest of building a result
    # (benchmarks/README.md has the figures).
    values = [float(v) for v in proba]
    if order is None:
        order = rank_row(values)
    scores = {classes[k]: round(values[k], 4) for k in order}
    tags = [(classes[k], scores[classes[k]]) for k in order if is_tag[k]]
    return Tagged(text, scores, tags)


def score_texts(tagger: Tagger, texts: Sequence[str]) -> np.ndarray:
    """Probabilities for several texts; one text takes the fast single-text path."""
    if len(texts) == 1:
        return tagger.score_one(texts[0])[None, :]
    if not texts:
        return np.zeros((0, len(tagger.classes_)))
    return tagger.predict_proba(texts)


def tag_paragraphs(tagger: Tagger, texts: Sequence[str], threshold: float | None = None,
                   explain: bool = False) -> list[Tagged]:
    """Tag each text as one paragraph."""
    proba = score_texts(tagger, texts)
    mask = tag_mask(texts, proba, tagger.thresholds_, threshold)
    # Rows as Python lists made once for the batch: numpy scalar indexing would be most of the cost of the
    # results (benchmarks/README.md has the figures).
    classes = list(tagger.classes_)
    results = [_tagged(text, row, classes, is_tag, order)
               for text, row, is_tag, order in zip(texts, proba.tolist(), mask.tolist(), ranking(proba).tolist())]
    if explain:
        for result in results:
            result.explanations = {domain: explain_terms(tagger, result.text, domain) for domain, _ in result.tags}
    return results


def tag_document(tagger: Tagger, text: str, threshold: float | None = None, explain: bool = False,
                 min_share: float = DEFAULT_MIN_SHARE) -> tuple[Tagged, list[Tagged], list[Block]]:
    """(document result, paragraph results, skipped boilerplate/title blocks) for a text that may hold
    several paragraphs."""
    units, skipped = split_for_tagging(text)
    document, paragraphs = tag_units(tagger, units, threshold, explain, text, min_share)
    return document, paragraphs, skipped


def tag_units(tagger: Tagger, units: Sequence[str], threshold: float | None = None, explain: bool = False,
              text: str = "", min_share: float = DEFAULT_MIN_SHARE) -> tuple[Tagged, list[Tagged]]:
    """(document result, paragraph results) for a document already split into the units to tag."""
    paragraphs = tag_paragraphs(tagger, units, threshold, explain)
    return summarize_document(tagger.classes_, paragraphs, text, min_share), paragraphs


def summarize_document(classes: Sequence[str], paragraphs: Sequence[Tagged], text: str = "",
                       min_share: float = DEFAULT_MIN_SHARE) -> Tagged:
    """A document's result from its paragraphs' results: the API's, the CLI's and batch tagging's one rule.

    `scores` are each domain's best paragraph score; `tags` the domains with at least `min_share` of the
    tagged text (`Composition.tags`), largest share first; `composition` the counts and shares behind them.
    """
    classes = list(classes)
    if paragraphs:
        best = [max(p.scores[c] for p in paragraphs) for c in classes]
    else:  # only boilerplate: nothing to tag
        best = [0.0] * len(classes)
    composition = compose(classes, ((p.text, (d for d, _ in p.tags)) for p in paragraphs))
    result = _tagged(text, best, classes, [False] * len(classes))
    result.tags = [(d, result.scores[d]) for d in composition.tags(min_share)]
    result.composition = composition
    return result


KIND_SHOWN = {"word": "word", "char": "chars"}  # a jieba word (or word pair) vs a character n-gram


def term_label(term: dict[str, Any]) -> str:
    """`科技[word]` or `科技[chars]`: the same characters can count as a word and as a character n-gram."""
    return f"{term['term']}[{KIND_SHOWN.get(str(term.get('kind', '')), term.get('kind', ''))}]"
