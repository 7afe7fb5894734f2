"""The model registry: numbered versions, the current one, and the only code that knows where their bytes live.

Versions are kept by a storage (`LocalModels`: directories in the data directory, the embedded default;
`DatabaseModels`: rows in the shared PostgreSQL database with a verified copy on each host). Servers ask the
registry for a cheap change stamp to hot-reload; corpus workers get a `ModelRef` they can load on any host.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Protocol

from model.artifact import ArtifactError, load_artifact, save_artifact
from model.manifest import Manifest
from model.tagger import Tagger
from training.errors import NotServable, RegistryError
from training.ops.model_files import CURRENT_FILE, LocalModels
from training.ops.model_ref import ModelRef

__all__ = ["CURRENT_FILE", "ArtifactError", "ModelRef", "ModelStorage", "Registry", "RegistryError",
           "load_reference"]


class ModelStorage(Protocol):
    """Where versions are kept: the registry's only way to their bytes."""

    @property
    def where(self) -> str: ...

    def versions(self) -> list[str]: ...

    def current(self) -> str | None: ...

    def set_current(self, version: str) -> None: ...

    def exists(self, version: str) -> bool: ...

    def manifest(self, version: str) -> Manifest: ...

    def check(self, version: str) -> Manifest: ...

    def local_dir(self, version: str) -> Path: ...

    def newest_cached(self) -> Path | None: ...

    def put(self, version: str, staged: Path) -> bool: ...

    def staging(self) -> Path: ...

    def clean_staging(self) -> None: ...

    def stamp(self) -> object: ...

    def reference_location(self, version: str) -> str: ...


class Registry:
    """Versions of trained models, numbered v1, v2, ...; one of them current."""

    def __init__(self, home: Path, storage: ModelStorage | None = None) -> None:
        """`storage`: where versions live (default: `<home>/models` on this machine)."""
        self.storage: ModelStorage = storage or LocalModels(Path(home) / "models")

    @property
    def where(self) -> str:
        """Where the versions are, for messages."""
        return self.storage.where

    def versions(self) -> list[str]:
        """Complete versions, oldest first."""
        return self.storage.versions()

    def current(self) -> str | None:
        """The version served, or None before the first training."""
        return self.storage.current()

    def manifest(self, version: str) -> Manifest:
        return self.storage.manifest(version)

    def add(self, tagger: Tagger, manifest: Manifest) -> Manifest:
        """Save a new version (not made current); returns its manifest including `version`."""
        staging = Path(tempfile.mkdtemp(dir=self.storage.staging(), prefix=".staging-"))
        try:
            versions = self.versions()
            number = int(versions[-1][1:]) + 1 if versions else 1
            while True:
                version = f"v{number}"
                written = save_artifact(tagger, staging, {**manifest, "version": version})
                if self.storage.put(version, staging):
                    return written
                number += 1  # another trainer took this number a moment ago
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)

    def promote(self, version: str) -> None:
        """Make `version` current (also how to roll back); UnknownVersion when there is no such version,
        NotServable (an ArtifactError) when its files would not load: the current version stays."""
        try:
            self.storage.check(version)
        except NotServable:
            raise
        except ArtifactError as exc:
            raise NotServable(f"{version} cannot be served, not promoted: {exc}") from None
        self.storage.set_current(version)

    def check(self, version: str) -> Manifest:
        """`version`'s manifest after the checks loading makes (manifest, scikit-learn version, SHA-256), without
        unpickling; ArtifactError when it fails. Results are remembered until the bytes change."""
        return self.storage.check(version)

    def load(self, version: str | None = None) -> tuple[Tagger, Manifest]:
        """Load `version` (default: current); RegistryError when there is none."""
        version = version or self.current()
        if version is None:
            raise RegistryError(f"no trained model in {self.where}; run `policytag train` "
                                "(or `policytag serve`, which trains one from seeds/)")
        return load_artifact(self.storage.local_dir(version))

    def load_cached(self) -> tuple[Tagger, Manifest] | None:
        """The newest version this host holds a verified copy of, loaded without asking the storage (for a
        server started while the database is unreachable), or None."""
        directory = self.storage.newest_cached()
        return load_artifact(directory) if directory is not None else None

    def change_stamp(self) -> object:
        """A cheap value that changes when another version is made current (or the current one's bytes change)."""
        return self.storage.stamp()

    def reference(self, version: str | None = None) -> tuple[ModelRef, Manifest]:
        """(what corpus workers load, manifest) for `version` (default: current), checked here once (SHA-256,
        scikit-learn version) so that a damaged model stops a run before any work."""
        version = version or self.current()
        if version is None:
            raise RegistryError(f"no trained model in {self.where}; run `policytag train`")
        from model.artifact import verify_artifact

        location = self.storage.reference_location(version)
        manifest = verify_artifact(Path(location))
        database = getattr(getattr(self.storage, "database", None), "url", None)
        return ModelRef(location, str(manifest["sha256"]), str(manifest.get("version", version)), database), manifest

    def clean_staging(self) -> None:
        """Remove leftovers of killed training runs (never a complete version)."""
        self.storage.clean_staging()


def load_reference(ref: ModelRef, cache: Path | None = None) -> tuple[Tagger, Manifest]:
    """Load the model `ref` names: from its directory, or (missing here, shared database) fetched into `cache`
    (default: a folder in the temporary directory). OSError when neither is possible; ArtifactError when the
    bytes fail a check."""
    directory = Path(ref.path)
    if not directory.is_dir() and ref.database:
        from training.ops.database import shared_database
        from training.ops.model_rows import DatabaseModels

        storage = DatabaseModels(shared_database(ref.database, 30.0),
                                 cache or Path(tempfile.gettempdir()) / "policytag-model-cache")
        directory = storage.local_dir(ref.version)
    return load_artifact(directory)
