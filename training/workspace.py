"""The front door to training/: one object that owns the data directory and the seeds folder.

The CLI and the Flask app build a `Workspace` and call only it (plus the exception classes in
`training.errors`). Heavy modules (scikit-learn, the store, the learners) are imported inside the methods
that need them, so importing this module costs nothing and `policytag --help` stays fast. The seeds folder
is resolved on first use: tagging and listing models work without one.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.errors import UserFileError
from training.learning.gate import DEFAULT_TOLERANCE
from training.paths import data_home, seeds_dir, store_path

if TYPE_CHECKING:  # re-exported for annotations in service/ (which imports training only through here)
    from model.manifest import Manifest, VersionSummary
    from model.tagger import Tagger
    from training.data.bootstrap import BootstrapReport, Example
    from training.data.pool import PoolImport
    from training.data.store import AddResult, ExampleStore
    from training.data.taxonomy import Domain, Taxonomy
    from training.learning.review import ScoreCache
    from training.ops.registry import Registry

__all__ = ["DEFAULT_TOLERANCE", "Jobs", "Workspace", "warm_up"]


def warm_up() -> None:
    """Import what the curator's calls need (the bootstrap, scikit-learn's parts), so that a server pays for it
    at start and not inside the first request that needs it."""
    import training.curation  # noqa: F401

Progress = Callable[[str], None]


class Jobs:
    """Background training jobs of one workspace (one process per run, state in `<home>/jobs/`)."""

    def __init__(self, workspace: Workspace) -> None:
        self._workspace = workspace

    def start(self, force: bool = False, tolerance: float | None = None, requested_by: str | None = None) -> str:
        """Start training in its own process; returns the job id. Raises TrainingBusy if one is running."""
        from training.ops.jobs import start_job

        return start_job(self._workspace.home, self._workspace.seeds, force=force, tolerance=tolerance,
                         requested_by=requested_by)

    def get(self, job_id: str) -> dict[str, Any] | None:
        """The job's state, or None if there is no such job."""
        from training.ops.jobs import get_job

        return get_job(self._workspace.home, job_id)


class Workspace:
    """Paths (`home`, `seeds`) and everything training/ hands out: taxonomy, store, registry, jobs, training."""

    def __init__(self, home: str | os.PathLike[str] | None = None,
                 seeds: str | os.PathLike[str] | None = None, store_timeout: float | None = None) -> None:
        """`store_timeout`: seconds a store write waits for another writer (None: the store's default, 30)."""
        self.home = data_home(home)
        self._seeds_arg = seeds
        self._store_timeout = store_timeout

    @cached_property
    def seeds(self) -> Path:
        """The seeds folder (resolved on first use; SeedsNotFound when there is none)."""
        return seeds_dir(self._seeds_arg)

    # -- labelled data -------------------------------------------------------------------------------
    def taxonomy(self) -> Taxonomy:
        """The seeds' taxonomy plus the domains added through the API/CLI."""
        from training.data.taxonomy import load_taxonomy

        return load_taxonomy(self.seeds, self.home)

    def user_domain_ids(self) -> set[str]:
        """Ids of the domains added through the API/CLI (kept in the data directory)."""
        from training.data.taxonomy import load_user_domains

        return {d.id for d in load_user_domains(self.home)}

    def add_domain(self, raw: object) -> Domain:
        """Validate and add a domain (`{"id", "name_zh", "name_en", "keywords"}`); TaxonomyError if invalid."""
        from training.data.taxonomy import add_user_domain

        return add_user_domain(self.seeds, self.home, raw)

    def store(self) -> ExampleStore:
        """The labelled-example store in the data directory."""
        from training.data.store import ExampleStore

        if self._store_timeout is None:
            return ExampleStore(store_path(self.home))
        return ExampleStore(store_path(self.home), timeout=self._store_timeout)

    def add_examples(self, items: Sequence[Mapping[str, object]], source: str, author: str | None) -> AddResult:
        """Add labelled items as one batch checked against the taxonomy; ValidationError if any is bad."""
        return self.store().add(items, source=source, author=author, known_domains=self.taxonomy().ids)

    def import_file(self, path: Path, author: str | None = None) -> AddResult:
        """Add a JSONL/CSV label file as one batch (nothing is stored if any line is wrong)."""
        from training.data.importing import import_file

        return import_file(self.store(), path, known_domains=self.taxonomy().ids, author=author)

    def bootstrap(self, paths: Sequence[Path] = (), unmatched_negatives: bool | None = None
                  ) -> tuple[list[Example], BootstrapReport, str]:
        """Label paragraphs of `paths` (default: the seeds folder) from their headings: (examples, report,
        the report formatted for a terminal). `unmatched_negatives`: label paragraphs of unmatched sections
        beside matching ones "none" (None: the taxonomy's `[bootstrap]` setting)."""
        from training.data.bootstrap import bootstrap_paths, format_report

        taxonomy = self.taxonomy()
        negatives = taxonomy.unmatched_negatives if unmatched_negatives is None else unmatched_negatives
        try:
            examples, report = bootstrap_paths(list(paths) or [self.seeds], taxonomy, negatives)
        except OSError as exc:  # a document the user named cannot be read
            raise UserFileError(f"cannot read {exc.filename!r}: {exc.strerror or exc}") from None
        return examples, report, format_report(report, taxonomy)

    # -- the curator's loop: review pool, review queue, label audit (training/curation.py) ------------
    def pool_import(self, paths: Sequence[Path] = (), include_seeds: bool = False,
                    progress: Progress | None = None) -> PoolImport:
        """Pool the paragraphs of files/folders (documents or `policytag tag` JSONL) and, with
        `include_seeds`, the seeds' unlabelled paragraphs; unreadable files are listed in `problems`."""
        from training.curation import import_pool

        return import_pool(self.home, self.seeds, paths, include_seeds=include_seeds, progress=progress)

    def pool_import_bytes(self, data: bytes, name: str) -> PoolImport:
        """Pool one uploaded document's paragraphs; ReadError when it cannot be read."""
        from training.curation import import_pool_bytes

        return import_pool_bytes(self.home, self.seeds, data, name)

    def pool_import_texts(self, texts: Sequence[str], source: str = "api") -> PoolImport:
        """Pool texts as they are (one paragraph each); ValidationError names every bad text."""
        from training.curation import import_pool_texts

        return import_pool_texts(self.home, self.seeds, texts, source)

    def pool_stats(self) -> dict[str, object]:
        """`pool_size` and `by_source`."""
        from training.curation import pool_stats

        return pool_stats(self.home)

    @staticmethod
    def review_cache() -> ScoreCache:
        """A per-process cache of pool scores, keyed by model version (the review queue reuses it)."""
        from training.learning.review import ScoreCache

        return ScoreCache()

    def review_batch(self, tagger: Tagger, version: str, n: int, cache: ScoreCache | None = None,
                     names: dict[str, str] | None = None) -> dict[str, Any]:
        """The `n` pool paragraphs the model is least sure about, spread out; see `curation.review_batch`."""
        from training.curation import review_batch

        return review_batch(self.home, tagger, version, n, cache, names)

    def submit_review(self, pool_id: int, labels: Sequence[str], author: str | None) -> dict[str, int]:
        """Store a reviewed pool paragraph (source "review"); it leaves the pool. NotInPool, ValidationError."""
        from training.curation import submit_review

        return submit_review(self.home, self.seeds, pool_id, labels, author)

    def audit_report(self, n: int = 20, progress: Progress | None = None) -> dict[str, Any]:
        """The `n` labelled paragraphs the cross-validated model disputes most (not yet checked)."""
        from training.curation import audit_report

        return audit_report(self.home, self.seeds, n, progress)

    def decide_audit(self, item_id: str, action: str, author: str | None) -> dict[str, Any]:
        """accept (store the suggestion, source "audit") or keep an audited label; AuditItemNotFound."""
        from training.curation import decide_audit

        return decide_audit(self.home, self.seeds, item_id, action, author)

    # -- operations ----------------------------------------------------------------------------------
    @cached_property
    def registry(self) -> Registry:
        """Model versions under `<home>/models` and the CURRENT pointer."""
        from training.ops.registry import Registry

        return Registry(self.home)

    @cached_property
    def jobs(self) -> Jobs:
        """Background training jobs."""
        return Jobs(self)

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
        new version, promote it if it passes the gate (see `training.learning.run.run_training`); returns
        the new manifest."""
        from training.learning.run import run_training

        return run_training(self.home, self.seeds, cv=cv, force=force, tolerance=tolerance, progress=progress,
                            lock=lock, params=params, unmatched_negatives=unmatched_negatives, documents=documents)

    def evaluate(self, path: Path, threshold: float | None = None, worst: int = 10) -> dict[str, Any]:
        """The current model's report on a labelled JSONL/CSV file (EvalFileError lists bad lines)."""
        from training.learning.baseline import keyword_tags, tag_set_scores
        from training.learning.evaluate import evaluate, read_eval_file

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

    @staticmethod
    def metrics_text(metrics: dict[str, Any]) -> str:
        """Cross-validated metrics of a training run as a terminal table."""
        from training.learning.train import format_metrics

        return format_metrics(metrics)

    @staticmethod
    def report_text(report: dict[str, Any]) -> str:
        """An `evaluate` report for a terminal."""
        from training.learning.evaluate import format_report

        return format_report(report)

    @staticmethod
    def write_report_html(report: dict[str, Any], path: Path) -> None:
        """An `evaluate` report as one self-contained HTML page, written atomically."""
        from training.learning.evaluate import write_html

        write_html(report, path)
