"""The project's exception classes that model/ raises: one base class so callers can catch "our" errors.

Kept free of heavy imports: the CLI imports this module before it knows which command runs.
"""
from __future__ import annotations


class PolicytagError(Exception):
    """Base class of every error policytag raises about input, settings or data files (not about bugs)."""


class ArtifactError(PolicytagError):
    """A model artefact is missing, damaged or incompatible."""


class UserFileError(PolicytagError):
    """A file the user named cannot be read or written (the message names it and the OS reason)."""


class ThresholdError(PolicytagError, ValueError):
    """A tag threshold outside (0, 1]."""


class NotFittedError(PolicytagError, ValueError, AttributeError):
    """A model used before `fit` (the same bases as scikit-learn's NotFittedError)."""
