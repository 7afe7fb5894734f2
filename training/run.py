"""One training run end to end: taxonomy + seeds + store -> new registry version (promoted)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from training.paths import store_path
from training.registry import Registry
from training.store import ExampleStore
from training.taxonomy import load_taxonomy
from training.train import Progress, load_training_data, train


def run_training(home: Path, seeds: Path, cv: int = 5, promote: bool = True,
                 progress: Progress | None = None) -> dict[str, Any]:
    """Train on the seeds and the store, save a new version, promote it; returns its manifest."""
    taxonomy = load_taxonomy(seeds, home)
    store = ExampleStore(store_path(home)) if store_path(home).exists() else None
    if progress:
        progress(f"reading seeds from {seeds}" + (f" and {store.count()} stored examples" if store else ""))
    data = load_training_data(seeds, taxonomy, store)
    result = train(data, taxonomy, cv=cv, progress=progress)
    registry = Registry(home)
    registry.clean_staging()
    manifest = registry.add(result.tagger, {**result.manifest, "seeds": str(seeds)})
    if promote:
        registry.promote(manifest["version"])
    return manifest
