"""Model versions in the shared PostgreSQL database, with a verified copy of each on every host that uses it.

A version is one row of `model_versions` (its number and name, the manifest as JSON, the artefact's bytes
and their SHA-256); the current version is the one row of `current_model`. A host loads a version from its
local cache (`<home>/model-cache/<version>-<sha256 prefix>/`), written only after the bytes from the
database matched the SHA-256 in their manifest; `load_artifact` checks the file again before unpickling.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from model.artifact import MODEL_FILE, ArtifactError, sklearn_version, verify_artifact
from model.atomic import write_atomic
from model.manifest import MANIFEST_FILE, Manifest
from training.errors import RegistryError
from training.ops.database import Database
from training.ops.model_files import VERSION, _unknown


class DatabaseModels:
    """The registry's storage shared by every host: rows in PostgreSQL, verified copies in `cache`."""

    def __init__(self, database: Database, cache: Path) -> None:
        self.database = database
        self.cache = Path(cache)
        self._checked: dict[str, Manifest | ArtifactError] = {}  # rows never change: one check per version

    @property
    def where(self) -> str:
        return f"the database {self.database.name}"

    def versions(self) -> list[str]:
        with self.database.connection() as conn:
            return [row[0] for row in conn.execute("SELECT version FROM model_versions ORDER BY number").fetchall()]

    def current(self) -> str | None:
        with self.database.connection() as conn:
            row = conn.execute("SELECT version FROM current_model").fetchone()
        return str(row[0]) if row else None

    def set_current(self, version: str) -> None:
        with self.database.connection() as conn:
            conn.execute("INSERT INTO current_model (singleton, version) VALUES (TRUE, ?) ON CONFLICT (singleton)"
                         " DO UPDATE SET version = excluded.version, changed_at = clock_timestamp()", (version,))

    def exists(self, version: str) -> bool:
        if not VERSION.match(version):
            return False
        with self.database.connection() as conn:
            return conn.execute("SELECT 1 FROM model_versions WHERE version = ?", (version,)).fetchone() is not None

    def _row(self, version: str, columns: str) -> tuple[Any, ...]:
        row = None
        if VERSION.match(version):
            with self.database.connection() as conn:
                row = conn.execute(f"SELECT {columns} FROM model_versions WHERE version = ?", (version,)).fetchone()
        if row is None:
            raise _unknown(version, self.versions())
        return tuple(row)

    def manifest(self, version: str) -> Manifest:
        (raw,) = self._row(version, "manifest")
        return _parsed(raw, version, self.database.name)

    def check(self, version: str) -> Manifest:
        """The manifest after the checks loading makes (scikit-learn version, SHA-256 of the stored bytes,
        hashed by the server so the bytes do not travel), without unpickling."""
        if version not in self._checked:
            raw, stored_hash = self._row(version, "manifest, encode(sha256(artefact), 'hex')")
            try:
                manifest = _parsed(raw, version, self.database.name)
                _compatible(manifest, version)
                if stored_hash != manifest.get("sha256"):
                    raise ArtifactError(f"model {version} in {self.where} does not match the SHA-256 in its "
                                        "manifest (altered or damaged); refusing to load it; retrain with "
                                        "`policytag train`")
            except ArtifactError as exc:
                self._checked[version] = exc
            else:
                self._checked[version] = manifest
        found = self._checked[version]
        if isinstance(found, ArtifactError):
            raise found
        return found

    def local_dir(self, version: str) -> Path:
        """A directory on this host holding `version`'s verified files (fetched from the database once)."""
        manifest = self.check(version)
        target = self.cache / f"{version}-{str(manifest.get('sha256'))[:16]}"
        if (target / MANIFEST_FILE).is_file():
            try:
                verify_artifact(target)
                return target
            except ArtifactError:
                shutil.rmtree(target, ignore_errors=True)  # a damaged copy: fetch it again
        raw, artefact = self._row(version, "manifest, artefact")
        if hashlib.sha256(bytes(artefact)).hexdigest() != manifest.get("sha256"):
            raise ArtifactError(f"model {version} changed in {self.where} while being read; retry")
        self.cache.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=self.cache, prefix=".staging-"))
        try:
            write_atomic(staging / MODEL_FILE, bytes(artefact))
            write_atomic(staging / MANIFEST_FILE, str(raw).encode("utf-8"))
            try:
                staging.rename(target)
            except OSError:
                if not (target / MANIFEST_FILE).is_file():  # not another process that cached it first
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return target

    def newest_cached(self) -> Path | None:
        """The newest version this host holds a verified copy of (for a host started while the database is
        away), or None."""
        found = []
        for directory in self.cache.glob("v*-*") if self.cache.is_dir() else []:
            match = VERSION.match(directory.name.split("-", 1)[0])
            if match and (directory / MANIFEST_FILE).is_file():
                found.append((int(match.group(1)), directory))
        for _, directory in sorted(found, reverse=True):
            try:
                verify_artifact(directory)
            except ArtifactError:
                continue
            return directory
        return None

    def put(self, version: str, staged: Path) -> bool:
        """Store the complete version in `staged` as one row; False when `version` is taken (try the next)."""
        manifest_text = (staged / MANIFEST_FILE).read_text(encoding="utf-8")
        manifest = json.loads(manifest_text)
        artefact = (staged / MODEL_FILE).read_bytes()
        with self.database.connection() as conn:
            added = conn.execute(
                "INSERT INTO model_versions (number, version, manifest, sha256, artefact) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING", (int(version[1:]), version, manifest_text, manifest["sha256"], artefact))
        return added.rowcount == 1

    def staging(self) -> Path:
        self.cache.mkdir(parents=True, exist_ok=True)
        return self.cache

    def clean_staging(self) -> None:
        if self.cache.is_dir():
            for leftover in self.cache.glob(".staging-*"):
                shutil.rmtree(leftover, ignore_errors=True)

    def stamp(self) -> object:
        """The current version's name, hash and when it was made current: one indexed read."""
        with self.database.connection() as conn:
            row = conn.execute("SELECT c.version, v.sha256, c.changed_at FROM current_model c"
                               " JOIN model_versions v ON v.version = c.version").fetchone()
        return tuple(row) if row else None

    def reference_location(self, version: str) -> str:
        return str(self.local_dir(version).resolve())


def _parsed(raw: object, version: str, where: str) -> Manifest:
    try:
        manifest = json.loads(str(raw))
    except json.JSONDecodeError as exc:
        raise ArtifactError(f"the manifest of model {version} in {where} is damaged ({exc}); retrain with "
                            "`policytag train`") from None
    if not isinstance(manifest, dict):
        raise ArtifactError(f"the manifest of model {version} in {where} is damaged (not a JSON object); "
                            "retrain with `policytag train`")
    return manifest  # type: ignore[return-value]  # a JSON object shaped as the manifest it was saved from


def _compatible(manifest: Manifest, version: str) -> None:
    saved_with = manifest.get("libraries", {}).get("scikit-learn")
    if saved_with != sklearn_version():
        raise ArtifactError(f"model {version} was trained with scikit-learn {saved_with}, this host has "
                            f"{sklearn_version()}; install the same scikit-learn or retrain with `policytag train`")


__all__ = ["DatabaseModels", "RegistryError"]
