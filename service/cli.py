"""The `policytag` command line: bootstrap, train, tag, serve.

Results go to stdout (or -o FILE), progress and problems to stderr. Library errors become
`click.ClickException` (exit 1); usage errors exit 2.
"""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import click

from model.errors import UserFileError
from service.cli_common import THRESHOLD, home_option, output, say, seeds_option, user_errors, workspace
from service.cli_db import db
from service.cli_labels import domains, examples, models, promote
from service.cli_pool import audit, pool
from service.cli_report import report
from service.cli_tag import tag
from training.workspace import DEFAULT_TOLERANCE, Workspace

# Heavy libraries (scikit-learn, numpy, the learners) are imported inside the commands that need them, so
# `policytag --help` and `policytag tag --help` answer at once (tests/test_cli_startup.py keeps it so).

@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="policytag")
def main() -> None:
    """policytag: tag paragraphs of Chinese policy text with policy domains."""


_NEGATIVES = click.option(
    "--unmatched-negatives/--no-unmatched-negatives", "negatives", default=None,
    help="Label paragraphs of sections whose heading matches no domain, while sibling sections do, as about "
         "none of the domains [default: taxonomy.toml's [bootstrap] unmatched_negatives, true if unset].")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", "out", default=None, help="Write the JSON lines here instead of stdout.")
@_NEGATIVES
@home_option
@seeds_option
@user_errors
def bootstrap(paths: tuple[Path, ...], out: str | None, negatives: bool | None, home: str | None,
              seeds: str | None) -> None:
    """Label paragraphs from their titles, headings and lead sentences; one JSON object per content paragraph.

    PATHS are documents (.md, .txt, .docx, .pdf, .html) or folders of them [default: the seeds folder]. Each
    row says which level labelled it (label_level: title, heading or lead sentence). The summary on stderr
    shows paragraphs per domain and per level, weak negatives and the domains they are negatives for,
    unlabelled paragraphs, dropped boilerplate, rejoined paragraphs and, per heading, its domains and the
    keywords that matched.
    """
    # The taxonomy includes domains added through the API/CLI.
    from service.summaries import bootstrap_summary

    ws = workspace(home, seeds)
    found, report = ws.bootstrap(list(paths), unmatched_negatives=negatives)
    summary = bootstrap_summary(report, ws.taxonomy())
    with output(out) as handle:
        for example in found:
            handle.write(json.dumps(example.to_dict(), ensure_ascii=False) + "\n")
    say(summary)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@home_option
@seeds_option
@click.option("--cv", default=5, show_default=True, type=click.IntRange(0, 20),
              help="Cross-validation folds for the report and the gate (0: skip both).")
@click.option("--force", is_flag=True, help="Make the new model current even if it scores worse than the served one.")
@click.option("--tolerance", default=DEFAULT_TOLERANCE, show_default=True, type=click.FloatRange(0, 1),
              help="How much lower a new model's macro-F1 may be than the served model's and still be promoted.")
@click.option("--json", "as_json", is_flag=True, help="Print the new model's manifest as JSON.")
@_NEGATIVES
@user_errors
def train(paths: tuple[Path, ...], home: str | None, seeds: str | None, cv: int, force: bool, tolerance: float,
          as_json: bool, negatives: bool | None) -> None:
    """Train on the seeds, PATHS and stored labels; the new version is made current if it is not worse.

    PATHS are documents or folders of them to learn from beside the seeds folder [default: the ones the
    served model learned from]. The new model and the served one are scored on the same held-out folds;
    the judge is the labels people gave (seed label files, the store), else every label. The new one is
    promoted only if its macro-F1 there is within --tolerance of the served one's (or --force).
    """
    from service.summaries import format_metrics

    ws = workspace(home, seeds)
    manifest = ws.train(cv=cv, force=force, tolerance=tolerance, progress=say, unmatched_negatives=negatives,
                        documents=list(paths) if paths else None)
    if as_json:
        shown = {k: v for k, v in manifest.items() if k not in ("training_keys", "held_out")}
        click.echo(json.dumps(shown, ensure_ascii=False, indent=2))
        return
    counts, promotion = manifest["training"], manifest["promotion"]
    click.echo(f"model {manifest['version']} trained in {manifest['train_seconds']} s on {counts['paragraphs']} "
               f"paragraphs ({counts['items']} training items; {counts['negatives']} about none of the domains, "
               f"{counts.get('unmatched_section_negatives', 0)} of them from unmatched sections)")
    click.echo("thresholds: " + ", ".join(f"{d} {t:.2f}" for d, t in manifest["thresholds"].items()))
    share = manifest["params"].get("none_share")
    if counts.get("none_share") is not None and counts["none_share"] == share:
        click.echo(f"calibrated for {share:.0%} of paragraphs about none of the domains: the share of the "
                   f"{counts['bootstrapped']} document paragraphs that no title, heading or lead sentence labels")
    elif isinstance(share, float) and counts.get("none_share") is None:
        click.echo(f"calibrated for {share:.0%} of paragraphs about none of the domains (the default: only "
                   f"{counts.get('bootstrapped', 0)} document paragraphs, too few to measure the share)")
    if counts.get("completed_negatives"):
        click.echo(f"{counts['completed_negatives']} unknown labels of training items (a weak negative's other "
                   f"domains, a domain named in the body) taken as negatives: their held-out probability was under "
                   f"{manifest['params'].get('complete_below')}")
    if counts.get("joined_lead_pairs"):
        click.echo(f"{counts['joined_lead_pairs']} pairs of neighbouring paragraphs of one section whose lead "
                   "sentences name different domains also trained on joined, as items about both domains")
    sources = counts.get("label_sources", {})
    click.echo("labelled paragraphs per domain (from): " + "; ".join(
        f"{d} {n} ({', '.join(f'{k} {v}' for k, v in sources.get(d, {}).items())})"
        for d, n in counts["per_domain"].items()))
    for domain, n in counts.get("thin_domains", {}).items():
        keywords = "、".join(ws.taxonomy().get(domain).keywords[:4])
        what = ("has no labelled paragraph, so the model cannot tag it" if not n else
                f"has only {n} labelled paragraph(s); it needs about 10 to be tagged reliably")
        say(f"warning: {domain} {what}: add documents whose headings or lead sentences name it ({keywords}) "
            f"with `policytag train PATH`, or label paragraphs with `policytag examples import`")
    click.echo(format_metrics(manifest["metrics"]))
    if manifest.get("champion_metrics"):
        old = manifest["champion_metrics"]["per_domain"]
        click.echo(f"served model {promotion.get('champion_version')}'s recipe on the same folds:")
        click.echo("  " + ", ".join(f"{d} F1 {m['f1']:.3f}" for d, m in old.items()))
        click.echo(f"  {promotion['changed_paragraphs']} of {promotion['of_paragraphs']} labelled paragraphs "
                   "would change tags")
    if manifest["metrics"].get("trusted"):
        trusted = manifest["metrics"]["trusted"]
        click.echo(f"on the {trusted['paragraphs']} paragraphs labelled by people: macro-F1 {trusted['macro_f1']:.3f} "
                   f"over {', '.join(trusted['per_domain'])}")
    if promotion.get("challenger_macro_f1") is not None and promotion.get("champion_macro_f1") is not None:
        judge = "labels people gave" if promotion.get("judged_on") == "trusted" else "all labels"
        click.echo(f"gate ({judge}): new {promotion['challenger_macro_f1']:.3f}, served "
                   f"{promotion['champion_macro_f1']:.3f}; all labels: new "
                   f"{promotion.get('challenger_cv_macro_f1', float('nan')):.3f}, served "
                   f"{promotion.get('champion_cv_macro_f1', float('nan')):.3f}")
    verdict = "made current" if promotion["promoted"] else "NOT promoted (kept as a candidate)"
    click.echo(f"{manifest['version']} {verdict}: {promotion['reason']}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes (tagging is CPU-bound: about one per core).")
@home_option
@seeds_option
@user_errors
def serve(host: str, port: int, workers: int, home: str | None, seeds: str | None) -> None:
    """Serve the HTTP API under a production WSGI server; trains a model from seeds/ first if none exists."""
    from service.app import check_environment
    from service.server import PortInUse, check_port, run_server

    check_environment()
    try:
        check_port(host, port)  # before the token or "serving on" is printed: nothing would be serving
    except PortInUse as exc:
        raise click.ClickException(str(exc)) from None
    ws = workspace(home, seeds)
    token = os.environ.get("POLICYTAG_API_TOKEN", "").strip()
    if not token:
        # Write endpoints stay closed to anyone without this token; it is shown once, here.
        token = secrets.token_urlsafe(24)
        say(f"API token for write endpoints (shown once; set POLICYTAG_API_TOKEN to choose your own): {token}")
    if ws.registry.current() is None:
        _first_model(ws)
    # Each worker builds its app from this mapping: retraining over HTTP must use the same home and seeds.
    config = {"HOME": str(ws.home), "SEEDS": str(ws.seeds), "API_TOKEN": token, "BIND_HOST": host,
              "DATABASE_URL": ws.database_url}
    ws.close()  # the workers open their own connections: none is shared across the fork
    say(f"serving on http://{host}:{port} ({workers} workers); try: curl -s http://{host}:{port}/v1/health")
    run_server(host, port, workers, config)


def _first_model(ws: Workspace) -> None:
    """Train the default model from the seeds; when another host is already doing so, wait for its model."""
    import time

    from training.errors import TrainingBusy

    say(f"no model in {ws.backend}; training the default model from the seeds first")
    try:
        manifest = ws.train(progress=say)
    except TrainingBusy:
        say("another process is training the first model; serving it when it is ready")
        while ws.registry.current() is None:
            time.sleep(1.0)
        say(f"model {ws.registry.current()} ready")
        return
    say(f"model {manifest['version']} ready")


@main.command("eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--html", "html", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write a self-contained HTML report with a confusion heatmap and reliability diagram.")
@click.option("--threshold", type=THRESHOLD, default=None)
@click.option("--worst", default=10, show_default=True, type=click.IntRange(0), help="How many mistakes to show.")
@home_option
@user_errors
def eval_(file: Path, as_json: bool, html: Path | None, threshold: float | None, worst: int, home: str | None) -> None:
    """Evaluate the current model on FILE (JSONL: text, labels; [] = about none of the domains)."""
    from service.eval_html import write_html
    from service.eval_text import format_report

    ws = workspace(home)
    report = ws.evaluate(file, threshold, worst)
    click.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else format_report(report))
    if html:
        try:
            write_html(report, html)
        except OSError as exc:
            raise UserFileError(f"cannot write {str(html)!r}: {exc.strerror or exc}; "
                                "choose another --html FILE") from None
        say(f"wrote {html}")


for command in (tag, report, examples, domains, models, promote, pool, audit, db):
    main.add_command(command)

if __name__ == "__main__":
    main()

