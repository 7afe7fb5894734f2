"""Bootstrapping labels from headings: documents -> labelled paragraphs plus a report of why.

An article starts at a `#` title or at a byline. A paragraph's domains come from the deepest heading above
it (within its article) that matches the taxonomy, else from its article's title. Failing that, it is a
weak negative ("none", `label_kind` "none") when sibling sections of its section (same parent, same level)
match a domain, by their own heading or one below it: a report whose `（三）` is about innovation and whose
`（七）` is about 民生 says that `（七）` is about none of the domains. Otherwise it is unlabelled. A `#` title
with no body of its own (PDF extraction sometimes moves it after its article) is given to the neighbouring
article that has no title.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from model.readers import DOCUMENT_SUFFIXES, iter_paths, read_path
from model.text import Block, parse_blocks
from training.data.taxonomy import HeadingMatch, Taxonomy

# Documents whose headings can label paragraphs (.md, .txt, .docx, .pdf, .html, ...); record files
# (.jsonl/.csv) in the seeds folder are labelled examples, read by training, not bootstrapped.
__all__ = ["DOCUMENT_SUFFIXES", "BootstrapReport", "Example", "bootstrap_blocks", "bootstrap_paths",
           "bootstrap_text", "find_documents", "format_report"]


@dataclass(frozen=True)
class Example:
    """A labelled paragraph: `heading` is the heading path, `label_from` the heading that gave the labels;
    `label_kind` says what the labels are: "domain", "none" (a weak negative from an unmatched section whose
    siblings match) or "unlabelled" (no evidence either way; never trained on)."""

    text: str
    labels: tuple[str, ...]
    source: str
    heading: str = ""
    label_from: str = ""
    label_kind: str = "domain"

    def to_dict(self) -> dict[str, object]:
        return {"text": self.text, "labels": list(self.labels), "source": self.source,
                "heading": self.heading, "label_from": self.label_from, "label_kind": self.label_kind}

    @property
    def trainable(self) -> bool:
        """Has labels to learn from: domains, or a weak negative."""
        return self.label_kind != "unlabelled"


@dataclass
class BootstrapReport:
    """What the bootstrap did, for the stderr summary."""

    paragraphs: int = 0
    unlabelled: int = 0
    negatives: int = 0  # paragraphs of unmatched sections with matching siblings, labelled "none"
    rejoined: int = 0
    per_domain: Counter[str] = field(default_factory=Counter)
    boilerplate: Counter[str] = field(default_factory=Counter)
    headings: dict[str, HeadingMatch] = field(default_factory=dict)  # heading -> domains and keyword hits
    negative_sections: Counter[str] = field(default_factory=Counter)  # unmatched heading -> paragraphs
    orphan_titles: list[str] = field(default_factory=list)

    def merge(self, other: BootstrapReport) -> None:
        self.paragraphs += other.paragraphs
        self.unlabelled += other.unlabelled
        self.negatives += other.negatives
        self.negative_sections.update(other.negative_sections)
        self.rejoined += other.rejoined
        self.per_domain.update(other.per_domain)
        self.boilerplate.update(other.boilerplate)
        self.headings.update(other.headings)
        self.orphan_titles += other.orphan_titles


@dataclass
class _Article:
    title: str | None = None
    # (paragraph block, section heading stack below the title)
    items: list[tuple[Block, tuple[str, ...]]] = field(default_factory=list)


def _articles(blocks: list[Block]) -> tuple[list[_Article], list[str]]:
    """Group blocks into articles; returns the articles and the titles that had no body."""
    articles: list[_Article] = [_Article()]
    orphans: list[tuple[int, str]] = []  # (index of the article the title stood before, title)
    stack: list[tuple[int, str]] = []  # (level, heading) below the title
    for block in blocks:
        current = articles[-1]
        if block.kind == "boilerplate" and block.role == "byline":
            if current.items:
                articles.append(_Article())
                stack = []
        elif block.kind == "heading" and block.level == 1:
            if current.items:
                articles.append(_Article(title=block.text))
                stack = []
            elif current.title is None:
                current.title = block.text
            else:  # two titles in a row: the first has no body
                orphans.append((len(articles) - 1, current.title))
                current.title = block.text
        elif block.kind == "heading":
            stack = [(lvl, h) for lvl, h in stack if lvl < block.level] + [(block.level, block.text)]
        elif block.kind == "paragraph":
            current.items.append((block, tuple(h for _, h in stack)))
    if articles[-1].title is not None and not articles[-1].items and len(articles) > 1:
        orphans.append((len(articles) - 1, articles[-1].title))
        articles[-1].title = None
    unplaced = []
    for index, title in orphans:
        # The article just before the stray title, else the one after it, if it lacks a title.
        for neighbour in (index - 1, index):
            if 0 <= neighbour < len(articles) and articles[neighbour].title is None and articles[neighbour].items:
                articles[neighbour].title = title
                break
        else:
            unplaced.append(title)
    return [a for a in articles if a.items], unplaced


def _subtrees(article: _Article, state: Callable[[str], int]) -> dict[tuple[str, ...], int]:
    """Section path -> the strongest heading state in that section or below it (0 clean, 1 ambiguous,
    2 matches a domain)."""
    found: dict[tuple[str, ...], int] = {}
    for _, sections in article.items:
        for depth in range(len(sections)):
            node = sections[:depth + 1]
            found[node] = max(found.get(node, 0), *(state(h) for h in sections[depth:]))
    return found


def _unmatched_beside_matched(sections: tuple[str, ...], subtrees: dict[tuple[str, ...], int]) -> str:
    """The heading of the largest section around this paragraph that has no match or ambiguous heading in
    it and has a sibling section (same parent) that matches; '' if there is none."""
    found = ""
    for depth in range(len(sections), 0, -1):
        node = sections[:depth]
        if subtrees[node]:
            break
        if any(state == 2 for other, state in subtrees.items()
               if len(other) == depth and other[:-1] == node[:-1] and other != node):
            found = node[-1]
    return found


def bootstrap_text(text: str, source: str, taxonomy: Taxonomy,
                   negatives: bool = True) -> tuple[list[Example], BootstrapReport]:
    """Label the content paragraphs of one markdown/plain-text document from its headings."""
    return bootstrap_blocks(parse_blocks(text), source, taxonomy, negatives)


def bootstrap_blocks(blocks: list[Block], source: str, taxonomy: Taxonomy,
                     negatives: bool = True) -> tuple[list[Example], BootstrapReport]:
    """Label the content paragraphs of one document's blocks (from any reader) from its headings;
    `negatives`: label paragraphs of unmatched sections whose sibling sections match "none" (else they stay
    unlabelled)."""
    report = BootstrapReport()
    report.boilerplate.update(b.role for b in blocks if b.kind == "boilerplate")
    articles, report.orphan_titles = _articles(blocks)
    examples = []

    def domains(heading: str) -> list[str]:
        if heading not in report.headings:
            report.headings[heading] = taxonomy.match_heading(heading)
        return report.headings[heading].domains

    for article in articles:
        for _, sections in article.items:  # the report lists headings in document order
            for heading in ([article.title] if article.title else []) + list(sections):
                domains(heading)
        subtrees = _subtrees(article, lambda h: 2 if domains(h) else int(report.headings[h].ambiguous))
        for block, sections in article.items:
            path = ([article.title] if article.title else []) + list(sections)
            labels: list[str] = []
            label_from, kind = "", "unlabelled"
            # Deepest matching heading wins; the article title (path[0]) is the last resort.
            for heading in reversed(path):
                if labels := domains(heading):
                    label_from, kind = heading, "domain"
                    break
            if not labels and sections and negatives:
                # An unmatched section beside sections that match (themselves or below them): the
                # document's own structure says this one is about none of the domains.
                if heading := _unmatched_beside_matched(sections, subtrees):
                    label_from, kind = heading, "none"
                    report.negatives += 1
                    report.negative_sections[heading] += 1
            report.paragraphs += 1
            report.rejoined += block.joined
            report.per_domain.update(labels)
            report.unlabelled += kind == "unlabelled"
            examples.append(Example(block.text, tuple(labels), source, " > ".join(path), label_from, kind))
    return examples, report


def seed_documents(seeds: Path) -> list[Path]:
    """The documents of a seeds folder whose headings label paragraphs; bootstrap, training and the review
    pool all read this list."""
    return find_documents([seeds])


def find_documents(paths: list[Path]) -> list[Path]:
    """Files to read: the files given, and the documents (DOCUMENT_SUFFIXES) inside folders given, except
    README files found in a folder (they describe the folder; they are not its documents)."""
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder")
        if path.is_dir():
            found += [p for p in iter_paths([path], suffixes=DOCUMENT_SUFFIXES)
                      if not p.name.lower().startswith("readme")]
        else:
            found.append(path)
    return found


def bootstrap_paths(paths: list[Path], taxonomy: Taxonomy,
                    negatives: bool = True) -> tuple[list[Example], BootstrapReport]:
    """Bootstrap every document under `paths`; sources are file names relative to their folder.
    `negatives`: see `bootstrap_text`."""
    examples: list[Example] = []
    report = BootstrapReport()
    for path in paths:
        base = path if path.is_dir() else path.parent
        for document in find_documents([path]):
            source = document.relative_to(base).as_posix()
            for read in read_path(document):
                found, part = bootstrap_blocks(list(read.blocks), source, taxonomy, negatives)
                examples += found
                report.merge(part)
    return examples, report


def format_report(report: BootstrapReport, taxonomy: Taxonomy) -> str:
    """The human summary printed to stderr by `policytag bootstrap`."""
    lines = [f"{report.paragraphs} content paragraphs ({report.rejoined} rejoined across page breaks)"]
    for domain in taxonomy.ids:
        lines.append(f"  {domain:<14} {report.per_domain.get(domain, 0)}")
    lines.append(f"  {'none':<14} {report.negatives}  (unmatched sections whose sibling sections match)")
    lines.append(f"  {'(unlabelled)':<14} {report.unlabelled}")
    dropped = sum(report.boilerplate.values())
    roles = ", ".join(f"{role} {n}" for role, n in sorted(report.boilerplate.items()))
    lines.append(f"{dropped} boilerplate lines dropped" + (f" ({roles})" if roles else ""))
    lines.append("headings -> domains (keywords that matched):")
    for heading, found in report.headings.items():
        negative = report.negative_sections.get(heading)
        shown = found.describe() + (f"; its {negative} paragraph(s) labelled none (sibling sections match)"
                                    if negative else "")
        lines.append(f"  {heading} -> {shown}")
    for title in report.orphan_titles:
        lines.append(f"warning: title {title!r} has no body and no untitled article next to it; ignored")
    return "\n".join(lines)
