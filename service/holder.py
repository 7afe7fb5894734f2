"""The model a worker serves, reloaded when the registry's current version changes (hot reload)."""
from __future__ import annotations

import logging
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


class NoModel(PolicytagError):
    """No usable model is available."""


class ModelHolder:
    """Serves the current version; checks the registry pointer at most every `check_every` seconds."""

    def __init__(self, registry: Registry, check_every: float = 1.0):
        self.registry = registry
        self.check_every = check_every
        self._lock = threading.Lock()
        self._loaded: tuple[Tagger, Manifest] | None = None
        self._stamp: object = None
        self._checked = 0.0
        self._error = ""
        self.refresh(force=True)

    def refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked < self.check_every:
            return
        with self._lock:
            self._checked = now
            stamp = self.registry.pointer_stamp()
            if stamp == self._stamp and not force:
                return
            try:
                loaded = self.registry.load()
            except (RegistryError, ArtifactError) as exc:
                # Keep serving what we have: a bad promote must not take the service down.
                self._error = str(exc)
                log.error("could not load the current model: %s", exc)
            else:
                self._loaded, self._error = loaded, ""
                log.info("serving model %s", loaded[1].get("version"))
            self._stamp = stamp

    def get(self) -> tuple[Tagger, Manifest]:
        self.refresh()
        if self._loaded is None:
            raise NoModel(self._error or "no trained model; run `policytag train`")
        return self._loaded

    @property
    def version(self) -> str | None:
        return self._loaded[1].get("version") if self._loaded else None
