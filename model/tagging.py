"""Tagging documents: split into paragraphs, score each, and roll paragraph scores up to the document.

A document's tags are the domains its paragraphs were tagged with, each scored by its best paragraph: a
long text is about every domain that one of its paragraphs is clearly about.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from model.rules import tag_mask
from model.tagger import Tagger
from model.text import Block, split_for_tagging


@dataclass
class Tagged:
    """Scores of one text (paragraph or document): `tags` are (domain, score) above threshold, best first."""

    text: str
    scores: dict[str, float]
    tags: list[tuple[str, float]]
    explanations: dict[str, list[dict[str, object]]] = field(default_factory=dict)


def _tagged(text: str, proba: Sequence[float], classes: Sequence[str], is_tag: Sequence[bool]) -> Tagged:
    # Python lists, not numpy scalars (per-element numpy access was most of the cost for one paragraph); the
    # order is numpy's stable argsort of -proba: best first, ties in class order (Python's sort is stable).
    values = [float(v) for v in proba]
    order = sorted(range(len(values)), key=lambda k: -values[k])
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
    # What `_tagged` does per row, on Python lists made once: numpy scalar indexing was most of the cost of
    # building results for a batch (the same rounding and order, so the same values as `_tagged`).
    classes = list(tagger.classes_)
    orders = np.argsort(-proba, axis=1, kind="stable").tolist()
    results = []
    for text, row, is_tag, order in zip(texts, proba.tolist(), mask.tolist(), orders):
        scores = {classes[k]: round(row[k], 4) for k in order}
        results.append(Tagged(text, scores, [(classes[k], scores[classes[k]]) for k in order if is_tag[k]]))
    if explain:
        for result in results:
            result.explanations = {
                domain: [{"term": c.term, "kind": c.kind, "weight": round(c.weight, 4)}
                         for c in tagger.explain(result.text, domain)]
                for domain, _ in result.tags}
    return results


def tag_document(tagger: Tagger, text: str, threshold: float | None = None, explain: bool = False,
                 split: tuple[list[str], list[Block]] | None = None) -> tuple[Tagged, list[Tagged], list[Block]]:
    """(document result, paragraph results, skipped boilerplate/title blocks) for a text that may hold
    several paragraphs; `split` is `split_for_tagging(text)` when the caller has it already."""
    units, skipped = split if split is not None else split_for_tagging(text)
    document, paragraphs = tag_units(tagger, units, threshold, explain, text)
    return document, paragraphs, skipped


def tag_units(tagger: Tagger, units: Sequence[str], threshold: float | None = None, explain: bool = False,
              text: str = "") -> tuple[Tagged, list[Tagged]]:
    """(document result, paragraph results) for a document already split into the units to tag."""
    paragraphs = tag_paragraphs(tagger, units, threshold, explain)
    return summarize_document(tagger.classes_, paragraphs, text), paragraphs


def summarize_document(classes: Sequence[str], paragraphs: Sequence[Tagged], text: str = "") -> Tagged:
    """A document's result from its paragraphs' results: the API's, the CLI's and batch tagging's one rule."""
    classes = list(classes)
    if paragraphs:
        best = [max(p.scores[c] for p in paragraphs) for c in classes]
    else:  # only boilerplate: nothing to tag
        best = [0.0] * len(classes)
    # The document has the tags its paragraphs have, each with its best paragraph's score.
    tagged = {d for p in paragraphs for d, _ in p.tags}
    return _tagged(text, best, classes, [c in tagged for c in classes])


KIND_SHOWN = {"word": "word", "char": "chars"}  # a jieba word (or word pair) vs a character n-gram


def term_label(term: dict[str, Any]) -> str:
    """`科技[word]` or `科技[chars]`: the same characters can count as a word and as a character n-gram."""
    return f"{term['term']}[{KIND_SHOWN.get(str(term.get('kind', '')), term.get('kind', ''))}]"
