"""The analyst's baseline: plain keyword search, and the tag-set scores that compare any tagger with it.

Every report that scores the model on labelled text puts keyword search beside it: a paragraph gets every
domain one of whose `keywords` occurs in it (full-width and ASCII forms alike, no word boundaries, no
exclude phrases), which is what an analyst with a search box already has.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from model.text import normalize
from training.data.taxonomy import Taxonomy


def keyword_tags(texts: Sequence[str], taxonomy: Taxonomy | Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Per text, the domains (in the order given) with a keyword occurring in it; `taxonomy` may also be a
    mapping of domain id to keywords (what a model's manifest keeps)."""
    pairs = taxonomy.items() if isinstance(taxonomy, Mapping) else [(d.id, d.keywords) for d in taxonomy.domains]
    keywords = [(domain, [normalize(k) for k in words]) for domain, words in pairs]
    found = []
    for text in texts:
        folded = normalize(text)
        found.append([domain for domain, words in keywords if any(w in folded for w in words)])
    return found


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def tag_set_scores(truth: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], domains: Sequence[str]
                   ) -> dict[str, Any]:
    """micro- and macro-F1 over `domains`, the share of texts whose tag set is exactly right (none for a text
    about none), the share of texts about none that got no tag, and F1 per domain."""
    if len(truth) != len(predicted):
        raise ValueError(f"{len(truth)} label lists but {len(predicted)} predictions")
    per_domain = {}
    total = [0, 0, 0]
    for domain in domains:
        tp = sum(domain in t and domain in p for t, p in zip(truth, predicted))
        fp = sum(domain not in t and domain in p for t, p in zip(truth, predicted))
        fn = sum(domain in t and domain not in p for t, p in zip(truth, predicted))
        per_domain[domain] = round(_f1(tp, fp, fn), 4)
        total = [total[0] + tp, total[1] + fp, total[2] + fn]
    known = set(domains)
    exact = sum(set(t) & known == set(p) & known for t, p in zip(truth, predicted))
    none = [not set(p) & known for t, p in zip(truth, predicted) if not set(t) & known]
    return {"micro_f1": round(_f1(*total), 4),
            "macro_f1": round(sum(per_domain.values()) / len(per_domain), 4) if per_domain else 0.0,
            "exact": round(exact / len(truth), 4) if truth else 0.0,
            "none_untagged": round(sum(none) / len(none), 4) if none else None,
            "per_domain": per_domain}
