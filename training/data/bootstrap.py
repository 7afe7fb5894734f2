"""Bootstrapping labels from document structure: documents -> labelled paragraphs plus a report of why.

Every level of structure is a label source: the article's title, its numbered headings and each paragraph's
run-in lead sentence (`稳定和扩大就业。全年……`, bold in Word), which sits one level below the paragraph's
section. The deepest one that matches the taxonomy decides a paragraph's domains (`label_level` says which).
Failing that, a paragraph is a weak negative ("none", `label_kind` "none") for the domains its sibling
sections (same parent, same level; sibling lead sentences count) are about: a report whose `（三）` is about
innovation says that its `（七）` is not about innovation, and says nothing about employment. Otherwise it is
unlabelled. An article starts at a `#` title or at a byline; a `#` title with no body of its own (PDF
extraction sometimes moves it after its article) is given to the neighbouring article that has no title.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from model.readers import DOCUMENT_SUFFIXES, iter_paths, read_path
from model.rules import taggable
from model.text import TITLE_LEVEL, Block, lead_sentence, looks_like_title, parse_blocks
from training.data.taxonomy import HeadingMatch, Taxonomy

# Documents whose headings can label paragraphs (.md, .txt, .docx, .pdf, .html, ...); record files
# (.jsonl/.csv) in the seeds folder are labelled examples, read by training, not bootstrapped.
__all__ = ["DOCUMENT_SUFFIXES", "BootstrapReport", "Example", "bootstrap_blocks", "bootstrap_paths",
           "bootstrap_text", "find_documents"]


@dataclass(frozen=True)
class Example:
    """A labelled paragraph: `heading` is the heading path, `label_from` the title, heading or lead sentence that
    gave the labels and `label_level` which of them it was ("title", "heading", "lead"; "" for labels a person
    gave); `label_kind` says what the labels are: "domain", "none" (a weak negative from an unmatched section
    whose siblings match) or "unlabelled" (no evidence either way; never trained on). `known` holds the domains
    the labels were judged for (None: every domain): a weak negative is a negative only for its siblings'
    domains, and a person's "none" only for the domains there were when they gave it."""

    text: str
    labels: tuple[str, ...]
    source: str
    heading: str = ""
    label_from: str = ""
    label_kind: str = "domain"
    known: tuple[str, ...] | None = None
    label_level: str = ""

    def to_dict(self) -> dict[str, object]:
        found: dict[str, object] = {"text": self.text, "labels": list(self.labels), "source": self.source,
                                    "heading": self.heading, "label_from": self.label_from,
                                    "label_level": self.label_level, "label_kind": self.label_kind}
        if self.known is not None:
            found["negative_for" if self.label_kind == "none" else "labelled_for"] = list(self.known)
        return found

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
    per_level: Counter[str] = field(default_factory=Counter)  # "title"/"heading"/"lead" -> paragraphs labelled
    negative_domains: Counter[str] = field(default_factory=Counter)  # domain -> weak negatives for it
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
        self.per_level.update(other.per_level)
        self.negative_domains.update(other.negative_domains)
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


_LEAD = "\u0000"  # marks a lead sentence in a section path, so it never equals a heading


def _subtrees(paths: list[tuple[str, ...]], domains: Callable[[str], list[str]], ambiguous: Callable[[str], bool]
              ) -> dict[tuple[str, ...], tuple[int, frozenset[str]]]:
    """Section path -> (the strongest heading state in that section or below it: 0 clean, 1 ambiguous,
    2 matches a domain; the domains matched in it or below it)."""
    found: dict[tuple[str, ...], tuple[int, frozenset[str]]] = {}
    for sections in paths:
        for depth in range(len(sections)):
            node = sections[:depth + 1]
            below = sections[depth:]
            matched = frozenset(d for h in below for d in domains(h))
            state = 2 if matched else int(any(ambiguous(h) for h in below))
            old_state, old_domains = found.get(node, (0, frozenset()))
            found[node] = (max(old_state, state), old_domains | matched)
    return found


def _unmatched_beside_matched(sections: tuple[str, ...], subtrees: dict[tuple[str, ...], tuple[int, frozenset[str]]]
                              ) -> tuple[str, frozenset[str]]:
    """The heading of the largest section around this paragraph that has no match or ambiguous heading in
    it and has sibling sections (same parent) that match, with the domains those siblings are about (at
    every level up to that section); ('', {}) if there is none. A lead sentence counts as a section unless
    LEAD_NEGATIVES is off."""
    found, negative_for = "", frozenset[str]()
    for depth in range(len(sections), 0, -1):
        node = sections[:depth]
        if subtrees[node][0]:
            break
        if node[-1].startswith(_LEAD) and not LEAD_NEGATIVES:
            continue
        siblings = frozenset(d for other, (state, matched) in subtrees.items()
                             if state == 2 and len(other) == depth and other[:-1] == node[:-1] and other != node
                             for d in matched)
        if siblings:
            found, negative_for = node[-1], negative_for | siblings
    return found, negative_for


def bootstrap_text(text: str, source: str, taxonomy: Taxonomy, negatives: bool = True,
                   scope: str | None = None) -> tuple[list[Example], BootstrapReport]:
    """Label the content paragraphs of one markdown/plain-text document from its structure."""
    return bootstrap_blocks(parse_blocks(text), source, taxonomy, negatives, scope)


NEGATIVE_SCOPES = ("siblings", "all")
NEGATIVE_SCOPE = "siblings"  # benchmarks/taxonomy.py --ablation measures "all"
# A lead sentence that names no domain is a weak negative for its sibling leads' domains, as a section is
# (False: it gives none; --ablation measures it).
LEAD_NEGATIVES = True
LEADS = True  # lead sentences as the deepest level of structure (benchmarks/taxonomy.py --ablation turns it off)


def bootstrap_blocks(blocks: list[Block], source: str, taxonomy: Taxonomy, negatives: bool = True,
                     scope: str | None = None) -> tuple[list[Example], BootstrapReport]:
    """Label the content paragraphs of one document's blocks (from any reader) from its title, headings and
    lead sentences; `negatives`: label paragraphs of unmatched sections whose sibling sections match "none"
    (else they stay unlabelled), for the siblings' domains (`scope="siblings"`) or for every domain ("all")."""
    scope = scope or NEGATIVE_SCOPE
    if scope not in NEGATIVE_SCOPES:
        raise ValueError(f"scope={scope!r}; use one of {', '.join(NEGATIVE_SCOPES)}")
    report = BootstrapReport()
    report.boilerplate.update(b.role for b in blocks if b.kind == "boilerplate")
    articles, report.orphan_titles = _articles(blocks)
    examples = []
    leads: dict[str, list[str]] = {}

    def domains(heading: str) -> list[str]:
        if heading.startswith(_LEAD):
            if heading not in leads:
                leads[heading] = taxonomy.match_heading(heading[1:]).domains
            return leads[heading]
        if heading not in report.headings:
            report.headings[heading] = taxonomy.match_heading(heading)
        return report.headings[heading].domains

    def ambiguous(heading: str) -> bool:
        # A lead sentence names one topic or none; keywords in its later clauses are the paragraph's business.
        return not heading.startswith(_LEAD) and (domains(heading) == [] and report.headings[heading].ambiguous)

    for article in articles:
        for _, sections in article.items:  # the report lists headings in document order
            for heading in ([article.title] if article.title else []) + list(sections):
                domains(heading)
        # A paragraph's lead sentence is the deepest level of its section path.
        paths = [sections + ((_LEAD + lead,) if LEADS and (lead := lead_sentence(block)) else ())
                 for block, sections in article.items]
        subtrees = _subtrees(paths, domains, ambiguous)
        for (block, sections), structure in zip(article.items, paths):
            path = ([article.title] if article.title else []) + list(sections)
            labels: list[str] = []
            label_from, kind, level = "", "unlabelled", ""
            known: tuple[str, ...] | None = None
            # Deepest matching level wins: lead sentence, then headings, then the article title.
            for heading in reversed(structure):
                if labels := domains(heading):
                    label_from, kind = heading.lstrip(_LEAD), "domain"
                    level = "lead" if heading.startswith(_LEAD) else "heading"
                    break
            if not labels and article.title and (labels := domains(article.title)):
                label_from, kind, level = article.title, "domain", "title"
            if not labels and structure and negatives:
                # An unmatched section beside sections that match (themselves or below them): the
                # document's own structure says this one is not about what its siblings are about.
                heading, negative_for = _unmatched_beside_matched(structure, subtrees)
                if heading:
                    label_from, kind = heading.lstrip(_LEAD), "none"
                    level = "lead" if heading.startswith(_LEAD) else "heading"
                    known = tuple(d for d in taxonomy.ids if d in negative_for) if scope == "siblings" else None
                    report.negatives += 1
                    report.negative_sections[label_from] += 1
                    report.negative_domains.update(known if known is not None else taxonomy.ids)
            report.paragraphs += 1
            report.rejoined += block.joined
            report.per_domain.update(labels)
            if kind == "domain":
                report.per_level[level] += 1
            report.unlabelled += kind == "unlabelled"
            examples.append(Example(block.text, tuple(labels), source, " > ".join(path), label_from, kind, known,
                                    level))
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


# A browser names a saved page after its title plus the site's name: 关于…的通知_青禾市人民政府.html,
# 关于…的通知 - 青禾市人民政府门户网站.txt.
_FILE_NAME_PARTS = re.compile(r"_|\s+[-–—|｜]\s+|[|｜]")


def title_from_file_name(path: Path) -> str:
    """The document title a file's name gives (the first part of it, cut at `_` or ` - `, that reads as a
    title and has Chinese in it), or '' (a name such as `notice_3.txt` or `scan 0012.pdf` gives none)."""
    for part in _FILE_NAME_PARTS.split(path.stem):
        part = part.strip()
        if len(part) >= 2 and taggable(part) and looks_like_title(part):
            return part
    return ""


def _with_file_title(blocks: list[Block], path: Path) -> list[Block]:
    """`blocks`, headed by the file name's title when the text gives none before its first paragraph (a
    notice copied from a page without its title, into a file the browser named after it)."""
    for block in blocks:
        if block.kind == "heading" and block.level in (1, TITLE_LEVEL):
            return blocks
        if block.kind == "paragraph":
            break
    title = title_from_file_name(path)
    return [Block("heading", title, 0, level=TITLE_LEVEL), *blocks] if title else blocks


def bootstrap_paths(paths: list[Path], taxonomy: Taxonomy,
                    negatives: bool = True) -> tuple[list[Example], BootstrapReport]:
    """Bootstrap every document under `paths`; sources are file names relative to their folder. A document
    whose text has no title before its first paragraph takes its file name's (`title_from_file_name`).
    `negatives`: see `bootstrap_text`."""
    examples: list[Example] = []
    report = BootstrapReport()
    for path in paths:
        base = path if path.is_dir() else path.parent
        for document in find_documents([path]):
            source = document.relative_to(base).as_posix()
            for read in read_path(document):
                blocks = _with_file_title(list(read.blocks), document)
                found, part = bootstrap_blocks(blocks, source, taxonomy, negatives)
                examples += found
                report.merge(part)
    return examples, report
