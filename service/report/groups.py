"""Which group a document belongs to: a field of its record (`meta`, e.g. year or region) or a named group of a
regular expression over its file name (`(?P<year>\\d{4})年(?P<region>..)`)."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from service.report.errors import ReportError

NO_VALUE = "(none)"  # a document without the field, or whose name the pattern does not match
EXAMPLE_PATTERN = r"(?P<year>\d{4})年(?P<region>..)"


def file_name(source: str) -> str:
    """The last part of a source path (either separator), as the name pattern sees it."""
    return re.split(r"[\\/]", source)[-1]


@dataclass(frozen=True)
class Grouping:
    """The group fields of a report and how each document's values are found."""

    fields: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None

    @classmethod
    def build(cls, group_by: Sequence[str] = (), name_pattern: str | None = None) -> Grouping:
        """From --group-by fields and a --name-pattern; ReportError for a bad pattern or field name."""
        pattern = None
        if name_pattern:
            try:
                pattern = re.compile(name_pattern)
            except re.error as exc:
                raise ReportError(f"name pattern {name_pattern!r} is not a regular expression ({exc}); name the "
                                  f"parts to group by, e.g. {EXAMPLE_PATTERN}") from None
            if not pattern.groupindex and not group_by:
                raise ReportError(f"name pattern {name_pattern!r} has no named group to group by; name them with "
                                  f"(?P<name>...), e.g. {EXAMPLE_PATTERN}")
        if any(not f.strip() for f in group_by):
            raise ReportError("a group field is empty; give a record field (meta) or a named group of the pattern")
        fields = tuple(dict.fromkeys(f.strip() for f in group_by))
        if not fields and pattern is not None:
            fields = tuple(pattern.groupindex)
        return cls(fields, pattern)

    def values(self, source: str, meta: Mapping[str, Any]) -> dict[str, str]:
        """The document's value of every group field (NO_VALUE when it has none)."""
        match = self.pattern.search(file_name(source)) if self.pattern is not None else None
        found = {k: v for k, v in match.groupdict().items() if v is not None} if match else {}
        out = {}
        for name in self.fields:
            if name in found:
                out[name] = found[name]
            elif name in meta and meta[name] is not None and str(meta[name]).strip():
                out[name] = str(meta[name]).strip()
            else:
                out[name] = NO_VALUE
        return out


def natural_key(value: str) -> tuple[Any, ...]:
    """Sort key that puts "2" before "10" and NO_VALUE last."""
    parts = re.split(r"(\d+)", value)
    return (value == NO_VALUE, *[(0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p])


def ordinal(values: Sequence[str]) -> bool:
    """Whether group values read as a sequence (years, numbers): drawn as lines rather than bars."""
    real = [v for v in values if v != NO_VALUE]
    return len(real) >= 3 and all(re.fullmatch(r"\d+(\.\d+)?", v) for v in real)
