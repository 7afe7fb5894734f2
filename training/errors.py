"""Exceptions training/ raises, importable without loading scikit-learn (the CLI and app catch them).

Every class derives from `model.errors.PolicytagError`; the modules that raise them re-export them.
"""
from __future__ import annotations

from collections.abc import Sequence

from model.errors import ArtifactError, PolicytagError

__all__ = ["ArtifactError", "EvalFileError", "PolicytagError", "RegistryError", "SeedsNotFound", "StoreBusyError",
           "StoreError", "TaxonomyError", "TrainingBusy", "ValidationError", "join_problems"]

# Keep exception messages readable when a whole file is bad; .problems has all.
_MAX_PROBLEMS_IN_MESSAGE = 50


def join_problems(problems: Sequence[str]) -> str:
    """The problems as one message, at most 50 shown (the exception's `problems` keeps all)."""
    shown = "; ".join(problems[:_MAX_PROBLEMS_IN_MESSAGE])
    hidden = len(problems) - _MAX_PROBLEMS_IN_MESSAGE
    return f"{shown}; ... and {hidden} more" if hidden > 0 else shown


class SeedsNotFound(PolicytagError, FileNotFoundError):
    """No seeds folder could be found."""


class RegistryError(PolicytagError):
    """A version does not exist or no model has been trained yet."""


class StoreError(PolicytagError):
    """Base class for every error raised by the example store."""


class ValidationError(StoreError):
    """A batch was rejected; ``problems`` lists every bad item, nothing was written."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems: list[str] = list(problems)
        super().__init__(join_problems(self.problems))


class StoreBusyError(StoreError):
    """The database stayed locked by another writer for longer than the busy timeout."""


class TaxonomyError(PolicytagError, ValueError):
    """The taxonomy file or a domain definition is invalid."""


class TrainingBusy(PolicytagError):
    """Another training run holds the lock."""


class EvalFileError(PolicytagError, ValueError):
    """An evaluation file could not be used; `problems` lists every problem found (by line)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems: list[str] = list(problems)
        super().__init__(join_problems(self.problems))
