"""The review pool's inputs: documents, `policytag tag` JSONL output and the seeds' unlabelled paragraphs.

Paragraphs already labelled (seed documents, seed label files, the store) never enter the pool: there is
nothing to review in them.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from model.readers import SUPPORTED_SUFFIXES, iter_paths, read_bytes
from model.reading import read_paragraphs
from training.data.bootstrap import bootstrap_paths, seed_documents
from training.data.store import ExampleStore, normalize_key
from training.data.taxonomy import Taxonomy

PoolRow = tuple[str, str, str]  # (text, source, heading)


@dataclass
class PoolImport:
    """What an import did: paragraphs read, newly pooled, skipped as labelled, files that failed."""

    read: int = 0
    added: int = 0
    labelled: int = 0
    pool_size: int = 0
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"read": self.read, "added": self.added, "already_labelled": self.labelled,
                "pool_size": self.pool_size, "problems": self.problems}


def pool_files(inputs: Iterable[Path]) -> list[Path]:
    """Files to import: each input file, and the readable files under each folder (sorted, recursive)."""
    return list(iter_paths(inputs, suffixes=SUPPORTED_SUFFIXES))


def read_pool_file(data: bytes, name: str) -> list[PoolRow]:
    """(text, source, heading) rows of one uploaded or local file; ReadError when it cannot be read."""
    if name.lower().endswith(".jsonl"):  # a `policytag tag` output (or any JSONL with a `text` field): a row a record
        return [(d.text, str(d.meta.get("source") or name), str(d.meta.get("heading") or ""))
                for d in read_bytes(data, name)]
    paragraphs, _ = read_paragraphs(data, name)
    return [(p.text, name, p.heading) for p in paragraphs]


def seed_rows(seeds: Path, taxonomy: Taxonomy) -> list[PoolRow]:
    """The seed documents' paragraphs the bootstrap could not label (no matching heading)."""
    documents = seed_documents(seeds)
    examples, _ = bootstrap_paths(documents, taxonomy) if documents else ([], None)
    return [(e.text, f"seed:{e.source}", e.heading) for e in examples if not e.labels]


def import_rows(store: ExampleStore, rows: Iterable[PoolRow], labelled_keys: set[str],
                result: PoolImport | None = None) -> PoolImport:
    """Pool the rows whose text is not labelled already; updates and returns `result`."""
    result = result or PoolImport()
    fresh = []
    for row in rows:
        result.read += 1
        if isinstance(row[0], str) and normalize_key(row[0]) in labelled_keys:  # the store checks the rest
            result.labelled += 1
        else:
            fresh.append(row)
    result.added += store.pool_add(fresh)
    result.pool_size = store.pool_size()
    return result
