"""The model a worker serves, reloaded when the registry's current version changes (hot reload).

When `CURRENT` cannot be loaded (damaged, missing, written by another scikit-learn), the worker serves a
fallback and says so (`degraded`, `reason`): the newest version older than `CURRENT` that loads and verifies,
else the newest newer one. Every worker applies the same rule to the same files, so a fresh worker and an old
one serve the same version. Only when no version on disk loads does a worker keep what it has in memory.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from typing import TYPE_CHECKING

from model.errors import ArtifactError, PolicytagError
from model.manifest import Manifest
from model.tagger import Tagger
from training.errors import RegistryError

if TYPE_CHECKING:
    from training.workspace import Registry

log = logging.getLogger("policytag")

_FILES = ("model.joblib", "manifest.json")


class NoModel(PolicytagError):
    """No usable model is available."""


def _stat(path: os.PathLike[str] | str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


class ModelHolder:
    """Serves the current version; checks the registry at most every `check_every` seconds."""

    def __init__(self, registry: Registry, check_every: float = 1.0):
        self.registry = registry
        self.check_every = check_every
        self._lock = threading.Lock()
        self._loaded: tuple[Tagger, Manifest] | None = None
        self._stamp: object = None
        self._checked = 0.0
        self._reason = ""  # why CURRENT is not what we serve ("" when it is)
        self.refresh(force=True)

    def _stamp_now(self) -> tuple[object, ...]:
        """Cheap change detector: the pointer, and the files of the version it names (a byte flip shows)."""
        current = self.registry.current()
        files = [self.registry.root / current / name for name in _FILES] if current else []
        return (current, _stat(self.registry.root / "CURRENT"), *(_stat(f) for f in files))

    def refresh(self, force: bool = False) -> None:
        """Reload when the pointer or the current version's files changed (at most every `check_every` s)."""
        now = time.monotonic()
        if not force and now - self._checked < self.check_every:
            return
        with self._lock:
            self._checked = now
            stamp = self._stamp_now()
            if stamp == self._stamp and not force:
                return
            self._stamp = stamp
            current = self.registry.current()
            try:
                loaded = self.registry.load(current)
            except (RegistryError, ArtifactError) as exc:
                if current is None and not self.registry.versions():
                    self._reason = str(exc)  # nothing trained yet: not ready, nothing to fall back to
                    return
                self._fall_back(current, str(exc))
            else:
                if self._loaded is None or self._loaded[1].get("version") != current or self._reason:
                    log.info("serving model %s", loaded[1].get("version"))
                self._loaded, self._reason = loaded, ""

    def _fall_back(self, current: str | None, problem: str) -> None:
        if current is None:
            problem = f"the CURRENT pointer names no model version ({problem})"
        for version in self._fallback_order(current):
            try:
                loaded = self.registry.load(version)
            except (RegistryError, ArtifactError) as exc:
                log.error("fallback model %s does not load either: %s", version, exc)
                continue
            self._loaded = loaded
            self._reason = f"{problem}; serving {version}, the newest version that loads"
            log.error("could not load the current model; serving %s: %s", version, problem)
            return
        # Nothing on disk loads: keep what this worker has in memory (verified when it was loaded).
        kept = self._loaded[1].get("version") if self._loaded else None
        self._reason = f"{problem}; no other version loads" + (f"; still serving {kept} from memory" if kept else "")
        log.error("could not load any model version: %s", problem)

    def _fallback_order(self, current: str | None) -> list[str]:
        """Versions to try instead of `current`: older ones newest first (what a rollback would pick), then newer."""
        versions = [v for v in self.registry.versions() if v != current]
        number = int(current[1:]) if current and current[1:].isdigit() else 0
        older = [v for v in versions if int(v[1:]) < number]
        newer = [v for v in versions if int(v[1:]) > number]
        return older[::-1] + newer[::-1]

    def get(self) -> tuple[Tagger, Manifest]:
        """(tagger, manifest) to serve; NoModel when there is none."""
        self.refresh()
        if self._loaded is None:
            raise NoModel(self._reason or "no trained model; run `policytag train`")
        return self._loaded

    @property
    def version(self) -> str | None:
        """The version being served, or None."""
        return self._loaded[1].get("version") if self._loaded else None

    @property
    def degraded(self) -> bool:
        """True when what is served is not the version CURRENT names (or nothing loads at all)."""
        return bool(self._reason) and (self._loaded is not None or bool(self.registry.versions()))

    @property
    def reason(self) -> str:
        """Why the service is degraded or not ready ("" when all is well)."""
        return self._reason
