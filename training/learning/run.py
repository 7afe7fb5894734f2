"""One training run end to end: taxonomy + seeds + store -> new registry version, promoted if it passes the gate."""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from model.artifact import ArtifactError
from model.manifest import Manifest
from training.data.store import ExampleStore
from training.data.taxonomy import load_taxonomy
from training.errors import TrainingBusy
from training.learning.gate import DEFAULT_TOLERANCE, changed_tags, decide
from training.learning.train import Progress, Recipe, load_training_data, train
from training.ops.locks import Busy, try_lock
from training.ops.registry import Registry
from training.paths import store_path

LOCK_FILE = "train.lock"


def run_training(home: Path, seeds: Path, cv: int = 5, force: bool = False, tolerance: float = DEFAULT_TOLERANCE,
                 progress: Progress | None = None, lock: bool = True,
                 params: dict[str, Any] | None = None, unmatched_negatives: bool | None = None,
                 documents: Sequence[Path] | None = None) -> Manifest:
    """Train on the seeds and the store, save a new version, and promote it if it passes the gate.

    Returns the new version's manifest with a "promotion" entry saying whether it was promoted and why.
    Only one run at a time (TrainingBusy); `lock=False` when the caller already holds the lock.
    `params` are Tagger hyper-parameters (e.g. {"C": 0.5}); `unmatched_negatives` overrides the taxonomy's
    bootstrap setting (weak negatives from unmatched sections). `documents` are trained on beside the seeds
    (None: the documents the served model was trained on, those that still exist).
    """
    fd = None
    if lock:
        try:
            fd = try_lock(home / LOCK_FILE)
        except Busy:
            raise TrainingBusy("another training run is in progress; wait for it to finish") from None
    try:
        return _run(home, seeds, cv, force, tolerance, progress, params or {}, unmatched_negatives, documents)
    finally:
        if fd is not None:
            os.close(fd)


def _served_documents(registry: Registry, progress: Progress | None) -> list[Path]:
    """The documents the served model was trained on beside the seeds, those still there."""
    current = registry.current()
    if current is None:
        return []
    try:
        recorded = registry.manifest(current).get("documents", [])
    except ArtifactError:
        return []
    found = [Path(p) for p in recorded if Path(p).exists()]
    if progress and found:
        progress(f"also training on the {len(found)} document path(s) the served model learned from")
    if progress and len(found) < len(recorded):
        gone = [p for p in recorded if not Path(p).exists()]
        progress(f"warning: {len(gone)} document path(s) the served model learned from are gone: {', '.join(gone)}")
    return found


def _run(home: Path, seeds: Path, cv: int, force: bool, tolerance: float, progress: Progress | None,
         params: dict[str, Any], unmatched_negatives: bool | None = None,
         documents: Sequence[Path] | None = None) -> Manifest:
    taxonomy = load_taxonomy(seeds, home)
    store = ExampleStore(store_path(home)) if store_path(home).exists() else None
    registry = Registry(home)
    extra = [p.resolve() for p in documents] if documents is not None else _served_documents(registry, progress)
    if progress:
        progress(f"reading seeds from {seeds}" + (f", {len(extra)} more document path(s)" if extra else "")
                 + (f" and {store.count()} stored examples" if store else ""))
    data = load_training_data(seeds, taxonomy, store, unmatched_negatives, extra)
    registry.clean_staging()
    champion = recipe = None
    served_at_start = registry.current()
    if registry.current():
        try:
            champion, served = registry.load()
        except ArtifactError as exc:
            if progress:
                progress(f"the served model cannot be loaded ({exc}); comparing against nothing")
        else:
            keys = served.get("training_keys")
            recipe = Recipe(champion.get_params(), frozenset(keys) if keys is not None else None)
    result = train(data, taxonomy, cv=cv, progress=progress, champion=recipe, **params)
    metrics = result.manifest["metrics"]
    decision = decide(metrics, result.manifest.get("champion_metrics"), tolerance, force,
                      served=registry.current() is not None)
    if champion is not None:
        decision["changed_paragraphs"] = changed_tags(champion, result.tagger, [e.text for e in data.examples])
        decision["of_paragraphs"] = len(data.examples)
        decision["champion_version"] = registry.current()
    if decision["promoted"] and not force and registry.current() != served_at_start:
        decision["promoted"] = False
        decision["reason"] = (f"the current model changed to {registry.current()} while this one was training; "
                              "kept as a candidate so that change is not undone")
    manifest = registry.add(result.tagger, {**result.manifest, "seeds": str(seeds), "promotion": decision,
                                            "documents": [str(p) for p in extra]})
    if decision["promoted"]:
        registry.promote(manifest["version"])
    return manifest
