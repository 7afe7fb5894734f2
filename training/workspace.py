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
    from training.data.store import AddResult, ExampleStore
    from training.data.taxonomy import Domain, Taxonomy
    from training.ops.registry import Registry

__all__ = ["DEFAULT_TOLERANCE", "Jobs", "Workspace"]

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
                 seeds: str | os.PathLike[str] | None = None) -> None:
        self.home = data_home(home)
        self._seeds_arg = seeds

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

        return ExampleStore(store_path(self.home))

    def add_examples(self, items: Sequence[Mapping[str, object]], source: str, author: str | None) -> AddResult:
        """Add labelled items as one batch checked against the taxonomy; ValidationError if any is bad."""
        return self.store().add(items, source=source, author=author, known_domains=self.taxonomy().ids)

    def import_file(self, path: Path, author: str | None = None) -> AddResult:
        """Add a JSONL/CSV label file as one batch (nothing is stored if any line is wrong)."""
        from training.data.importing import import_file

        return import_file(self.store(), path, known_domains=self.taxonomy().ids, author=author)

    def bootstrap(self, paths: Sequence[Path] = ()) -> tuple[list[Example], BootstrapReport, str]:
        """Label paragraphs of `paths` (default: the seeds folder) from their headings: (examples, report,
        the report formatted for a terminal)."""
        from training.data.bootstrap import bootstrap_paths, format_report

        taxonomy = self.taxonomy()
        try:
            examples, report = bootstrap_paths(list(paths) or [self.seeds], taxonomy)
        except OSError as exc:  # a document the user named cannot be read
            raise UserFileError(f"cannot read {exc.filename!r}: {exc.strerror or exc}") from None
        return examples, report, format_report(report, taxonomy)

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
        """Every model version, oldest first, with its scores and whether it is current."""
        from model.manifest import summarize

        current = self.registry.current()
        return [summarize(v, self.registry.manifest(v), current) for v in self.registry.versions()]

    def promote(self, version: str) -> None:
        """Make `version` current; RegistryError if unknown, ArtifactError if its files would not load."""
        self.registry.promote(version)

    # -- learning ------------------------------------------------------------------------------------
    def train(self, cv: int = 5, force: bool = False, tolerance: float = DEFAULT_TOLERANCE,
              progress: Progress | None = None, lock: bool = True,
              params: dict[str, Any] | None = None) -> Manifest:
        """Train on the seeds and the store, save a new version, promote it if it passes the gate (see
        `training.learning.run.run_training`); returns the new manifest."""
        from training.learning.run import run_training

        return run_training(self.home, self.seeds, cv=cv, force=force, tolerance=tolerance, progress=progress,
                            lock=lock, params=params)

    def evaluate(self, path: Path, threshold: float | None = None, worst: int = 10) -> dict[str, Any]:
        """The current model's report on a labelled JSONL/CSV file (EvalFileError lists bad lines)."""
        from training.learning.evaluate import evaluate, read_eval_file

        tagger, manifest = self.load_model()
        rows = read_eval_file(path, tagger.classes_)
        report = evaluate(tagger, [t for t, _ in rows], [labels for _, labels in rows], threshold, worst)
        report["model"] = manifest.get("version")
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
