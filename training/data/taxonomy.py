"""The domain taxonomy: ids, display names and the heading keywords that map headings to domains.

Domains come from `<seeds>/taxonomy.toml` (edited by people) plus `<home>/domains.json` (domains added
through the CLI or HTTP API, so users without write access to the seeds can grow the taxonomy).
"""
from __future__ import annotations

import json
import re
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

from model.text import normalize
from training.errors import TaxonomyError

TAXONOMY_FILE = "taxonomy.toml"
USER_DOMAINS_FILE = "domains.json"
_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Domain:
    """One policy domain: a stable id, display names and heading keywords."""

    id: str
    name_zh: str
    name_en: str
    keywords: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "keywords": list(self.keywords)}


def make_domain(raw: object, where: str) -> Domain:
    """Validate one domain mapping; errors name `where` and the bad field."""
    if not isinstance(raw, dict):
        raise TaxonomyError(f"{where}: a domain must be an object with id, name_zh, name_en, keywords")
    problems = []
    domain_id = raw.get("id")
    if not isinstance(domain_id, str) or not _ID.match(domain_id):
        problems.append(f"'id' must be lower-case letters, digits or _ starting with a letter, got {domain_id!r}")
    for field in ("name_zh", "name_en"):
        if not isinstance(raw.get(field), str) or not raw[field].strip():
            problems.append(f"{field!r} must be a non-empty string")
    keywords = raw.get("keywords", [])
    if not isinstance(keywords, list) or not all(isinstance(k, str) and k.strip() for k in keywords):
        problems.append("'keywords' must be a list of non-empty strings")
    if problems:
        raise TaxonomyError(f"{where}: " + "; ".join(problems))
    assert isinstance(domain_id, str)  # checked above
    return Domain(domain_id, raw["name_zh"].strip(), raw["name_en"].strip(), tuple(k.strip() for k in keywords))


class Taxonomy:
    """An ordered set of domains with heading matching."""

    def __init__(self, domains: list[Domain]):
        seen: set[str] = set()
        for domain in domains:
            if domain.id in seen:
                raise TaxonomyError(f"domain id {domain.id!r} is defined twice; ids must be unique")
            seen.add(domain.id)
        self.domains = list(domains)
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
        """Domain ids whose keywords occur in `heading` (full-width/ASCII forms compared alike)."""
        text = normalize(heading)
        return [d.id for d in self.domains if any(normalize(k) in text for k in d.keywords)]


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
    return Taxonomy(domains)


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


def add_user_domain(seeds: Path, home: Path, raw: object) -> Domain:
    """Validate and append a domain to `<home>/domains.json` (atomic, safe against concurrent writers)."""
    from model.atomic import write_atomic
    from training.ops.locks import locked

    domain = make_domain(raw, "new domain")
    with locked(home / ".domains.lock"):
        taxonomy = load_taxonomy(seeds, home)
        if domain.id in taxonomy:
            raise TaxonomyError(f"domain {domain.id!r} already exists; known: {', '.join(taxonomy.ids)}")
        current = [d.to_dict() for d in load_user_domains(home)] + [domain.to_dict()]
        home.mkdir(parents=True, exist_ok=True)
        write_atomic(home / USER_DOMAINS_FILE, json.dumps(current, ensure_ascii=False, indent=2).encode("utf-8"))
    return domain
