"""The domain taxonomy: ids, display names and the heading keywords that map headings to domains.

Heading matching (`Taxonomy.match_heading`) is by words, not substrings: a keyword of up to three characters
counts where it lines up with jieba's word boundaries (or starts/ends a compound whose rest has two or more
characters, as 消费 in 消费市场; 农民 in 农民工 does not count; longer keywords are specific enough as they
are), and never inside one of its domain's `exclude` phrases
(文化创新 is not innovation). `weak_keywords` (e.g. a bare 创新) label a heading only when no other
domain matches it strongly, so a heading gets several domains only if each match is strong. A heading's
first clause names its topic (`（二）健全城乡兜底保障和养老服务，照顾好城区和农村的困难老人`): keywords found only
after its first comma or semicolon are context; they label nothing, but make the heading `ambiguous`, so
the bootstrap does not take its section as a negative either (`（三）坚持扩大有效需求，消费市场回暖向好`). A keyword of
four or more characters after a first clause that names no domain counts (`深化改革攻坚，营造一流营商环境`).

Domains come from `<seeds>/taxonomy.toml` (edited by people) plus `<home>/domains.json` (domains added
through the CLI or HTTP API, so users without write access to the seeds can grow the taxonomy).
"""
from __future__ import annotations

import json
import re
import tomllib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from model.contract import DOMAIN_ID
from model.text import BLANK_CHARS, is_blank, normalize
from model.tokenize import words
from training.errors import DomainExists, DomainRejected, TaxonomyError

TAXONOMY_FILE = "taxonomy.toml"
USER_DOMAINS_FILE = "domains.json"
STRONG, WEAK, CONTEXT = 1.0, 0.5, 0.25  # keyword weights; CONTEXT: any keyword after the first clause
_CLAUSE_END = re.compile(r"[,;]")  # after `normalize`: ，； are , ;
# One-character endings that keep a compound in its keyword's domain (创新型, 科技化); other one-character
# endings make another word (农民工 is employment, 消费者 consumer protection), so they do not match.
_KEEP_SUFFIX = frozenset("型性化")
_PHRASE_CHARS = 4  # keywords this long match wherever they occur


@dataclass(frozen=True)
class Domain:
    """One policy domain: a stable id, display names, heading keywords (strong and weak) and the phrases a
    keyword must not be part of (`exclude`)."""

    id: str
    name_zh: str
    name_en: str
    keywords: tuple[str, ...]
    weak_keywords: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "keywords": list(self.keywords), "weak_keywords": list(self.weak_keywords),
                "exclude": list(self.exclude)}


@dataclass(frozen=True)
class Hit:
    """A keyword found in a heading; `excluded` names the exclude phrase or compound that voided it."""

    domain: str
    keyword: str
    weight: float
    excluded: str = ""


@dataclass(frozen=True)
class HeadingMatch:
    """The domains a heading maps to and every keyword hit behind that (voided ones included)."""

    domains: list[str]
    hits: list[Hit] = field(default_factory=list)

    @property
    def ambiguous(self) -> bool:
        """No domain, but keywords outside the first clause: neither a positive nor a negative."""
        return not self.domains and any(not h.excluded for h in self.hits)

    def describe(self) -> str:
        """'rural (乡村, 农民); innovation: 创新 inside 文化创新 ignored' for the bootstrap report."""
        parts = []
        for domain in self.domains:
            found = [h.keyword for h in self.hits if h.domain == domain and not h.excluded]
            parts.append(f"{domain} ({', '.join(dict.fromkeys(found))})")
        shown = ", ".join(parts) or "(no match)"
        voided = [f"{h.domain}: {h.keyword} inside {h.excluded} ignored" for h in self.hits if h.excluded]
        context = [f"{h.domain}: {h.keyword} after the first clause ignored" for h in self.hits
                   if not h.excluded and h.weight <= CONTEXT and h.domain not in self.domains]
        dropped = sorted({h.domain for h in self.hits if not h.excluded and h.weight > CONTEXT} - set(self.domains))
        notes = voided + context + [f"{d}: weak match dropped" for d in dropped]
        return shown + (f"   [{'; '.join(dict.fromkeys(notes))}]" if notes else "")


def make_domain(raw: object, where: str) -> Domain:
    """Validate one domain mapping; errors name `where` and the bad field."""
    if not isinstance(raw, dict):
        raise TaxonomyError(f"{where}: a domain must be an object with id, name_zh, name_en, keywords")
    problems = []
    domain_id = raw.get("id")
    if not isinstance(domain_id, str) or not DOMAIN_ID.fullmatch(domain_id):
        problems.append(f"'id' must be lower-case letters, digits or _ starting with a letter, got {domain_id!r}")
    for name in ("name_zh", "name_en"):
        if not isinstance(raw.get(name), str) or is_blank(raw[name]):
            problems.append(f"{name!r} must be a non-empty string")
    lists = {}
    for name in ("keywords", "weak_keywords", "exclude"):
        value = raw.get(name, [])
        if not isinstance(value, list) or not all(isinstance(k, str) and not is_blank(k) for k in value):
            problems.append(f"{name!r} must be a list of non-empty strings, got {value!r}"[:160])
        else:
            lists[name] = tuple(k.strip(BLANK_CHARS) for k in value)
    if unknown := sorted(set(raw) - {"id", "name_zh", "name_en", "keywords", "weak_keywords", "exclude", "source"}):
        problems.append(f"unknown field {unknown[0]!r}; fields: id, name_zh, name_en, keywords, weak_keywords, "
                        "exclude")
    if problems:
        raise TaxonomyError(f"{where}: " + "; ".join(problems))
    assert isinstance(domain_id, str)  # checked above
    return Domain(domain_id, raw["name_zh"].strip(BLANK_CHARS), raw["name_en"].strip(BLANK_CHARS), lists["keywords"],
                  lists["weak_keywords"], lists["exclude"])


def _boundaries(text: str) -> tuple[set[int], list[tuple[int, int]]]:
    """Word boundaries (character offsets) of `text` and its words' spans, by jieba."""
    spans, at = [], 0
    for word in words(text):
        start = text.find(word, at)
        if start < 0:  # the segmenter changed the text (it should not); fall back to no boundaries
            return set(), []
        spans.append((start, start + len(word)))
        at = start + len(word)
    return {0, len(text), *(s for s, _ in spans), *(e for _, e in spans)}, spans


def _compound(text: str, start: int, end: int, bounds: set[int], spans: list[tuple[int, int]]) -> str:
    """'' if the keyword at [start, end) stands as a word (or heads/ends a compound with a 2+ character rest);
    else the word it is buried in."""
    if (start in bounds and end in bounds) or end - start >= _PHRASE_CHARS:
        return ""
    for s, e in spans:
        if s < end and start < e and (s < start or e > end):  # a word that runs past the keyword
            if s <= start and end <= e:
                rest = text[s:start] + text[end:e]
                aligned = s == start or e == end
                if aligned and (len(rest) >= 2 or rest in _KEEP_SUFFIX):
                    continue
            return text[s:e]
    return ""


class Taxonomy:
    """An ordered set of domains with heading matching."""

    def __init__(self, domains: list[Domain], unmatched_negatives: bool = True):
        seen: set[str] = set()
        for domain in domains:
            if domain.id in seen:
                raise TaxonomyError(f"domain id {domain.id!r} is defined twice; ids must be unique")
            seen.add(domain.id)
        self.domains = list(domains)
        # Bootstrap setting ([bootstrap] in taxonomy.toml): paragraphs of unmatched sections whose sibling
        # sections match become "none" examples.
        self.unmatched_negatives = unmatched_negatives
        self._by_id = {d.id: d for d in self.domains}

    @property
    def ids(self) -> list[str]:
        return [d.id for d in self.domains]

    def __contains__(self, domain_id: object) -> bool:
        return domain_id in self._by_id

    def get(self, domain_id: str) -> Domain:
        if domain_id not in self._by_id:
            raise TaxonomyError(f"unknown domain {domain_id!r}; known: {', '.join(sorted(self._by_id))}")
        return self._by_id[domain_id]

    def match(self, heading: str) -> list[str]:
        """Domain ids `heading` maps to (see `match_heading`)."""
        return self.match_heading(heading).domains

    def match_heading(self, heading: str) -> HeadingMatch:
        """The domains whose keywords stand as words in `heading` (full-width/ASCII forms compared alike),
        outside their domain's `exclude` phrases. Domains with a strong keyword all count; a domain with only
        weak keywords counts when no domain matches strongly."""
        text = normalize(heading)
        bounds, spans = _boundaries(text)
        clause = _CLAUSE_END.search(text)
        first_clause_end = clause.start() if clause else len(text)
        found: list[tuple[Hit, bool]] = []  # (hit at its keyword's weight, after the first clause)
        for domain in self.domains:
            voids = [(m.start(), m.end(), e) for e in domain.exclude
                     for m in re.finditer(re.escape(normalize(e)), text)]
            for keyword, weight in [(k, STRONG) for k in domain.keywords] + [(k, WEAK) for k in domain.weak_keywords]:
                for m in re.finditer(re.escape(normalize(keyword)), text):
                    inside = next((e for s, t, e in voids if s <= m.start() and m.end() <= t), "")
                    inside = inside or _compound(text, m.start(), m.end(), bounds, spans)
                    found.append((Hit(domain.id, keyword, weight, inside), m.start() >= first_clause_end))
        # Keywords after the first clause are context, unless the first clause names no domain and the keyword
        # is a phrase: 深化改革攻坚，营造一流营商环境 is about the business environment, while
        # 照顾好城区和农村的困难老人 mentions villages in passing.
        named = any(not later and not hit.excluded for hit, later in found)
        hits = [replace(hit, weight=CONTEXT) if later and (named or len(hit.keyword) < _PHRASE_CHARS) else hit
                for hit, later in found]
        best: dict[str, float] = {}
        for hit in hits:
            if not hit.excluded:
                best[hit.domain] = max(best.get(hit.domain, 0.0), hit.weight)
        top = max(best.values(), default=0.0)
        domains = [d.id for d in self.domains
                   if d.id in best and (best[d.id] >= STRONG or best[d.id] == top > CONTEXT)]
        return HeadingMatch(domains, hits)


def load_taxonomy(seeds: Path, home: Path | None = None) -> Taxonomy:
    """Read `<seeds>/taxonomy.toml` and, when `home` is given, the user-added `<home>/domains.json`."""
    path = seeds / TAXONOMY_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise TaxonomyError(f"{path}: taxonomy file not found; create it (see README, 'Taxonomy')") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TaxonomyError(f"{path}: not valid UTF-8 TOML ({exc})") from None
    raw_domains = data.get("domain", [])
    if not isinstance(raw_domains, list) or not raw_domains:
        raise TaxonomyError(f"{path}: define at least one [[domain]] table")
    domains = [make_domain(raw, f"{path} domain #{i + 1}") for i, raw in enumerate(raw_domains)]
    if home is not None:
        domains += load_user_domains(home)
    settings = data.get("bootstrap", {})
    negatives = settings.get("unmatched_negatives", True) if isinstance(settings, dict) else None
    if not isinstance(negatives, bool) or set(settings) - {"unmatched_negatives"}:
        raise TaxonomyError(f"{path}: [bootstrap] takes one setting, unmatched_negatives = true or false; "
                            f"got {settings!r}")
    return Taxonomy(domains, negatives)


def load_user_domains(home: Path) -> list[Domain]:
    """Domains added through the API/CLI, stored in the data directory."""
    path = home / USER_DOMAINS_FILE
    if not path.is_file():
        return []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise TaxonomyError(f"{path}: not valid JSON ({exc}); fix or delete it") from None
    return [make_domain(item, f"{path} item #{i + 1}") for i, item in enumerate(raw)]


def new_domain(raw: object) -> Domain:
    """A domain someone asks to add, validated; DomainRejected (the caller's input) when it is not valid."""
    try:
        return make_domain(raw, "new domain")
    except TaxonomyError as exc:
        raise DomainRejected(str(exc)) from None


def add_user_domain(seeds: Path, home: Path, raw: object) -> Domain:
    """Validate and append a domain to `<home>/domains.json` (atomic, safe against concurrent writers)."""
    from model.atomic import write_atomic
    from training.ops.locks import locked

    domain = new_domain(raw)
    with locked(home / ".domains.lock"):
        taxonomy = load_taxonomy(seeds, home)
        if domain.id in taxonomy:
            raise DomainExists(f"domain {domain.id!r} already exists; known: {', '.join(taxonomy.ids)}")
        current = [d.to_dict() for d in load_user_domains(home)] + [domain.to_dict()]
        home.mkdir(parents=True, exist_ok=True)
        write_atomic(home / USER_DOMAINS_FILE, json.dumps(current, ensure_ascii=False, indent=2).encode("utf-8"))
    return domain
