"""Domains added through the CLI or the HTTP API (beside the seeds' taxonomy.toml), kept where the labels are.

`FileDomains` keeps them in `<home>/domains.json` (the embedded default); `DatabaseDomains` in the shared
PostgreSQL database, so a domain added through one host is known to every host.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from training.data.taxonomy import (
    Domain,
    Taxonomy,
    add_user_domain,
    load_taxonomy,
    load_user_domains,
    make_domain,
    new_domain,
)
from training.errors import DomainExists


class FileDomains:
    """Added domains in the data directory."""

    def __init__(self, home: Path) -> None:
        self.home = home

    def taxonomy(self, seeds: Path) -> Taxonomy:
        return load_taxonomy(seeds, self.home)

    def added(self) -> list[Domain]:
        return load_user_domains(self.home)

    def add(self, seeds: Path, raw: object) -> Domain:
        return add_user_domain(seeds, self.home, raw)


class DatabaseDomains:
    """Added domains in the shared database (table `user_domains`, in the order they were added)."""

    def __init__(self, database: Any) -> None:
        self.database = database

    def taxonomy(self, seeds: Path) -> Taxonomy:
        base = load_taxonomy(seeds)
        return Taxonomy(base.domains + self.added(), base.unmatched_negatives)

    def added(self) -> list[Domain]:
        with self.database.connection() as conn:
            rows = conn.execute("SELECT definition FROM user_domains ORDER BY position").fetchall()
        where = f"domain added in {self.database.name}"
        return [make_domain(json.loads(raw), f"{where} #{i + 1}") for i, (raw,) in enumerate(rows)]

    def add(self, seeds: Path, raw: object) -> Domain:
        """Validate and add a domain; DomainExists when the id is taken (one writer at a time, cluster-wide)."""
        from training.ops.database import DOMAINS

        domain = new_domain(raw)
        taxonomy = self.taxonomy(seeds)
        if domain.id in taxonomy:
            raise DomainExists(f"domain {domain.id!r} already exists; known: {', '.join(taxonomy.ids)}")
        with self.database.locked(DOMAINS) as conn:
            added = conn.execute("INSERT INTO user_domains (id, definition) VALUES (?, ?) ON CONFLICT DO NOTHING",
                                 (domain.id, json.dumps(domain.to_dict(), ensure_ascii=False)))
        if added.rowcount == 0:
            raise DomainExists(f"domain {domain.id!r} already exists; known: {', '.join(self.taxonomy(seeds).ids)}")
        return domain
