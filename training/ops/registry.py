"""The model registry: numbered versions in `<home>/models/vN/` and an atomic pointer to the current one.

A version directory is written under a temporary name and renamed into place only when complete, so a
training run that fails or is killed never leaves a partial version; `CURRENT` is replaced atomically, so
every reader sees the old or the new version, never a half-written pointer.
"""
from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from model.artifact import MODEL_FILE, ArtifactError, load_artifact, read_manifest, save_artifact, verify_artifact
from model.atomic import write_atomic
from model.manifest import MANIFEST_FILE, Manifest
from model.tagger import Tagger
from training.errors import RegistryError

_VERSION = re.compile(r"^v(\d+)$")
# Verification results by (directory, stat of its files): listing versions need not hash every file each time.
_CHECKED: dict[tuple[object, ...], Manifest | ArtifactError] = {}


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size
CURRENT_FILE = "CURRENT"


class Registry:
    """Versions of trained models under `<home>/models`."""

    def __init__(self, home: Path):
        self.root = Path(home) / "models"

    def versions(self) -> list[str]:
        """Complete versions, oldest first."""
        if not self.root.is_dir():
            return []
        found = [(int(m.group(1)), p.name) for p in self.root.iterdir() if (m := _VERSION.match(p.name))]
        return [name for _, name in sorted(found)]

    def current(self) -> str | None:
        try:
            name = (self.root / CURRENT_FILE).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name if (self.root / name).is_dir() else None

    def manifest(self, version: str) -> Manifest:
        return read_manifest(self._dir(version))

    def _dir(self, version: str) -> Path:
        path = self.root / version
        if not _VERSION.match(version) or not path.is_dir():
            known = ", ".join(self.versions()) or "none yet; run `policytag train`"
            raise RegistryError(f"unknown model version {version!r}; known: {known}")
        return path

    def add(self, tagger: Tagger, manifest: Manifest) -> Manifest:
        """Save a new version (not made current); returns its manifest including `version`."""
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=self.root, prefix=".staging-"))
        try:
            number = int(self.versions()[-1][1:]) + 1 if self.versions() else 1
            while True:
                version = f"v{number}"
                written = save_artifact(tagger, staging, {**manifest, "version": version})
                try:
                    # rename() onto an existing non-empty directory fails: two trainers never share a number.
                    staging.rename(self.root / version)
                    return written
                except OSError:
                    if not (self.root / version).exists():
                        raise
                    number += 1
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)

    def promote(self, version: str) -> None:
        """Make `version` current (also how to roll back); refuses one that would not load (ArtifactError)."""
        verify_artifact(self._dir(version))
        write_atomic(self.root / CURRENT_FILE, f"{version}\n".encode())

    def check(self, version: str) -> Manifest:
        """`version`'s manifest after the checks loading makes (manifest, scikit-learn version, SHA-256), without
        unpickling; ArtifactError when it fails. Results are remembered until the files change."""
        directory = self._dir(version)
        key = (str(directory), *(_stat(directory / name) for name in (MODEL_FILE, MANIFEST_FILE)))
        if key not in _CHECKED:
            if len(_CHECKED) > 256:
                _CHECKED.clear()
            try:
                _CHECKED[key] = verify_artifact(directory)
            except ArtifactError as exc:
                _CHECKED[key] = exc
        found = _CHECKED[key]
        if isinstance(found, ArtifactError):
            raise found
        return found

    def load(self, version: str | None = None) -> tuple[Tagger, Manifest]:
        """Load `version` (default: current); RegistryError when there is none."""
        version = version or self.current()
        if version is None:
            raise RegistryError(f"no trained model in {self.root}; run `policytag train` "
                                "(or `policytag serve`, which trains one from seeds/)")
        return load_artifact(self._dir(version))

    def clean_staging(self) -> None:
        """Remove leftovers of killed training runs (never a complete version)."""
        if self.root.is_dir():
            for leftover in self.root.glob(".staging-*"):
                shutil.rmtree(leftover, ignore_errors=True)


__all__ = ["ArtifactError", "Registry", "RegistryError"]
