"""Reading `policytag tag` rows into what a corpus report needs, one row at a time.

Memory grows with the number of documents and domains, never with the number of paragraphs: per document a
`Composer` (counts per domain) and the best few paragraphs of each domain for the drill-down; per pair of
domains a count of paragraphs tagged with both; and a uniform sample (reservoir) of at most `TERM_SAMPLE`
paragraphs from which each domain's characteristic terms are counted at the end.
"""
from __future__ import annotations

import heapq
import json
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from model.composition import Composer
from service.report.analysis import DocumentInput
from service.report.errors import ReportError

# Paragraphs kept (at most) for the characteristic terms; tokenising every paragraph of a large corpus would
# cost more than the rest of the report, and a uniform sample of this size ranks the same top terms.
TERM_SAMPLE = 10_000
# The longest paragraph text a drill-down keeps (longer ones end with "…"; the tag output has them whole).
EXAMPLE_CHARS = 600


# A paragraph behind a heatmap cell, as kept in a cell's min-heap: (score for the cell's domain, minus its index so
# that of equal scores the earlier paragraph ranks higher, its index, text, heading, tags). Tuples, not objects:
# the heaps see every tagged paragraph of a large corpus.
Example = tuple[float, int, int, str, str, tuple[str, ...]]


def example_dict(example: Example) -> dict[str, Any]:
    score, _, index, text, heading, tags = example
    return {"index": index, "score": score, "heading": heading, "text": text, "tags": list(tags)}


@dataclass
class DocumentStats:
    """One document as the report sees it: where it came from, its record fields, its composition so far."""

    source: str
    record: int | None
    meta: dict[str, Any]
    composer: Composer
    examples: dict[str, list[Example]] = field(default_factory=dict)  # per domain, a min-heap of the best


class Collector:
    """Accumulates paragraph rows (dicts shaped like `policytag tag` JSONL rows) into per-document statistics,
    paragraph co-occurrence counts and a sample for characteristic terms."""

    def __init__(self, domains: Sequence[str] = (), examples: int = 10, term_sample: int = TERM_SAMPLE,
                 seed: int = 0):
        self.domains: list[str] = list(domains)
        self.examples = examples
        self.term_sample = term_sample
        self.documents: dict[tuple[str, int | None], DocumentStats] = {}
        self.paragraphs = 0
        self._known = set(self.domains)
        self._pairs: dict[tuple[str, ...], int] = {}  # paragraphs per tag set
        self._sample: list[tuple[str, tuple[str, ...]]] = []
        self._random = random.Random(seed)
        self.models: dict[str, int] = {}  # model versions named in the rows, with their paragraph counts

    def add(self, row: dict[str, Any], where: str = "") -> None:
        """One paragraph row; ReportError naming `where` when it lacks what a report needs."""
        text, tags, source = row.get("text"), row.get("tags"), row.get("source")
        if not isinstance(text, str) or not isinstance(tags, list) or not isinstance(source, str):
            raise ReportError(f"{where}: not a paragraph row of `policytag tag` (needs text, tags and source); "
                              "give the JSONL that `policytag tag ... -o FILE` wrote, or the documents themselves")
        names = tuple(dict.fromkeys(str(t["domain"]) if isinstance(t, dict) else str(t) for t in tags))
        raw_scores = row.get("scores")
        scores: dict[str, Any] = raw_scores if isinstance(raw_scores, dict) else {}
        for name in (*scores, *names):
            if name not in self._known:  # a domain the model order did not name: after the known ones
                self._known.add(name)
                self.domains.append(name)
        raw_record = row.get("record")
        record = raw_record if isinstance(raw_record, int) else None
        key = (source, record)
        document = self.documents.get(key)
        if document is None:
            raw_meta = row.get("meta")
            meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
            document = self.documents[key] = DocumentStats(source, record, meta, Composer(self.domains))
        document.composer.add(len(text), names)
        self.paragraphs += 1
        model = row.get("model")
        if model.__class__ is str and model:
            self.models[model] = self.models.get(model, 0) + 1
        if names:
            self._pairs[names] = self._pairs.get(names, 0) + 1
            if self.examples:
                self._keep_examples(document, row, text, names, scores, tags)
        self._keep_for_terms(text, names)

    def _keep_examples(self, document: DocumentStats, row: dict[str, Any], text: str, names: tuple[str, ...],
                       scores: dict[str, Any], tags: list[Any]) -> None:
        raw_index = row.get("index")
        index = raw_index if isinstance(raw_index, int) else document.composer.paragraphs - 1
        entry: tuple[str, str] | None = None  # (text, heading) as shown: built only when a heap takes it
        for name in names:
            score = scores.get(name)
            if score is None:
                score = next((t.get("score") for t in tags if isinstance(t, dict) and t.get("domain") == name), 0)
            key = (float(score or 0), -index)
            heap = document.examples.setdefault(name, [])
            if len(heap) >= self.examples and key <= heap[0][:2]:
                continue
            if entry is None:
                heading = row.get("heading")
                entry = (text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS - 1] + "…",
                         " > ".join(map(str, heading)) if isinstance(heading, list) else str(heading or ""))
            example: Example = (key[0], key[1], index, entry[0], entry[1], names)
            if len(heap) < self.examples:
                heapq.heappush(heap, example)
            else:
                heapq.heapreplace(heap, example)

    def _keep_for_terms(self, text: str, names: tuple[str, ...]) -> None:
        # Reservoir sampling (Algorithm R): every paragraph seen so far is in the sample with equal probability.
        if len(self._sample) < self.term_sample:
            self._sample.append((text, names))
        else:
            slot = self._random.randrange(self.paragraphs)
            if slot < self.term_sample:
                self._sample[slot] = (text, names)

    def cooccurrence(self, ids: Sequence[str] | None = None) -> np.ndarray:
        """Paragraphs tagged with both domains (diagonal: with the domain), in `ids` order [default: `self.domains`]."""
        order = list(self.domains if ids is None else ids)
        index = {d: i for i, d in enumerate(order)}
        matrix = np.zeros((len(order), len(order)), dtype=np.int64)
        for names, count in self._pairs.items():
            found = [index[d] for d in names if d in index]
            for a in found:
                matrix[a, found] += count
        return matrix

    def inputs(self) -> list[DocumentInput]:
        """The documents read so far, in the order they were first seen, ready for `analysis.analyse`."""
        return [DocumentInput(d.source, d.record, d.meta, d.composer.result(),
                              {name: [example_dict(e) for e in sorted(heap, reverse=True)]
                               for name, heap in d.examples.items()})
                for d in self.documents.values()]

    def sample(self) -> list[tuple[str, tuple[str, ...]]]:
        """The paragraphs (text, tags) kept for characteristic terms: all of them, or a uniform sample."""
        return self._sample


def tag_rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, row) for every paragraph row of a `policytag tag` JSONL file; --doc-summary document rows are
    skipped (the report recomputes documents from their paragraphs). ReportError names a bad line."""
    try:
        handle = path.open(encoding="utf-8-sig")
    except OSError as exc:
        raise ReportError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}: line {number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ReportError(f"{where}: not JSON ({exc.msg}); a `policytag tag` output has one JSON object "
                                  "per line") from None
            if not isinstance(row, dict):
                raise ReportError(f"{where}: not a JSON object; a `policytag tag` output has one object per line")
            if row.get("kind") == "document":
                continue
            yield where, row
        return


def is_tag_output(path: Path) -> bool:
    """Whether `path` is a `policytag tag` JSONL output (its first row has source, text, tags and scores) rather
    than documents or records to tag."""
    if path.suffix.lower() != ".jsonl" or not path.is_file():
        return False
    try:
        with path.open(encoding="utf-8-sig") as handle:
            for line in handle:
                if line.strip():
                    row = json.loads(line)
                    return isinstance(row, dict) and {"source", "tags", "scores"} <= set(row) and (
                        "text" in row or row.get("kind") == "document")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return False


def collect(paths: Iterable[Path], collector: Collector) -> Collector:
    """Feed every paragraph row of these tag outputs to `collector`."""
    for path in paths:
        for where, row in tag_rows(path):
            collector.add(row, where)
    return collector
