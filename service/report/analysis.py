"""A collection of tagged documents, analysed: per document and domain the paragraphs, characters and share
(`model.composition`), documents in three orders (clustered, by group, by name), domain shares per group,
paragraph co-occurrence, the documents that give each domain most and its characteristic terms.

The same analysis serves `policytag report` (HTML and CSV) and POST /v1/report (the page's Corpus tab).
"""
from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from model.composition import Composition, DomainShare, check_min_share
from model.explain import meaningful, paragraph_words
from service.report.errors import ReportError
from service.report.groups import Grouping, natural_key

ORDERS = ("cluster", "group", "name")
TOP_DOCUMENTS = 5
TERMS = 12
# Informative Dirichlet prior of the log-odds ratio (Monroe, Colaresi and Quinn 2008, "Fightin' words"):
# how many word occurrences the collection-wide frequencies count as. Small words with few occurrences are
# pulled toward the collection's rate, so a word seen twice in one domain does not top its list.
PRIOR_WEIGHT = 500.0
MIN_TERM_PARAGRAPHS = 3
# Optimal leaf ordering (neighbouring rows as alike as possible) grows expensive with many documents
# (benchmarks/README.md has the figures); above this many the clustering's own leaf order is used (a heatmap
# that long is read by group or sorted anyway).
OPTIMAL_ORDER_MAX = 300
_ZERO = DomainShare(0, 0, 0.0)


@dataclass
class DocumentInput:
    """A document to analyse: where it came from, its record fields, its composition, and per domain the
    paragraphs behind the cell (best first; may be empty)."""

    source: str
    record: int | None
    meta: Mapping[str, Any]
    composition: Composition
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class Report:
    """Everything a report shows; `to_dict` is the JSON of POST /v1/report and the data of the HTML report."""

    domains: list[dict[str, str]]
    documents: list[dict[str, Any]]
    fields: list[str]
    groups: dict[str, list[dict[str, Any]]]
    cooccurrence: list[list[int]] | None
    orders: dict[str, list[int]]
    top_documents: dict[str, list[int]]
    terms: dict[str, list[dict[str, Any]]] | None
    paragraphs: int
    min_share: float

    def domain_ids(self) -> list[str]:
        return [d["id"] for d in self.domains]

    def to_dict(self) -> dict[str, Any]:
        return {"domains": self.domains, "documents": self.documents, "fields": self.fields, "groups": self.groups,
                "cooccurrence": self.cooccurrence, "orders": self.orders, "top_documents": self.top_documents,
                "terms": self.terms, "paragraphs": self.paragraphs, "min_share": self.min_share}

    def tidy(self) -> tuple[list[str], list[list[Any]]]:
        """(columns, rows) of the tidy table: one row per document and domain, for Excel, R or Stata."""
        record = any(d["record"] is not None for d in self.documents)
        columns = ["document", *(["record"] if record else []), *self.fields, "domain", "paragraphs", "characters",
                   "share", "tag", "document_paragraphs", "document_characters", "tagged_characters"]
        rows = []
        for d in self.documents:
            c = d["composition"]
            for domain in self.domain_ids():
                cell = c["domains"][domain]
                rows.append([d["source"], *([d["record"] if d["record"] is not None else ""] if record else []),
                             *[d["groups"][f] for f in self.fields], domain, cell["paragraphs"], cell["characters"],
                             cell["share"], int(domain in d["tags"]), c["paragraphs"], c["characters"],
                             c["tagged_characters"]])
        return columns, rows


def display_names(sources: Sequence[str]) -> list[str]:
    """Short names for sources: paths without the folder they all share (a file's name when there is one)."""
    folders = [os.path.dirname(s) for s in sources]
    try:
        common = os.path.commonpath(folders) if folders and all(folders) else ""
    except ValueError:  # absolute and relative paths, or several drives
        common = ""
    return [os.path.relpath(s, common) if common else s for s in sources]


def _composition(document: DocumentInput, domains: Sequence[str]) -> Composition:
    c = document.composition
    return Composition(c.paragraphs, c.characters, c.tagged_paragraphs, c.tagged_characters,
                       {d: c.domains.get(d, _ZERO) for d in domains})


def cooccurrence_of(tag_lists: Iterable[Sequence[str]], ids: Sequence[str]) -> np.ndarray:
    """Paragraphs tagged with both domains (diagonal: with the domain), in `ids` order."""
    index = {d: i for i, d in enumerate(ids)}
    matrix = np.zeros((len(ids), len(ids)), dtype=np.int64)
    for tags in tag_lists:
        found = sorted({index[t] for t in tags if t in index})
        for a in found:
            matrix[a, found] += 1
    return matrix


def cluster_order(shares: np.ndarray) -> list[int]:
    """Rows ordered so that documents with similar domain shares sit together (average-linkage hierarchical
    clustering on the share vectors, leaves in optimal order)."""
    if len(shares) < 3:
        return list(range(len(shares)))
    from scipy.cluster.hierarchy import leaves_list, linkage, optimal_leaf_ordering

    tree = linkage(shares, method="average", metric="euclidean")
    if len(shares) <= OPTIMAL_ORDER_MAX:
        tree = optimal_leaf_ordering(tree, shares)
    return [int(i) for i in leaves_list(tree)]


def characteristic_terms(sample: Sequence[tuple[str, Sequence[str]]], domains: Sequence[str],
                         top: int = TERMS) -> dict[str, list[dict[str, Any]]]:
    """Per domain, the words most characteristic of its paragraphs against the others: the z-score of the
    log-odds ratio with an informative Dirichlet prior, counting each word once per paragraph. Words that carry
    no domain meaning (`model.explain.meaningful`) are left out."""
    overall: Counter[str] = Counter()
    per: dict[str, Counter[str]] = {d: Counter() for d in domains}
    keep: dict[str, bool] = {}  # `meaningful` per distinct word: the same few thousand words recur
    for (_, tags), words in zip(sample, paragraph_words([text for text, _ in sample])):
        present = set()
        for w in words:
            ok = keep.get(w)
            if ok is None:
                ok = keep[w] = meaningful(w)
            if ok:
                present.add(w)
        overall.update(present)
        for d in tags:
            if d in per:
                per[d].update(present)
    total = sum(overall.values())
    out: dict[str, list[dict[str, Any]]] = {}
    for d in domains:
        mine = per[d]
        n_i = sum(mine.values())
        n_j = total - n_i
        found = []
        for word, y_i in mine.items():
            if y_i < MIN_TERM_PARAGRAPHS:
                continue
            y_j = overall[word] - y_i
            a = PRIOR_WEIGHT * overall[word] / total
            delta = (math.log((y_i + a) / (n_i + PRIOR_WEIGHT - y_i - a))
                     - math.log((y_j + a) / (n_j + PRIOR_WEIGHT - y_j - a)))
            z = delta / math.sqrt(1 / (y_i + a) + 1 / (y_j + a))
            if z > 0:
                found.append((z, word, y_i))
        found.sort(key=lambda x: (-x[0], x[1]))
        out[d] = [{"term": w, "z": round(z, 2), "paragraphs": y} for z, w, y in found[:top]]
    return out


def analyse(documents: Sequence[DocumentInput], domains: Sequence[Mapping[str, str]], grouping: Grouping,
            min_share: float, cooccurrence: np.ndarray | None = None,
            sample: Sequence[tuple[str, Sequence[str]]] | None = None, paragraphs: int | None = None) -> Report:
    """The report of these documents. `domains`: id, name_zh, name_en of every domain, in display order;
    `cooccurrence`: paragraphs tagged with both domains (in `domains` order), if counted; `sample`: paragraphs
    (text, tags) to find characteristic terms in, if any."""
    check_min_share(min_share)
    if not documents:
        raise ReportError("no paragraphs to report on: the inputs hold no tagged paragraph")
    ids = [d["id"] for d in domains]
    names = display_names([d.source for d in documents])
    rows: list[dict[str, Any]] = []
    for number, (document, name) in enumerate(zip(documents, names)):
        composition = _composition(document, ids)
        if document.record is not None:
            name = f"{name} #{document.record}"
        rows.append({"id": number, "source": document.source, "name": name, "record": document.record,
                     "groups": grouping.values(document.source, document.meta),
                     "tags": composition.tags(min_share), "composition": composition.to_dict(),
                     "examples": {d: document.examples.get(d, []) for d in ids if document.examples.get(d)}})
    shares = np.array([[r["composition"]["domains"][d]["share"] for d in ids] for r in rows], dtype=float)
    fields = list(grouping.fields)
    orders = {
        "cluster": cluster_order(shares),
        "group": sorted(range(len(rows)), key=lambda i: (*[natural_key(rows[i]["groups"][f]) for f in fields],
                                                         natural_key(rows[i]["name"]))),
        "name": sorted(range(len(rows)), key=lambda i: natural_key(rows[i]["name"])),
    }
    groups = {f: _group_table(rows, ids, f) for f in fields}
    top = {d: [i for i in sorted(range(len(rows)), key=lambda i: (-shares[i, k],
                                                                   -rows[i]["composition"]["domains"][d]["characters"]))
               if shares[i, k] > 0][:TOP_DOCUMENTS] for k, d in enumerate(ids)}
    total = paragraphs if paragraphs is not None else sum(r["composition"]["paragraphs"] for r in rows)
    return Report(domains=[dict(d) for d in domains], documents=rows, fields=fields, groups=groups,
                  cooccurrence=cooccurrence.tolist() if cooccurrence is not None else None, orders=orders,
                  top_documents=top, terms=characteristic_terms(sample, ids) if sample else None,
                  paragraphs=total, min_share=min_share)


def _group_table(rows: Sequence[Mapping[str, Any]], ids: Sequence[str], name: str) -> list[dict[str, Any]]:
    """Per value of a group field: documents, paragraphs, tagged characters and each domain's share of the
    group's tagged text (the group read as one document: characters pooled, so a long report weighs more)."""
    by_value: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_value.setdefault(row["groups"][name], []).append(row)
    table = []
    for value in sorted(by_value, key=natural_key):
        members = by_value[value]
        tagged = sum(r["composition"]["tagged_characters"] for r in members)
        chars = {d: sum(r["composition"]["domains"][d]["characters"] for r in members) for d in ids}
        table.append({"value": value, "documents": len(members),
                      "paragraphs": sum(r["composition"]["paragraphs"] for r in members),
                      "tagged_characters": tagged, "characters": chars,
                      "shares": {d: round(chars[d] / tagged, 4) if tagged else 0.0 for d in ids}})
    return table


def domain_list(ids: Sequence[str], manifest_domains: Sequence[Mapping[str, Any]] = ()) -> list[dict[str, str]]:
    """Domains to show: every domain of the model, in its order, then any others in the order seen; with names."""
    known = {str(d.get("id")): d for d in manifest_domains if d.get("id")}
    order = [*known, *[i for i in ids if i not in known]]
    return [{"id": i, "name_zh": str(known.get(i, {}).get("name_zh") or i),
             "name_en": str(known.get(i, {}).get("name_en") or i)} for i in order]

