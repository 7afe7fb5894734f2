"""What a document is about: per domain, the paragraphs and characters tagged with it and their share of the
document's tagged text; the document's tags are the domains whose share reaches a minimum.

The one rule for document rows: `policytag tag --doc-summary`, the API's document result and
`policytag report` all use it. A share is a domain's tagged characters over the characters of the paragraphs
that carry any tag (a paragraph with two tags counts for both, so shares can add up to more than 1). Counting
characters rather than paragraphs keeps a one-line sub-heading from weighing as much as a long paragraph.
Every domain any one paragraph got would be a poor document tag: an encyclopedia article about AI would be
`innovation|consumption` because of one sentence about shopping.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from model.errors import PolicytagError

# A domain is a tag of the document when at least this share of its tagged text is about the domain.
DEFAULT_MIN_SHARE = 0.1
SHARE_AT_LEAST, SHARE_AT_MOST = 0.0, 1.0  # the range of a minimum share (every caller checks against these)


class ShareError(PolicytagError, ValueError):
    """A minimum share outside [0, 1]."""


def check_min_share(value: float) -> float:
    """`value` as a float if it is in [0, 1]; ShareError naming the fix otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not SHARE_AT_LEAST <= value <= SHARE_AT_MOST:
        raise ShareError(f"the minimum share must be a number in [0, 1], got {value!r}; "
                         f"e.g. {DEFAULT_MIN_SHARE} (a tenth of the tagged text)")
    return float(value)


@dataclass(frozen=True)
class DomainShare:
    """One domain in one document: paragraphs and characters tagged with it, their share of the tagged text."""

    paragraphs: int
    characters: int
    share: float

    def to_dict(self) -> dict[str, Any]:
        return {"paragraphs": self.paragraphs, "characters": self.characters, "share": self.share}


@dataclass(frozen=True)
class Composition:
    """A document's make-up: its paragraphs and characters, those with any tag, and every domain's share."""

    paragraphs: int
    characters: int
    tagged_paragraphs: int
    tagged_characters: int
    domains: dict[str, DomainShare]  # every domain of the model, in the model's order

    def tags(self, min_share: float = DEFAULT_MIN_SHARE) -> list[str]:
        """The document's tags: domains with a tagged paragraph and at least `min_share` of the tagged text,
        largest share first (ties: the model's order)."""
        floor = check_min_share(min_share)
        order = {d: i for i, d in enumerate(self.domains)}
        chosen = [d for d, s in self.domains.items() if s.paragraphs and s.share >= floor]
        return sorted(chosen, key=lambda d: (-self.domains[d].share, order[d]))

    def to_dict(self) -> dict[str, Any]:
        return {"paragraphs": self.paragraphs, "characters": self.characters,
                "tagged_paragraphs": self.tagged_paragraphs, "tagged_characters": self.tagged_characters,
                "domains": {d: s.to_dict() for d, s in self.domains.items()}}


class Composer:
    """Builds a Composition paragraph by paragraph (so a stream of rows needs no list of them)."""

    def __init__(self, domains: Sequence[str]):
        self.domains = list(domains)
        self.paragraphs = self.characters = self.tagged_paragraphs = self.tagged_characters = 0
        self._paragraphs = dict.fromkeys(self.domains, 0)
        self._characters = dict.fromkeys(self.domains, 0)

    def add(self, characters: int, tags: Iterable[str]) -> None:
        """One paragraph: its length in characters and its tags (domains the composer does not know are added)."""
        tags = list(dict.fromkeys(tags))
        self.paragraphs += 1
        self.characters += characters
        if not tags:
            return
        self.tagged_paragraphs += 1
        self.tagged_characters += characters
        for domain in tags:
            if domain not in self._paragraphs:
                self.domains.append(domain)
                self._paragraphs[domain] = self._characters[domain] = 0
            self._paragraphs[domain] += 1
            self._characters[domain] += characters

    def result(self) -> Composition:
        total = self.tagged_characters
        return Composition(self.paragraphs, self.characters, self.tagged_paragraphs, total, {
            d: DomainShare(self._paragraphs[d], self._characters[d],
                           round(self._characters[d] / total, 4) if total else 0.0) for d in self.domains})


def compose(domains: Sequence[str], paragraphs: Iterable[tuple[str, Iterable[str]]]) -> Composition:
    """The Composition of a document from its paragraphs' (text, tags)."""
    composer = Composer(domains)
    for text, tags in paragraphs:
        composer.add(len(text), tags)
    return composer.result()
