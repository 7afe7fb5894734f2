"""The cost budget of one tag request (/v1/tag, or one /v1/upload document): total characters, paragraphs and
explained paragraphs, and a deadline.

Limits on single texts and on the number of texts (service/request_body.py) do not bound the work: many long
texts within both hold a worker for minutes and make huge answers (benchmarks/README.md has the figures). Here
the whole request is measured before any tagging, and tagging stops with 503 when its time is up.
"""
from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from model.errors import PolicytagError
from model.readers import ReadLimits
from model.text import Block, split_for_tagging

Split = tuple[list[str], list[Block]]


class OverBudget(PolicytagError):
    """A request that would cost more than one request may (characters, paragraphs, explained paragraphs)."""


class TimeIsUp(PolicytagError):
    """A request whose tagging ran out of its time and was stopped."""


class Deadline:
    """The time a request may spend tagging; `check()` raises TimeIsUp once it has run out."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.ends:
            raise self.expired()

    def remaining(self) -> float:
        return max(0.0, self.ends - time.monotonic())

    def expired(self) -> TimeIsUp:
        return TimeIsUp(f"tagging this request took longer than {self.seconds:g} s, so it was stopped; "
                        "send fewer or shorter texts per request (limit: POLICYTAG_REQUEST_TIMEOUT_SECONDS)")


def _check_chars(chars: int, config: Mapping[str, Any]) -> None:
    max_chars = int(config["MAX_TOTAL_CHARS"])
    if chars > max_chars:
        raise OverBudget(f"the texts have {chars} characters in all, over the limit of {max_chars} per request; "
                         "send them in several requests (POLICYTAG_MAX_TOTAL_CHARS)")


def _check_counts(paragraphs: int, lines: int, explain: bool, config: Mapping[str, Any]) -> None:
    max_paragraphs = int(config["MAX_PARAGRAPHS"])
    max_explained = int(config["MAX_EXPLAIN_PARAGRAPHS"])
    if lines > max_paragraphs:
        raise OverBudget(f"the texts hold over {max_paragraphs} paragraphs (and skipped lines) in all, the "
                         "limit per request; send them in several requests (POLICYTAG_MAX_PARAGRAPHS)")
    if explain and paragraphs > max_explained:
        raise OverBudget(f'"explain": true is limited to {max_explained} paragraphs per request and these '
                         "texts hold more; send fewer texts with explain, or leave explain out "
                         "(POLICYTAG_MAX_EXPLAIN_PARAGRAPHS)")


def split_within_budget(texts: Sequence[str], explain: bool, config: Mapping[str, Any],
                        deadline: Deadline) -> list[Split]:
    """Each text split into (paragraphs, skipped lines); OverBudget as soon as the request is over budget."""
    _check_chars(sum(len(t) for t in texts), config)
    splits, paragraphs, lines = [], 0, 0
    for text in texts:
        deadline.check()
        split = split_for_tagging(text)
        paragraphs += len(split[0])
        lines += len(split[0]) + len(split[1])  # skipped lines are echoed in the response too
        _check_counts(paragraphs, lines, explain, config)
        splits.append(split)
    return splits


def units_within_budget(units: Sequence[str], skipped: Sequence[Block], explain: bool,
                        config: Mapping[str, Any]) -> None:
    """OverBudget when a document already split into units (an upload) is over the budget of one tag request.

    Characters are those of the text read from the file (units and skipped lines), not of its markup.
    """
    _check_chars(sum(len(u) for u in units) + sum(len(b.text) for b in skipped), config)
    _check_counts(len(units), len(units) + len(skipped), explain, config)


def upload_limits(config: Mapping[str, Any]) -> ReadLimits:
    """How far the server reads one uploaded document (`POST /v1/upload`, a file to `POST /v1/pool`): twice the
    text of one tag request (the exact budget of the request is checked on what was read, with its own message),
    in `DOCUMENT_READ_SECONDS`, and the zip parts and pages a 2 MB upload may honestly hold (a worker stays well
    under 500 MB with several read at once)."""
    return ReadLimits(members=1_000, part_bytes=16 * 1024 * 1024, total_bytes=64 * 1024 * 1024, pages=500,
                      chars=2 * int(config["MAX_TOTAL_CHARS"]) + 10_000, seconds=float(config["DOCUMENT_READ_SECONDS"]),
                      fix="send a smaller document, or tag this one with `policytag tag` (its limits are larger) "
                          "(POLICYTAG_MAX_TOTAL_CHARS, POLICYTAG_DOCUMENT_READ_SECONDS)")
