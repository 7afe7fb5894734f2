"""The cost budget of one tag request: total characters, paragraphs and explained paragraphs, and a deadline.

Limits on single texts and on the number of texts (service/requests.py) do not bound the work: 1,000 texts
of 230 paragraphs each took a worker over a minute with explanations and answered 37 MB without. Here the
whole request is measured before any tagging, and tagging stops with 503 when its time is up.
"""
from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from model.text import Block, split_for_tagging
from service.errors import ApiError

Split = tuple[list[str], list[Block]]


class Deadline:
    """The time a request may spend tagging; `check()` raises ApiError 503 once it has run out."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.ends:
            raise ApiError(503, f"tagging this request took longer than {self.seconds:g} s, so it was stopped; "
                                "send fewer or shorter texts per request (limit: POLICYTAG_REQUEST_TIMEOUT_SECONDS)")


def split_within_budget(texts: Sequence[str], explain: bool, config: Mapping[str, Any],
                        deadline: Deadline) -> list[Split]:
    """Each text split into (paragraphs, skipped lines); ApiError 413 as soon as the request is over budget."""
    chars, max_chars = sum(len(t) for t in texts), int(config["MAX_TOTAL_CHARS"])
    if chars > max_chars:
        raise ApiError(413, f"the texts have {chars} characters in all, over the limit of {max_chars} per request; "
                            "send them in several requests (POLICYTAG_MAX_TOTAL_CHARS)")
    max_paragraphs = int(config["MAX_PARAGRAPHS"])
    max_explained = int(config["MAX_EXPLAIN_PARAGRAPHS"])
    splits, paragraphs, lines = [], 0, 0
    for text in texts:
        deadline.check()
        split = split_for_tagging(text)
        paragraphs += len(split[0])
        lines += len(split[0]) + len(split[1])  # skipped lines are echoed in the response too
        if lines > max_paragraphs:
            raise ApiError(413, f"the texts hold over {max_paragraphs} paragraphs (and skipped lines) in all, the "
                                "limit per request; send them in several requests (POLICYTAG_MAX_PARAGRAPHS)")
        if explain and paragraphs > max_explained:
            raise ApiError(413, f'"explain": true is limited to {max_explained} paragraphs per request and these '
                                "texts hold more; send fewer texts with explain, or leave explain out "
                                "(POLICYTAG_MAX_EXPLAIN_PARAGRAPHS)")
        splits.append(split)
    return splits
