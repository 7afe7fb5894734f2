"""Copying one workspace's shared state into another (`policytag db copy`): labels with their history, the
review pool, the audit's checks, added domains, every model version and the current pointer; verified.

The target must be empty. Each table is read in insertion order and written in one transaction; afterwards
both sides are read back and compared by row count and a SHA-256 over the rows, and every model version by
the SHA-256 of its artefact as the target stores it.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from training.data.store_tables import TABLES
from training.errors import StoreError

if TYPE_CHECKING:
    from training.workspace import Workspace


@dataclass
class CopyReport:
    """One line per table and per model version: what the source holds and what the target holds after."""

    lines: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(line["source"] == line["target"] for line in self.lines)

    def text(self) -> str:
        rows = []
        for line in self.lines:
            mark = "ok" if line["source"] == line["target"] else "MISMATCH"
            count, digest = line["source"]
            rows.append(f"{line['what']:<22} {count:>8}  sha256 {digest[:16]}  {mark}")
        return "\n".join(rows)


def _digest(rows: Sequence[Sequence[Any]]) -> tuple[int, str]:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps(list(row), ensure_ascii=False, default=str).encode("utf-8") + b"\n")
    return len(rows), digest.hexdigest()


def copy_workspace(source: Workspace, target: Workspace, progress: Callable[[str], None] | None = None
                   ) -> CopyReport:
    """Copy everything `source` shares into the empty `target`; returns the verification report."""
    say = progress or (lambda _: None)
    store, into = source.store(), target.store()
    if any(into.counts().values()) or target.registry.versions() or target.user_domain_ids():
        raise StoreError(f"{target.backend} already holds labels, domains or models; copy into an empty "
                         "database (create a new one, or drop the policytag tables first)")
    domains = source.domain_store.added()
    for domain in domains:
        target.domain_store.add(target.seeds, domain.to_dict())
    for table in TABLES:
        rows = store.rows(table)
        say(f"{table}: {len(rows)} row(s)")
        into.insert_rows(table, rows)
    versions = source.registry.versions()
    for version in versions:
        staged = Path(tempfile.mkdtemp(dir=target.registry.storage.staging(), prefix=".staging-"))
        try:
            shutil.copytree(source.registry.storage.local_dir(version), staged, dirs_exist_ok=True)
            if not target.registry.storage.put(version, staged):
                raise StoreError(f"model {version} appeared in {target.backend} during the copy; start again")
        finally:
            shutil.rmtree(staged, ignore_errors=True)
        say(f"model {version} copied")
    current = source.registry.current()
    if current is not None:
        target.registry.promote(current)
    report = CopyReport()
    def as_rows(found: Sequence[Any]) -> list[list[str]]:
        return [[json.dumps(d.to_dict(), ensure_ascii=False, sort_keys=True)] for d in found]

    report.lines.append({"what": "domains added", "source": _digest(as_rows(domains)),
                         "target": _digest(as_rows(target.domain_store.added()))})
    for table in TABLES:
        report.lines.append({"what": table, "source": _digest(store.rows(table)),
                             "target": _digest(into.rows(table))})
    for version in versions:
        expected = str(source.registry.check(version).get("sha256"))
        stored = str(target.registry.check(version).get("sha256"))
        report.lines.append({"what": f"model {version}", "source": (1, expected), "target": (1, stored)})
    report.lines.append({"what": "current model", "source": _digest([[current]]),
                         "target": _digest([[target.registry.current()]])})
    return report
