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
TERM_SAMPLE = 20_000
# The longest paragraph text a drill-down keeps (longer ones end with "…"; the tag output has them whole).
EXAMPLE_CHARS = 600


@dataclass(order=True)
class Example:
    """A paragraph behind a heatmap cell: its score for the cell's domain, where it is, its text."""

    score: float
    order: int  # negative paragraph index, so that of equal scores the earlier paragraph ranks higher
    index: int = field(compare=False)
    text: str = field(compare=False)
    heading: str = field(compare=False)
    tags: tuple[str, ...] = field(compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "score": self.score, "heading": self.heading, "text": self.text,
                "tags": list(self.tags)}


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
        self._pairs: dict[tuple[str, str], int] = {}
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
            if name not in self.domains:  # a domain the model order did not name: after the known ones
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
        if isinstance(model, str) and model:
            self.models[model] = self.models.get(model, 0) + 1
        for i, a in enumerate(names):
            for b in names[i:]:
                pair = (a, b) if a <= b else (b, a)
                self._pairs[pair] = self._pairs.get(pair, 0) + 1
        if self.examples and names:
            raw_index = row.get("index")
            index = raw_index if isinstance(raw_index, int) else document.composer.paragraphs - 1
            heading = row.get("heading")
            heading = " > ".join(map(str, heading)) if isinstance(heading, list) else str(heading or "")
            shown = text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS - 1] + "…"
            for name in names:
                score = scores.get(name)
                if score is None:
                    score = next((t.get("score") for t in tags if isinstance(t, dict) and t.get("domain") == name), 0)
                example = Example(float(score or 0), -index, index, shown, heading, names)
                heap = document.examples.setdefault(name, [])
                if len(heap) < self.examples:
                    heapq.heappush(heap, example)
                elif example > heap[0]:
                    heapq.heapreplace(heap, example)
        self._keep_for_terms(text, names)

    def _keep_for_terms(self, text: str, names: tuple[str, ...]) -> None:
        # Reservoir sampling (Algorithm R): every paragraph seen so far is in the sample with equal probability.
        if len(self._sample) < self.term_sample:
            self._sample.append((text, names))
        else:
            slot = self._random.randrange(self.paragraphs)
            if slot < self.term_sample:
                self._sample[slot] = (text, names)

    def cooccurrence(self) -> np.ndarray:
        """Paragraphs tagged with both domains (diagonal: with the domain), in `self.domains` order."""
        n = len(self.domains)
        index = {d: i for i, d in enumerate(self.domains)}
        matrix = np.zeros((n, n), dtype=np.int64)
        for (a, b), count in self._pairs.items():
            matrix[index[a], index[b]] = matrix[index[b], index[a]] = count
        return matrix

    def inputs(self) -> list[DocumentInput]:
        """The documents read so far, in the order they were first seen, ready for `analysis.analyse`."""
        return [DocumentInput(d.source, d.record, d.meta, d.composer.result(),
                              {name: [e.to_dict() for e in sorted(heap, reverse=True)]
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
