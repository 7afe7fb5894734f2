"""The report's one error: bad input or options, said in one line with the fix."""
from __future__ import annotations

from model.errors import PolicytagError


class ReportError(PolicytagError, ValueError):
    """An input or option `policytag report` (or POST /v1/report) cannot use; the message names it and the fix."""
