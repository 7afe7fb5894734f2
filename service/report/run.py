"""From `policytag tag` outputs to a report and its files: read the rows (streaming), analyse, write HTML and CSV."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.atomic import write_atomic
from model.composition import DEFAULT_MIN_SHARE
from service.report.analysis import ORDERS, Report, analyse, domain_list
from service.report.collect import TERM_SAMPLE, Collector, collect
from service.report.errors import ReportError
from service.report.groups import Grouping

BOM = "\ufeff"


@dataclass(frozen=True)
class ReportOptions:
    """What the report shows (not where the rows come from)."""

    group_by: tuple[str, ...] = ()
    name_pattern: str | None = None
    min_share: float = DEFAULT_MIN_SHARE
    examples: int = 10  # paragraphs kept per heatmap cell for the drill-down
    order: str | None = None  # the heatmap's first order: cluster, group or name (default: group if grouped)
    title: str = "policytag corpus report"
    terms: bool = True


def read_report(paths: Sequence[Path], options: ReportOptions,
                manifest_domains: Callable[[Sequence[str]], Sequence[Mapping[str, Any]]] = lambda versions: (),
                ) -> tuple[Report, list[str]]:
    """(report, model versions named in the rows) of these tag outputs; `manifest_domains(versions)` gives the
    domains (id, name_zh, name_en) of the models named, for their order and names."""
    if options.order is not None and options.order not in ORDERS:
        raise ReportError(f"unknown order {options.order!r}; use one of: {', '.join(ORDERS)}")
    grouping = Grouping.build(options.group_by, options.name_pattern)
    collector = collect(paths, Collector(examples=options.examples, term_sample=TERM_SAMPLE if options.terms else 0))
    if not collector.paragraphs:
        raise ReportError(f"no paragraph rows in {', '.join(map(str, paths))}; give the JSONL that "
                          "`policytag tag ... -o FILE` wrote (or the documents, to tag them first)")
    versions = sorted(collector.models, key=lambda v: -collector.models[v])
    domains = domain_list(collector.domains, manifest_domains(versions))
    report = analyse(collector.inputs(), domains, grouping, options.min_share,
                     cooccurrence=collector.cooccurrence([d["id"] for d in domains]),
                     sample=collector.sample() if options.terms else None, paragraphs=collector.paragraphs)
    return report, versions


def tidy_csv(report: Report) -> str:
    """The tidy table as CSV text (with a BOM, for Excel on Chinese Windows); formula-like cells quoted as text."""
    columns, rows = report.tidy()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return BOM + buffer.getvalue()


def _cell(value: object) -> object:
    # A document named "=cmd…" must not run as a formula in a spreadsheet.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def write_outputs(report: Report, options: ReportOptions, html_path: Path | None, csv_path: Path | None,
                  models: Sequence[str] = ()) -> None:
    """Write the HTML report and/or the tidy CSV, each atomically."""
    if html_path is not None:
        from service.report.html import report_html

        page = report_html(report, options.title, options.order, models)
        write_atomic(html_path, page.encode("utf-8"))
    if csv_path is not None:
        write_atomic(csv_path, tidy_csv(report).encode("utf-8"))
