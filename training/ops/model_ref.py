"""`ModelRef`: how a corpus worker on any host finds a model version (light: no scikit-learn, no driver)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelRef:
    """A directory holding the verified version, its SHA-256 and name, and (shared database) the database to
    fetch it from on a host where that directory is missing."""

    path: str
    sha256: str
    version: str
    database: str | None = None
