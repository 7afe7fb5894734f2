"""The front door to training/: one object that owns the data directory, the seeds folder and the shared state.

The CLI and the Flask app build a `Workspace` and call only it (plus the exception classes in
`training.errors`). It builds each kind of state once and hands out objects, never paths: the labelled-example
store, the model registry, the training jobs and the added domains, each on one of two backends chosen from
configuration: local files in the data directory (the default) or the shared PostgreSQL database named by
`POLICYTAG_DATABASE_URL`. Heavy modules (scikit-learn, the store, the learners) are imported inside the
methods that need them, so importing this module costs nothing and `policytag --help` stays fast. The seeds
folder is resolved on first use: tagging and listing models work without one.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.errors import UserFileError
from training.data.store_backend import STORE_TIMEOUT_SECONDS
from training.learning.gate import DEFAULT_TOLERANCE
from training.ops.model_ref import ModelRef
from training.paths import data_home, database_url, seeds_dir, store_path

if TYPE_CHECKING:  # re-exported for annotations in service/ (which imports training only through here)
    from model.manifest import Manifest, VersionSummary
    from model.tagger import Tagger
    from training.data.bootstrap import BootstrapReport, Example
    from training.data.domains import DatabaseDomains, FileDomains
    from training.data.pool import PoolImport
    from training.data.store import ExampleStore
    from training.data.store_examples import AddResult
    from training.data.taxonomy import Domain, Taxonomy
    from training.learning.review import ScoreCache
    from training.ops.copying import CopyReport
    from training.ops.database import Database
    from training.ops.jobs import DatabaseJobs, FileJobs
    from training.ops.registry import Registry

__all__ = ["DEFAULT_TOLERANCE", "Jobs", "ModelRef", "Workspace", "database_url", "load_reference", "warm_up"]


def warm_up() -> None:
    """Import what the curator's calls need (the bootstrap, scikit-learn's parts), so that a server pays for it
    at start and not inside the first request that needs it."""
    import training.curation  # noqa: F401

Progress = Callable[[str], None]


def load_reference(ref: ModelRef) -> tuple[Tagger, Manifest]:
    """Load the model a corpus worker was given (SHA-256 checked before unpickling); OSError when it cannot be
    read on this host, ArtifactError when its bytes fail a check."""
    from training.ops.registry import load_reference as load

    return load(ref)


class Jobs:
    """Background training jobs of one workspace (one process per run; records in files or the database)."""

    def __init__(self, backend: FileJobs | DatabaseJobs) -> None:
        self.backend = backend

    def start(self, force: bool = False, tolerance: float | None = None, requested_by: str | None = None) -> str:
        """Start training in its own process; returns the job id. Raises TrainingBusy if one is running."""
        return self.backend.start(force=force, tolerance=tolerance, requested_by=requested_by)

    def get(self, job_id: str) -> dict[str, Any] | None:
        """The job's state, or None if there is no such job."""
        return self.backend.get(job_id)

    def pid(self, job_id: str) -> int | None:
        """The process id of a running job (on the host that runs it), or None."""
        return self.backend.pid(job_id)


class Workspace:
    """The data directory, the seeds folder and everything training/ hands out: taxonomy, store, registry, jobs."""

    def __init__(self, home: str | os.PathLike[str] | None = None,
                 seeds: str | os.PathLike[str] | None = None, store_timeout: float | None = None,
                 database: str | None = None) -> None:
        """`store_timeout`: seconds any wait for the store may take (another writer; the database) before a
        StoreError says why (None: 30). `database`: a `postgresql://` URL for the shared backend (None:
        $POLICYTAG_DATABASE_URL; unset or empty: local files in `home`)."""
        self.home = data_home(home)
        self._seeds_arg = seeds
        self.store_timeout = STORE_TIMEOUT_SECONDS if store_timeout is None else float(store_timeout)
        self.database_url = database_url(database)

    @cached_property
    def seeds(self) -> Path:
        """The seeds folder (resolved on first use; SeedsNotFound when there is none)."""
        return seeds_dir(self._seeds_arg)

    @cached_property
    def database(self) -> Database | None:
        """The shared PostgreSQL database, or None when state lives in the data directory."""
        if self.database_url is None:
            return None
        from training.ops.database import shared_database

        return shared_database(self.database_url, self.store_timeout)

    @property
    def backend(self) -> str:
        """Where shared state lives, for people: the data directory, or the database (no password)."""
        return self.database.name if self.database is not None else str(self.home)

    # -- labelled data -------------------------------------------------------------------------------
    @cached_property
    def domain_store(self) -> FileDomains | DatabaseDomains:
        """Where the domains added through the API/CLI are kept (the data directory or the database)."""
        from training.data.domains import DatabaseDomains, FileDomains

        return DatabaseDomains(self.database) if self.database is not None else FileDomains(self.home)

    def taxonomy(self) -> Taxonomy:
        """The seeds' taxonomy plus the domains added through the API/CLI (read anew: another process or host
        may have added one)."""
        return self.domain_store.taxonomy(self.seeds)

    def user_domain_ids(self) -> set[str]:
        """Ids of the domains added through the API/CLI."""
        return {d.id for d in self.domain_store.added()}

    def add_domain(self, raw: object) -> Domain:
        """Validate and add a domain (`{"id", "name_zh", "name_en", "keywords"}`); TaxonomyError if invalid."""
        return self.domain_store.add(self.seeds, raw)

    @cached_property
    def _store(self) -> ExampleStore:
        from training.data.store import ExampleStore

        where = self.database if self.database is not None else store_path(self.home)
        return ExampleStore(where, timeout=self.store_timeout)

    def store(self) -> ExampleStore:
        """The labelled-example store (built once, with this workspace's timeout)."""
        return self._store

    def stored_examples(self) -> ExampleStore | None:
        """The store if it holds anything to train on (None before the first label: no empty file is made)."""
        if self.database is None and not store_path(self.home).exists():
            return None
        return self._store

    def add_examples(self, items: Sequence[Mapping[str, object]], source: str, author: str | None) -> AddResult:
        """Add labelled items as one batch checked against the taxonomy; ItemsRejected if any is bad."""
        return self.store().add(items, source=source, author=author, known_domains=self.taxonomy().ids)

    def import_file(self, path: Path, author: str | None = None) -> AddResult:
        """Add a JSONL/CSV label file as one batch (nothing is stored if any line is wrong)."""
        from training.data.importing import import_file

        return import_file(self.store(), path, known_domains=self.taxonomy().ids, author=author)

    def bootstrap(self, paths: Sequence[Path] = (), unmatched_negatives: bool | None = None
                  ) -> tuple[list[Example], BootstrapReport]:
        """Label paragraphs of `paths` (default: the seeds folder) from their structure: (examples, what the
        bootstrap did). `unmatched_negatives`: label paragraphs of unmatched sections beside matching ones
        "none" (None: the taxonomy's `[bootstrap]` setting)."""
        from training.data.bootstrap import bootstrap_paths

        taxonomy = self.taxonomy()
        negatives = taxonomy.unmatched_negatives if unmatched_negatives is None else unmatched_negatives
        try:
            examples, report = bootstrap_paths(list(paths) or [self.seeds], taxonomy, negatives)
        except OSError as exc:  # a document the user named cannot be read
            raise UserFileError(f"cannot read {exc.filename!r}: {exc.strerror or exc}") from None
        return examples, report

    # -- the curator's loop: review pool, review queue, label audit (training/curation.py) ------------
    def pool_import(self, paths: Sequence[Path] = (), include_seeds: bool = False,
                    progress: Progress | None = None) -> PoolImport:
        """Pool the paragraphs of files/folders (documents or `policytag tag` JSONL) and, with
        `include_seeds`, the seeds' unlabelled paragraphs; unreadable files are listed in `problems`."""
        from training.curation import import_pool

        return import_pool(self, paths, include_seeds=include_seeds, progress=progress)

    def pool_import_bytes(self, data: bytes, name: str) -> PoolImport:
        """Pool one uploaded document's paragraphs; ReadError when it cannot be read."""
        from training.curation import import_pool_bytes

        return import_pool_bytes(self, data, name)

    def pool_import_texts(self, texts: Sequence[str], source: str = "api") -> PoolImport:
        """Pool texts as they are (one paragraph each); ItemsRejected names every bad text."""
        from training.curation import import_pool_texts

        return import_pool_texts(self, texts, source)

    def pool_stats(self) -> dict[str, object]:
        """`pool_size` and `by_source`."""
        from training.curation import pool_stats

        return pool_stats(self)

    @staticmethod
    def review_cache() -> ScoreCache:
        """A per-process cache of pool scores, keyed by model version (the review queue reuses it)."""
        from training.learning.review import ScoreCache

        return ScoreCache()

    def review_batch(self, tagger: Tagger, version: str, n: int, cache: ScoreCache | None = None,
                     names: dict[str, str] | None = None) -> dict[str, Any]:
        """The `n` pool paragraphs the model is least sure about, spread out; see `curation.review_batch`."""
        from training.curation import review_batch

        return review_batch(self, tagger, version, n, cache, names)

    def submit_review(self, pool_id: int, labels: Sequence[str], author: str | None) -> dict[str, int]:
        """Store a reviewed pool paragraph (source "review"); it leaves the pool. NotInPool, ItemsRejected."""
        from training.curation import submit_review

        return submit_review(self, pool_id, labels, author)

    def audit_report(self, n: int = 20, progress: Progress | None = None) -> dict[str, Any]:
        """The `n` labelled paragraphs the cross-validated model disputes most (not yet checked)."""
        from training.curation import audit_report

        return audit_report(self, n, progress)

    def decide_audit(self, item_id: str, action: str, author: str | None) -> dict[str, Any]:
        """accept (store the suggestion, source "audit") or keep an audited label; AuditItemNotFound."""
        from training.curation import decide_audit

        return decide_audit(self, item_id, action, author)

    # -- operations ----------------------------------------------------------------------------------
    @cached_property
    def registry(self) -> Registry:
        """Model versions and the current one (in `<home>/models`, or in the database with verified copies
        cached in `<home>/model-cache`)."""
        from training.ops.registry import Registry

        if self.database is None:
            return Registry(self.home)
        from training.ops.model_rows import DatabaseModels

        return Registry(self.home, DatabaseModels(self.database, self.home / "model-cache"))

    @cached_property
    def jobs(self) -> Jobs:
        """Background training jobs."""
        from training.ops.jobs import DatabaseJobs, FileJobs

        if self.database is None:
            return Jobs(FileJobs(self.home, lambda: self.seeds))
        return Jobs(DatabaseJobs(self.database, self.home, lambda: self.seeds))

    def training_lock(self) -> AbstractContextManager[None]:
        """Hold "the one training run" (across processes; with the database, across hosts); TrainingBusy."""
        return self.jobs.backend.training_lock()

    def upgrade_database(self) -> tuple[int, int]:
        """Create or migrate the shared database's schema: (version before, after). StoreError without one."""
        from training.errors import StoreError

        if self.database is None:
            raise StoreError("no database configured; set POLICYTAG_DATABASE_URL=postgresql://... "
                             "(the local files need no upgrade: they migrate themselves)")
        return self.database.upgrade()

    def copy_into(self, target: Workspace, progress: Progress | None = None) -> CopyReport:
        """Copy labels, pool, audit checks, added domains and models into the empty `target`, verified."""
        from training.ops.copying import copy_workspace

        return copy_workspace(self, target, progress)

    def close(self) -> None:
        """Close the database connections this process holds (before forking servers)."""
        if self.database is not None:
            self.database.close()

    def load_model(self, version: str | None = None) -> tuple[Tagger, Manifest]:
        """(tagger, manifest) of `version` (default: current); RegistryError when there is none."""
        return self.registry.load(version)

    def versions(self) -> list[VersionSummary]:
        """Every model version, oldest first, with its scores and whether it is current; a version whose files
        fail a check is listed with `damaged` and the `problem` (it never hides the others)."""
        from model.errors import ArtifactError
        from model.manifest import damaged_summary, summarize

        current = self.registry.current()
        listed = []
        for version in self.registry.versions():
            try:
                listed.append(summarize(version, self.registry.check(version), current))
            except ArtifactError as exc:
                listed.append(damaged_summary(version, current, str(exc)))
        return listed

    def promote(self, version: str) -> None:
        """Make `version` current; RegistryError if unknown, ArtifactError if its files would not load."""
        self.registry.promote(version)

    # -- learning ------------------------------------------------------------------------------------
    def train(self, cv: int = 5, force: bool = False, tolerance: float = DEFAULT_TOLERANCE,
              progress: Progress | None = None, lock: bool = True,
              params: dict[str, Any] | None = None, unmatched_negatives: bool | None = None,
              documents: Sequence[Path] | None = None) -> Manifest:
        """Train on the seeds, `documents` (None: those the served model learned from) and the store, save a
        new version, promote it if it passes the gate (see `training.learning.run.train_workspace`); returns
        the new manifest."""
        from training.learning.run import train_workspace

        return train_workspace(self, cv=cv, force=force, tolerance=tolerance, progress=progress, lock=lock,
                               params=params, unmatched_negatives=unmatched_negatives, documents=documents)

    def evaluate(self, path: Path, threshold: float | None = None, worst: int = 10) -> dict[str, Any]:
        """The current model's report on a labelled JSONL/CSV file (EvalFileError lists bad lines)."""
        from training.data.importing import read_eval_file
        from training.learning.baseline import keyword_tags, tag_set_scores
        from training.learning.evaluate import evaluate

        tagger, manifest = self.load_model()
        rows = read_eval_file(path, tagger.classes_)
        texts, labels = [t for t, _ in rows], [labels for _, labels in rows]
        report = evaluate(tagger, texts, labels, threshold, worst)
        report["model"] = manifest.get("version")
        # The analyst's baseline in the same run: a tag for every domain whose keyword occurs in the text.
        domains = [str(c) for c in tagger.classes_]
        keywords = {d["id"]: d["keywords"] for d in manifest.get("domains", []) if "keywords" in d}
        if set(keywords) >= set(domains):  # models trained before the manifest kept keywords have no baseline
            report["keywords"] = tag_set_scores(labels, keyword_tags(texts, keywords), domains)
        return report
