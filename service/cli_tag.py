"""`policytag tag`: tag files, folders, lists of files or stdin at corpus scale (flags only; the work is in
service.corpus, imported when the command runs so that `policytag tag --help` loads no scikit-learn)."""
from __future__ import annotations

import click

from model.composition import DEFAULT_MIN_SHARE
from service.cli_common import MIN_SHARE, THRESHOLD, home_option, say, user_errors, workspace
from service.corpus.output import FORMATS, check_output


@click.command("tag")
@click.argument("inputs", nargs=-1)
@click.option("--glob", default=None, metavar="PATTERN",
              help="In folders, only files whose name (or relative path) matches, e.g. '*.docx'.")
@click.option("--from-list", "from_list", default=None, type=click.Path(dir_okay=False),
              help="Also tag the files and folders listed in this file, one a line.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="jsonl", show_default=True)
@click.option("-o", "--output", "out", default=None, metavar="FILE",
              help="Write rows here (FILE.partial while running, renamed to FILE at the end) instead of stdout.")
@click.option("--no-bom", is_flag=True, help="CSV: no UTF-8 byte-order mark (by default one is written for Excel).")
@click.option("--text-field", "--text-column", "text_field", default="text", show_default=True, metavar="NAME",
              help="The field (.jsonl) or column (.csv/.tsv) that holds the text; the others go to `meta`.")
@click.option("--doc-summary", is_flag=True,
              help="Also write one row per document: its tags, and per domain the paragraphs, characters and share "
                   "of the tagged text.")
@click.option("--min-share", type=MIN_SHARE, default=DEFAULT_MIN_SHARE, show_default=True, metavar="S",
              help="--doc-summary: a domain is a document's tag when it has at least this share of the tagged text.")
@click.option("--only", "only", multiple=True, metavar="DOMAIN",
              help="Write only rows tagged with DOMAIN (repeat for several).")
@click.option("--min-score", "--threshold", "threshold", type=THRESHOLD, default=None,
              help="One score every tag must reach, instead of the model's per-domain thresholds.")
@click.option("--explain", is_flag=True, help="Add the terms behind each tag (a column in CSV).")
@click.option("-j", "--jobs", type=click.IntRange(1, 512), default=None,
              help="Worker processes (local) or workers (Dask LocalCluster) [default: the number of cores].")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True)
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="With --engine dask: an existing Dask scheduler (else a LocalCluster is started).")
@click.option("--resume", is_flag=True, help="Continue an interrupted run from -o FILE.partial.")
@click.option("-q", "--quiet", is_flag=True, help="No progress and no summary; only errors.")
@click.option("--model", "version", default=None, metavar="VERSION",
              help="Model version to tag with [default: the current one].")
@home_option
@user_errors
def tag(inputs: tuple[str, ...], glob: str | None, from_list: str | None, fmt: str, out: str | None, no_bom: bool,
        text_field: str, doc_summary: bool, min_share: float, only: tuple[str, ...], threshold: float | None,
        explain: bool, jobs: int | None, engine: str, scheduler: str | None, resume: bool, quiet: bool,
        version: str | None, home: str | None) -> None:
    """Tag every paragraph of INPUTS: files, folders (recursively), or - for stdin [default: stdin].

    Reads .md/.txt, .docx, .pdf, .html, .jsonl and .csv/.tsv. One row per paragraph: source, index,
    start/end, heading, text, tags, scores, model (and meta for .jsonl/.csv records), in input order
    whatever --jobs. Exit code 1 if any input could not be read (the others are still tagged).
    """
    if out not in (None, "-"):
        check_output(str(out))  # before any work, even before the model is looked at
    if engine == "dask" and scheduler is None:
        from service.corpus import forkserver

        forkserver.start()  # the LocalCluster's workers fork from it: it imports their modules while we import ours
    from service.corpus.engines import default_jobs
    from service.corpus.rows import Settings
    from service.corpus.runner import RunOptions, tag_corpus

    # The registry checks the version (SHA-256, scikit-learn) once here: a damaged model stops the run at once.
    ref, manifest = workspace(home).registry.reference(version)
    domains = tuple(manifest["thresholds"])  # in the model's class order
    unknown = [d for d in only if d not in domains]
    if unknown:
        raise click.BadParameter(f"unknown domain {unknown[0]!r}; known: {', '.join(domains)}", param_hint="--only")
    settings = Settings(fmt=fmt, threshold=threshold, only=only, explain=explain, doc_summary=doc_summary,
                        text_field=text_field, domains=domains, version=ref.version, min_share=min_share)
    options = RunOptions(out=out, jobs=jobs or default_jobs(), engine=engine, scheduler=scheduler, resume=resume,
                         bom=not no_bom, quiet=quiet, glob=glob, from_list=from_list)
    try:
        result = tag_corpus(inputs, settings, ref, options)
    except KeyboardInterrupt:
        where = f"; rows so far are in {out}.partial: rerun with --resume to continue" if out not in (None, "-") else ""
        say(f"interrupted{where}")
        raise SystemExit(130) from None
    if not quiet:
        say(result.summary.text(ref.version, result.seconds, domains))
        if result.output is not None:
            say(f"wrote {result.output}")
    if not result.ok:
        others = "the others were tagged" if result.summary.documents else "nothing was tagged"
        raise click.ClickException(f"{result.summary.unread} input(s) could not be read (listed above); {others}")
