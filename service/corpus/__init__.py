"""The corpus runner: stream documents through the model and write one row per paragraph in input order.

    settings = Settings(fmt="csv", domains=("innovation", "rural"), version="v3")
    result = tag_corpus(["reports/"], settings, model_ref(home), RunOptions(out="tags.csv", jobs=2))
    result.ok, result.summary.paragraphs

Stages: plan (inputs -> ordered tasks), worker (read -> tag -> encode, one task at a time, in any process),
engine (in-process, local pool, Dask), output (FILE.partial + journal, resume, atomic rename), progress.
"""
from __future__ import annotations

from pathlib import Path

from model.artifact import verify_artifact
from service.corpus.engines import default_jobs
from service.corpus.errors import CorpusError
from service.corpus.rows import FORMATS, Settings
from service.corpus.runner import RunOptions, RunResult, tag_corpus
from service.corpus.worker import ModelRef

__all__ = ["FORMATS", "CorpusError", "ModelRef", "RunOptions", "RunResult", "Settings", "default_jobs", "model_ref",
           "tag_corpus"]


def model_ref(version_dir: Path) -> tuple[ModelRef, dict[str, object]]:
    """(reference every worker loads, manifest) for a model version directory, checked (SHA-256, scikit-learn
    version) here once so that a damaged model stops the run before any work."""
    manifest = verify_artifact(version_dir)
    return ModelRef(str(Path(version_dir).resolve()), str(manifest["sha256"]), str(manifest.get("version", ""))), manifest
