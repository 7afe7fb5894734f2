"""`policytag report`: a collection of tagged documents as an HTML report (heatmap, groups, co-occurrence,
per-domain documents and terms, drill-down) and a tidy CSV (flags only; the work is in service.report)."""
from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from model.composition import DEFAULT_MIN_SHARE
from service.cli_common import MIN_SHARE, home_option, say, user_errors, workspace
from service.corpus.output import check_output

ORDERS = ("cluster", "group", "name")


@click.command("report")
@click.argument("inputs", nargs=-1, required=True)
@click.option("--group-by", "group_by", multiple=True, metavar="FIELD",
              help="Group documents by this record field (meta) or named group of --name-pattern (repeatable).")
@click.option("--name-pattern", default=None, metavar="REGEX",
              help=r"A regular expression over each file name whose named groups are group fields, e.g. "
                   r"'(?P<year>\d{4})年(?P<region>..)'.")
@click.option("--html", "html_path", default=None, metavar="FILE", help="Write the self-contained HTML report here.")
@click.option("--csv", "csv_path", default=None, metavar="FILE",
              help="Write the tidy table here (document, group fields, domain, paragraphs, characters, share).")
@click.option("--min-share", type=MIN_SHARE, default=DEFAULT_MIN_SHARE, show_default=True, metavar="S",
              help="A domain is a document's tag when it has at least this share of the tagged text.")
@click.option("--order", type=click.Choice(ORDERS), default=None,
              help="The heatmap's first order of documents [default: group when grouped, else cluster].")
@click.option("--examples", type=click.IntRange(0, 1000), default=10, show_default=True, metavar="N",
              help="Paragraphs shown behind each heatmap cell (the best-scoring ones).")
@click.option("--title", default="policytag corpus report", show_default=True, help="The report's title.")
@click.option("-j", "--jobs", type=click.IntRange(1, 512), default=None,
              help="Documents given (not tag outputs) are tagged first with this many worker processes "
                   "[default: the number of cores].")
@click.option("--model", "version", default=None, metavar="VERSION",
              help="Model version to tag documents with [default: the current one].")
@home_option
@user_errors
def report(inputs: tuple[str, ...], group_by: tuple[str, ...], name_pattern: str | None, html_path: str | None,
           csv_path: str | None, min_share: float, order: str | None, examples: int, title: str, jobs: int | None,
           version: str | None, home: str | None) -> None:
    """Report on INPUTS: `policytag tag` JSONL outputs, or documents and folders (tagged first).

    Writes --html and/or --csv; without either, the tidy CSV goes to stdout. The heatmap shows each domain's
    share of each document's tagged text; --group-by/--name-pattern add charts per group.
    """
    from service.report.collect import is_tag_output
    from service.report.run import ReportOptions, read_report, tidy_csv, write_outputs

    for target in (html_path, csv_path):
        if target not in (None, "-"):
            check_output(str(target))  # before any work
    options = ReportOptions(group_by=group_by, name_pattern=name_pattern, min_share=min_share, examples=examples,
                            order=order, title=title)
    given = [Path(i) for i in inputs]
    tag_outputs = [p for p in given if is_tag_output(p)]
    documents = [str(p) for p in given if p not in tag_outputs]
    ws = workspace(home)
    with tempfile.TemporaryDirectory(prefix="policytag-report-") as scratch:
        paths = list(tag_outputs)
        if documents:
            paths.append(_tag_first(documents, Path(scratch) / "tags.jsonl", jobs, version, home))

        def domains_of(versions: Sequence[str]) -> Sequence[Mapping[str, Any]]:
            for v in versions:
                try:
                    return ws.registry.manifest(v).get("domains", [])
                except Exception:  # noqa: BLE001 - an unknown or damaged version only costs the names
                    continue
            return ()

        result, models = read_report(paths, options, domains_of)
    if html_path is None and csv_path is None:
        click.echo(tidy_csv(result).lstrip("\ufeff"), nl=False)
    else:
        write_outputs(result, options, Path(html_path) if html_path else None, Path(csv_path) if csv_path else None,
                      models)
    tags = {d["id"]: sum(d["id"] in doc["tags"] for doc in result.documents) for d in result.domains}
    say(f"{len(result.documents)} document(s), {result.paragraphs} paragraph(s); documents tagged: "
        + ", ".join(f"{d} {n}" for d, n in tags.items()) + (f"; groups: {', '.join(result.fields)}"
                                                            if result.fields else ""))
    for path in (html_path, csv_path):
        if path:
            say(f"wrote {path}")


def _tag_first(documents: list[str], out: Path, jobs: int | None, version: str | None, home: str | None) -> Path:
    """Tag documents given to the report with `policytag tag`'s runner into a scratch JSONL."""
    from service.corpus.engines import default_jobs
    from service.corpus.rows import Settings
    from service.corpus.runner import RunOptions, tag_corpus

    # The registry checks the version (SHA-256, scikit-learn) once here, as `policytag tag` does.
    ref, manifest = workspace(home).registry.reference(version)
    settings = Settings(fmt="jsonl", domains=tuple(manifest["thresholds"]), version=ref.version)
    say(f"tagging {len(documents)} input(s) with model {ref.version} first")
    result = tag_corpus(documents, settings, ref, RunOptions(out=str(out), jobs=jobs or default_jobs(), quiet=True))
    if not result.ok:
        raise click.ClickException(f"{result.summary.unread} input(s) could not be read (listed above); give only "
                                   "readable documents or `policytag tag` outputs")
    return out
