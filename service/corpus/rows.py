"""Output rows of `policytag tag`: one per paragraph (and per document with --doc-summary), as JSONL or CSV.

Rows are encoded in the workers (the encoding is a fair share of the work) and the parent only writes
bytes, in input order. The same settings always give the same bytes.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from model.composition import DEFAULT_MIN_SHARE
from model.tagging import Tagged

BOM = "\ufeff".encode()


@dataclass(frozen=True)
class Settings:
    """What every task needs to know besides its items; small, so it travels with each task."""

    fmt: str = "jsonl"
    threshold: float | None = None  # --min-score: one cut-off for every domain (None: the model's own)
    only: tuple[str, ...] = ()  # keep rows tagged with one of these domains
    explain: bool = False
    doc_summary: bool = False
    text_field: str = "text"
    domains: tuple[str, ...] = ()  # the model's classes, in its order (CSV score columns)
    version: str = ""  # the model version named in every row
    min_share: float = DEFAULT_MIN_SHARE  # --doc-summary: the share of a document's tagged text a tag needs

    def fingerprint(self) -> dict[str, object]:
        return {"fmt": self.fmt, "threshold": self.threshold, "only": list(self.only), "explain": self.explain,
                "doc_summary": self.doc_summary, "text_field": self.text_field, "version": self.version,
                "min_share": self.min_share}


def csv_columns(settings: Settings) -> list[str]:
    columns = ["source", "record", "index", "start", "end", "heading", "text", "tags",
               *[f"score_{d}" for d in settings.domains], "model", "meta"]
    if settings.doc_summary:
        columns = ["kind", *columns, "characters", "tagged_paragraphs", "tagged_characters",
                   *[f"{what}_{d}" for d in settings.domains for what in ("paragraphs", "characters", "share")]]
    if settings.explain:
        columns.append("explain")
    return columns


def header(settings: Settings, bom: bool) -> bytes:
    """What the output starts with: nothing for JSONL; the BOM (Excel on Chinese Windows) and column names for CSV."""
    if settings.fmt != "csv":
        return b""
    return (BOM if bom else b"") + _csv_line(csv_columns(settings)).encode("utf-8")


def _csv_line(values: Sequence[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue()


def _explain_text(explanations: dict[str, list[dict[str, object]]]) -> str:
    """The CSV explain cell: JSON {domain: {term: weight}} (best first), so no term can be mistaken for a
    separator whatever characters it holds."""
    return json.dumps({domain: {str(c["term"]): c["weight"] for c in terms} for domain, terms in explanations.items()},
                      ensure_ascii=False) if explanations else ""


def keep(result: Tagged, settings: Settings) -> bool:
    """--only: a row is written when one of its tags is one of the chosen domains."""
    return not settings.only or any(d in settings.only for d, _ in result.tags)


def paragraph_row(settings: Settings, source: str, record: int | None, meta: dict[str, Any] | None, index: int,
                  start: int, end: int, heading: Sequence[str], result: Tagged) -> str:
    """One paragraph as a JSON line or a CSV line (with its line end)."""
    if settings.fmt == "csv":
        values: list[object] = [source, "" if record is None else record, index, start, end, " > ".join(heading),
                                result.text, "|".join(d for d, _ in result.tags),
                                *[result.scores[d] for d in settings.domains], settings.version,
                                "" if meta is None else json.dumps(meta, ensure_ascii=False, sort_keys=True)]
        if settings.doc_summary:
            values = ["paragraph", *values, *[""] * (3 + 3 * len(settings.domains))]
        if settings.explain:
            values.append(_explain_text(result.explanations))
        return _csv_line(values)
    row: dict[str, Any] = {}
    if settings.doc_summary:
        row["kind"] = "paragraph"
    row["source"] = source
    if record is not None:
        row["record"] = record
    row.update(index=index, start=start, end=end, heading=list(heading), text=result.text,
               tags=[{"domain": d, "score": s} for d, s in result.tags], scores=result.scores,
               model=settings.version)
    if meta is not None:
        row["meta"] = meta
    if settings.explain:
        row["explanations"] = result.explanations
    return json.dumps(row, ensure_ascii=False) + "\n"


def document_row(settings: Settings, source: str, record: int | None, meta: dict[str, Any] | None,
                 paragraphs: int, result: Tagged) -> str:
    """--doc-summary: one row per document after its paragraphs' rows: its tags by the share rule
    (`model.composition`), each with its best paragraph's score and its share, and the composition behind them."""
    composition = result.composition
    assert composition is not None, "document rows are built from summarize_document results"
    if settings.fmt == "csv":
        shares = composition.domains
        values: list[object] = ["document", source, "" if record is None else record, "", "", "", "", "",
                                "|".join(d for d, _ in result.tags), *[result.scores[d] for d in settings.domains],
                                settings.version,
                                "" if meta is None else json.dumps(meta, ensure_ascii=False, sort_keys=True),
                                composition.characters, composition.tagged_paragraphs, composition.tagged_characters]
        for d in settings.domains:
            values += [shares[d].paragraphs, shares[d].characters, shares[d].share]
        if settings.explain:
            values.append("")
        return _csv_line(values)
    row: dict[str, Any] = {"kind": "document", "source": source}
    if record is not None:
        row["record"] = record
    row.update(paragraphs=paragraphs, tags=document_tags(result), scores=result.scores,
               composition=composition.to_dict(), model=settings.version)
    if meta is not None:
        row["meta"] = meta
    return json.dumps(row, ensure_ascii=False) + "\n"


def document_tags(result: Tagged) -> list[dict[str, Any]]:
    """A document's tags as rows and the API show them: domain, best paragraph score, share of the tagged text."""
    shares = result.composition.domains if result.composition is not None else {}
    return [{"domain": d, "score": s, **({"share": shares[d].share} if d in shares else {})} for d, s in result.tags]
