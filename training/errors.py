"""Exceptions training/ raises, importable without loading scikit-learn (the CLI and app catch them).

Every class derives from `model.errors.PolicytagError`; the modules that raise them re-export them.
"""
from __future__ import annotations

from collections.abc import Sequence

from model.errors import ArtifactError, PolicytagError

__all__ = ["ArtifactError", "AuditActionError", "AuditItemNotFound", "AuditUnavailable", "DomainExists",
           "DomainRejected", "NotServable", "UnknownVersion",
           "EvalFileError", "NotInPool", "PolicytagError", "RegistryError", "SeedsNotFound", "StoreBusyError",
           "StoreError", "StoreFullError", "StoreReadOnlyError", "StoreUnavailable", "TaxonomyError", "TrainingBusy",
           "ItemsRejected", "LabelFileError", "join_problems"]

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


class UnknownVersion(RegistryError):
    """Someone asked for a model version the registry does not have."""


class NotServable(ArtifactError):
    """A version that would not load was not promoted (the current version is unchanged)."""


class StoreError(PolicytagError):
    """Base class for every error raised by the example store."""


class ItemsRejected(PolicytagError, ValueError):
    """Labelled texts (a batch, a label file, pool texts) were refused; ``problems`` lists every bad item, and
    nothing was written."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems: list[str] = list(problems)
        super().__init__(join_problems(self.problems))


class LabelFileError(PolicytagError, ValueError):
    """A label file could not be read; ``problems`` lists every problem found, ``items`` the well-formed lines
    (so callers can check those too and list every problem at once)."""

    def __init__(self, problems: Sequence[str], items: Sequence[dict[str, object]] = ()) -> None:
        self.problems: list[str] = list(problems)
        self.items: list[dict[str, object]] = list(items)
        super().__init__(join_problems(self.problems))


class NotInPool(StoreError):
    """A review named a pool item that is not (or no longer) in the pool."""


class StoreBusyError(StoreError):
    """Another writer held the store for longer than the configured timeout."""


class StoreUnavailable(StoreError):
    """The shared database cannot be reached (down, restarting, or the network is cut); retry later."""


class StoreReadOnlyError(StoreError):
    """The store cannot be written: the data directory, the database file or the database is read-only."""


class StoreFullError(StoreError):
    """No space is left where the store keeps its data (the data directory's disk or the database server's)."""


class TaxonomyError(PolicytagError, ValueError):
    """The taxonomy file or a domain definition is invalid."""


class AuditItemNotFound(PolicytagError, LookupError):
    """An audit id that names no labelled paragraph."""


class AuditUnavailable(PolicytagError):
    """The labelled data cannot be cross-validated for an audit (e.g. a domain with one labelled paragraph)."""


class AuditActionError(PolicytagError, ValueError):
    """An audit decision other than accept/keep."""


class DomainRejected(TaxonomyError):
    """A domain someone asked to add is not valid (the caller's input, not the server's taxonomy file)."""


class DomainExists(DomainRejected):
    """A domain with that id is already defined."""


class UnknownJob(PolicytagError, LookupError):
    """Someone asked for a training job that does not exist."""


class TrainingBusy(PolicytagError):
    """Another training run holds the lock."""


class EvalFileError(PolicytagError, ValueError):
    """An evaluation file could not be used; `problems` lists every problem found (by line)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems: list[str] = list(problems)
        super().__init__(join_problems(self.problems))
