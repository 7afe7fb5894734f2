"""The service's one tagging call: a request's units in, results with domain names out, within its deadline.

`POST /v1/tag` (`tag_texts`: texts, split here within the request's budget) and `POST /v1/upload`
(`tag_read_document`: a document already read into paragraphs with their headings) both tag through
`tag_units`: the units are tagged in batches, each batch in its tagging turn (`service.turns`) with the
deadline checked before it, and rolled up to the document by `model.tagging.summarize_document`. The answer's
JSON shape for one text or document is `result_row`'s.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from model.paragraphs import Paragraph
from model.tagging import Tagged, summarize_document, tag_paragraphs
from model.text import Block
from service.budget import Deadline, split_within_budget, units_within_budget
from service.holder import ModelHolder, Served
from service.turns import tagging_turn

# Units tagged between two deadline checks: few enough that a batch ends soon after the deadline, even
# explained, and enough that the checks cost nothing beside the tagging.
BATCH = 200


@dataclass(frozen=True)
class TagOptions:
    """What the caller chose: one threshold for every domain (None: the model's own) and explanations."""

    threshold: float | None = None
    explain: bool = False


def tag_units(served: Served, units: Sequence[str], skipped: Sequence[Block], options: TagOptions,
              deadline: Deadline, text: str = "", headings: Sequence[str] | None = None) -> dict[str, Any]:
    """One text's or document's result (`result_row`) from its units to tag and the lines skipped; TimeIsUp
    once `deadline` has passed (checked before each batch)."""
    paragraphs: list[Tagged] = []
    deadline.check()
    for start in range(0, len(units), BATCH):
        if start:
            deadline.check()
        with tagging_turn(deadline):
            paragraphs += tag_paragraphs(served.tagger, units[start:start + BATCH], options.threshold,
                                         options.explain)
    document = summarize_document(served.tagger.classes_, paragraphs, text)
    return result_row(document, paragraphs, skipped, served.names, options.explain, headings)


def tag_texts(texts: Sequence[str], options: TagOptions, config: Mapping[str, Any],
              holder: ModelHolder) -> dict[str, Any]:
    """The body of a POST /v1/tag answer (its view's and `service.fastpath`'s): each text split into paragraphs
    within the request's budget (OverBudget over it), then tagged; NoModel without a model."""
    deadline = Deadline(float(config["REQUEST_TIMEOUT_SECONDS"]))
    splits = split_within_budget(texts, options.explain, config, deadline)
    served = holder.served()
    results = [tag_units(served, units, skipped, options, deadline, text)
               for text, (units, skipped) in zip(texts, splits)]
    return {"model": {"version": served.version}, "results": results}


def tag_read_document(paragraphs: Sequence[Paragraph], skipped: Sequence[Block], options: TagOptions,
                      config: Mapping[str, Any], holder: ModelHolder, deadline: Deadline) -> dict[str, Any]:
    """The body of a POST /v1/upload answer but its `source`: a document already read into paragraphs (with their
    headings) checked against one request's budget (OverBudget over it, before any tagging), then tagged as one
    result within `deadline`; NoModel without a model."""
    units = [p.text for p in paragraphs]
    units_within_budget(units, skipped, options.explain, config)
    served = holder.served()
    result = tag_units(served, units, skipped, options, deadline, headings=[p.heading for p in paragraphs])
    return {"model": {"version": served.version}, "results": [result]}


def _tags(result: Tagged, names: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{"domain": d, "name": names.get(d, d), "score": s} for d, s in result.tags]


def result_row(document: Tagged, paragraphs: Sequence[Tagged], skipped: Sequence[Block], names: Mapping[str, str],
               explain: bool, headings: Sequence[str] | None = None) -> dict[str, Any]:
    """One text's entry in a /v1/tag (or /v1/upload) answer; `headings`: each paragraph's heading path."""
    paragraph_rows = []
    for index, p in enumerate(paragraphs):
        row: dict[str, Any] = {"index": index, "text": p.text, "tags": _tags(p, names), "scores": p.scores}
        if explain:
            row["explanations"] = p.explanations
        if headings is not None:
            row["heading"] = headings[index]
        paragraph_rows.append(row)
    shares = document.composition.domains if document.composition is not None else {}
    tags = [{**t, "share": shares[t["domain"]].share} if t["domain"] in shares else t for t in _tags(document, names)]
    result = {"tags": tags, "scores": document.scores, "paragraphs": paragraph_rows,
              # lines not tagged, so nothing disappears without a word
              "skipped": [{"text": b.text, "reason": b.role or "title"} for b in skipped]}
    if document.composition is not None:
        result["composition"] = document.composition.to_dict()
    return result
