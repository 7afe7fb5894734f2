"""Model versions as directories in the data directory: `<home>/models/vN/` and the `CURRENT` pointer file.

A version directory is written under a temporary name and renamed into place only when complete, so a
training run that fails or is killed never leaves a partial version; `CURRENT` is replaced atomically, so
every reader sees the old or the new version, never a half-written pointer.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from model.artifact import MODEL_FILE, ArtifactError, verify_artifact
from model.atomic import write_atomic
from model.manifest import MANIFEST_FILE, Manifest, read_manifest
from training.errors import UnknownVersion

VERSION = re.compile(r"^v(\d+)$")
CURRENT_FILE = "CURRENT"
# Verification results by (directory, stat of its files): listing versions need not hash every file each time.
_CHECKED: dict[tuple[object, ...], Manifest | ArtifactError] = {}


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


class LocalModels:
    """The registry's storage on one machine: one directory per version under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def where(self) -> str:
        return str(self.root)

    def versions(self) -> list[str]:
        if not self.root.is_dir():
            return []
        found = [(int(m.group(1)), p.name) for p in self.root.iterdir() if (m := VERSION.match(p.name))]
        return [name for _, name in sorted(found)]

    def current(self) -> str | None:
        try:
            name = (self.root / CURRENT_FILE).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name if VERSION.match(name) and (self.root / name).is_dir() else None

    def set_current(self, version: str) -> None:
        write_atomic(self.root / CURRENT_FILE, f"{version}\n".encode())

    def exists(self, version: str) -> bool:
        return bool(VERSION.match(version)) and (self.root / version).is_dir()

    def manifest(self, version: str) -> Manifest:
        return read_manifest(self.local_dir(version))

    def check(self, version: str) -> Manifest:
        directory = self.local_dir(version)
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

    def local_dir(self, version: str) -> Path:
        if not self.exists(version):
            raise _unknown(version, self.versions())
        return self.root / version

    def newest_cached(self) -> Path | None:
        """None: the versions themselves are on this host (nothing is ever out of reach)."""
        return None

    def put(self, version: str, staged: Path) -> bool:
        """Move the complete version in `staged` into place; False when `version` is taken (try the next)."""
        try:
            # rename() onto an existing non-empty directory fails: two trainers never share a number.
            staged.rename(self.root / version)
        except OSError:
            if not (self.root / version).exists():
                raise
            return False
        return True

    def staging(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root

    def clean_staging(self) -> None:
        if self.root.is_dir():
            for leftover in self.root.glob(".staging-*"):
                shutil.rmtree(leftover, ignore_errors=True)

    def stamp(self) -> object:
        """The pointer and the files of the version it names: a promotion or a byte flip changes it."""
        current = self.current()
        files = [self.root / current / name for name in (MODEL_FILE, MANIFEST_FILE)] if current else []
        return (current, _stat(self.root / CURRENT_FILE), *(_stat(f) for f in files))

    def reference_location(self, version: str) -> str:
        return os.fspath(self.local_dir(version).resolve())


def _unknown(version: str, known: list[str]) -> UnknownVersion:
    listed = ", ".join(known) or "none yet; run `policytag train`"
    return UnknownVersion(f"unknown model version {version!r}; known: {listed}")


__all__ = ["CURRENT_FILE", "VERSION", "LocalModels"]
