"""The model a worker serves, reloaded when the registry's current version changes (hot reload).

The registry's change stamp says when to reload: a few file stats in the data directory, or one indexed
read of the shared database. With the database, a background thread checks it every `check_every` seconds,
so a tagging request never waits on the database, and a database that cannot be reached leaves the worker
serving the model it holds and saying so (`degraded`, `reason`) until it is back.

When the current version cannot be loaded (damaged, missing, written by another scikit-learn), the worker
serves a fallback and says so: the newest version older than the current one that loads and verifies, else
the newest newer one. Every worker applies the same rule to the same versions, so a fresh worker and an old
one serve the same version. Only when no version loads does a worker keep what it has in memory.
"""
from __future__ import annotations

import logging
import threading
import time
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

from model.errors import ArtifactError, PolicytagError
from model.manifest import Manifest
from model.tagger import Tagger
from training.errors import RegistryError, StoreUnavailable

if TYPE_CHECKING:
    from training.workspace import Registry

log = logging.getLogger("policytag")


class NoModel(PolicytagError):
    """No usable model is available."""


@dataclass(frozen=True)
class Served:
    """The model a request is answered with: tagger, manifest, and what answers show from the manifest, read
    once per loaded version."""

    tagger: Tagger
    manifest: Manifest
    version: str | None
    names: dict[str, str]  # domain id -> Chinese name, as answers show them

    @classmethod
    def of(cls, tagger: Tagger, manifest: Manifest) -> Served:
        return cls(tagger, manifest, manifest.get("version"),
                   {d["id"]: d["name_zh"] for d in manifest.get("domains", [])})


class ModelHolder:
    """Serves the current version; checks the registry at most every `check_every` seconds."""

    def __init__(self, registry: Registry, check_every: float = 1.0, in_background: bool = False):
        """`in_background`: check from a thread of its own, never in a request (for a remote registry)."""
        self.registry = registry
        self.check_every = check_every
        self._lock = threading.Lock()
        self._loaded: tuple[Tagger, Manifest] | None = None
        self._served: Served | None = None  # `_loaded` with its names, made on first use
        self._stamp: object = None
        self._checked = 0.0
        self._reason = ""  # why the current version is not what we serve ("" when it is)
        self._in_background = in_background
        self.refresh(force=True)
        if in_background:
            _watch(self)

    def refresh(self, force: bool = False) -> None:
        """Reload when the registry's change stamp moved (at most every `check_every` s; with a background
        watcher only the watcher and `force` check)."""
        now = time.monotonic()
        if not force and (self._in_background or now - self._checked < self.check_every):
            return
        self.check(force)

    def check(self, force: bool = False) -> None:
        """Compare the change stamp with the one served, and reload when it moved."""
        with self._lock:
            self._checked = time.monotonic()
            try:
                self._check(force)
            except StoreUnavailable as exc:
                self._unreachable(str(exc))

    def _check(self, force: bool) -> None:
        stamp = self.registry.change_stamp()
        if stamp == self._stamp and not force:
            return
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
        self._stamp = stamp

    def _unreachable(self, problem: str) -> None:
        """The registry cannot be asked: keep serving what is loaded (or, just started, the newest verified copy
        on this host), say so, and ask again next time."""
        if not self._reason.startswith(problem):
            log.error("model registry unreachable: %s", problem)
        if self._loaded is None:
            try:
                cached = self.registry.load_cached()
            except ArtifactError as exc:
                log.error("this host's copy of the model does not load either: %s", exc)
                cached = None
            if cached is not None:
                self._loaded = cached
                self._reason = f"{problem}; serving {cached[1].get('version')} from this host's copy"
                self._stamp = None
                return
        kept = self._loaded[1].get("version") if self._loaded else None
        if kept and self._reason.endswith("from this host's copy"):
            self._reason = f"{problem}; serving {kept} from this host's copy"
        else:
            self._reason = problem + (f"; still serving {kept} from memory" if kept else "")
        self._stamp = None  # compare afresh once it answers

    def _fall_back(self, current: str | None, problem: str) -> None:
        if current is None:
            problem = f"the current-version pointer names no model version ({problem})"
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

    def served(self) -> Served:
        """The model to answer a request with; NoModel (503) when there is none."""
        self.refresh()
        loaded = self._loaded
        if loaded is None:
            raise NoModel(self._reason or "no trained model; run `policytag train`")
        served = self._served
        if served is None or served.tagger is not loaded[0]:
            served = self._served = Served.of(*loaded)
        return served

    @property
    def version(self) -> str | None:
        """The version being served, or None."""
        return self._loaded[1].get("version") if self._loaded else None

    @property
    def degraded(self) -> bool:
        """True when what is served may not be the current version (a damaged version, an unreachable
        database) or nothing loads at all."""
        if not self._reason:
            return False
        if self._loaded is not None:
            return True
        try:
            return bool(self.registry.versions())
        except StoreUnavailable:
            return True

    @property
    def reason(self) -> str:
        """Why the service is degraded or not ready ("" when all is well)."""
        return self._reason


def _watch(holder: ModelHolder) -> None:
    """Check `holder` every `check_every` seconds from a daemon thread, for as long as the holder exists."""
    ref = weakref.ref(holder)
    every = max(holder.check_every, 0.05)

    def loop() -> None:
        while True:
            time.sleep(every)
            current = ref()
            if current is None:
                return
            try:
                current.check()
            except Exception:  # noqa: BLE001 - a watcher that dies would freeze hot reload silently
                log.exception("checking for a new model failed")
            del current

    threading.Thread(target=loop, name="policytag-model-watch", daemon=True).start()
