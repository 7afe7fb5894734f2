"""The corpus runner's one error class: a problem the user can fix (bad -o, --resume mismatch, bad list)."""
from __future__ import annotations

from model.errors import PolicytagError


class CorpusError(PolicytagError, ValueError):
    """A run that cannot start or continue; the message names the bad value and the fix."""
