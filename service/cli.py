"""The `policytag` command line: bootstrap, train, tag, serve.

Results go to stdout (or -o FILE), progress and problems to stderr. Library errors become
`click.ClickException` (exit 1); usage errors exit 2.
"""
from __future__ import annotations

import csv
import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

import click

from model.tagging import tag_paragraphs
from model.text import DecodeError, decode_bytes, split_for_tagging
from service.cli_common import BATCH, home_option, output, say, seeds_option, user_errors
from service.cli_labels import domains, examples, models, promote
from service.cli_tag import tag
from training.data.bootstrap import bootstrap_paths, format_report
from training.learning.gate import DEFAULT_TOLERANCE
from training.paths import data_home, seeds_dir
from training.ops.registry import Registry
from training.data.taxonomy import load_taxonomy

@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="policytag")
def main() -> None:
    """policytag: tag paragraphs of Chinese policy text with policy domains."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", "out", default=None, help="Write the JSON lines here instead of stdout.")
@home_option
@seeds_option
@user_errors
def bootstrap(paths: tuple[Path, ...], out: str | None, home: str | None, seeds: str | None) -> None:
    """Label paragraphs from their headings; one JSON object per content paragraph.

    PATHS are documents or folders of .md/.txt documents [default: the seeds folder]. The summary on
    stderr shows paragraphs per domain, unlabelled paragraphs, dropped boilerplate, rejoined paragraphs
    and which domain each heading mapped to.
    """
    folder = seeds_dir(seeds)
    taxonomy = load_taxonomy(folder, data_home(home))  # with domains added through the API/CLI
    examples, report = bootstrap_paths(list(paths) or [folder], taxonomy)
    with output(out) as handle:
        for example in examples:
            handle.write(json.dumps(example.to_dict(), ensure_ascii=False) + "\n")
    say(format_report(report, taxonomy))


@main.command()
@home_option
@seeds_option
@click.option("--cv", default=5, show_default=True, type=click.IntRange(0, 20),
              help="Cross-validation folds for the report and the gate (0: skip both).")
@click.option("--force", is_flag=True, help="Make the new model current even if it scores worse than the served one.")
@click.option("--tolerance", default=DEFAULT_TOLERANCE, show_default=True, type=click.FloatRange(0, 1),
              help="How much lower a new model's macro-F1 may be than the served model's and still be promoted.")
@click.option("--json", "as_json", is_flag=True, help="Print the new model's manifest as JSON.")
@user_errors
def train(home: str | None, seeds: str | None, cv: int, force: bool, tolerance: float, as_json: bool) -> None:
    """Train on the seeds and stored labels; the new version is made current if it is not worse.

    The new model and the served one are scored on the same held-out folds of the labelled paragraphs;
    the new one is promoted only if its macro-F1 is within --tolerance of the served one's (or --force).
    """
    from training.learning.run import run_training
    from training.learning.train import format_metrics

    manifest = run_training(data_home(home), seeds_dir(seeds), cv=cv, force=force, tolerance=tolerance, progress=say)
    if as_json:
        shown = {k: v for k, v in manifest.items() if k != "training_keys"}
        click.echo(json.dumps(shown, ensure_ascii=False, indent=2))
        return
    counts, promotion = manifest["training"], manifest["promotion"]
    click.echo(f"model {manifest['version']} trained in {manifest['train_seconds']} s on {counts['paragraphs']} "
               f"paragraphs ({counts['items']} training items)")
    click.echo("thresholds: " + ", ".join(f"{d} {t:.2f}" for d, t in manifest["thresholds"].items()))
    click.echo(format_metrics(manifest["metrics"]))
    if manifest.get("champion_metrics"):
        old = manifest["champion_metrics"]["per_domain"]
        click.echo(f"served model {promotion.get('champion_version')}'s recipe on the same folds:")
        click.echo("  " + ", ".join(f"{d} F1 {m['f1']:.3f}" for d, m in old.items()))
        click.echo(f"  {promotion['changed_paragraphs']} of {promotion['of_paragraphs']} labelled paragraphs "
                   "would change tags")
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
    from service.server import run_server
    from training.learning.run import run_training

    check_environment()
    data = data_home(home)
    if not os.environ.get("POLICYTAG_API_TOKEN"):
        # Write endpoints stay closed to anyone without this token; it is shown once, here.
        os.environ["POLICYTAG_API_TOKEN"] = secrets.token_urlsafe(24)
        say(f"API token for write endpoints (shown once; set POLICYTAG_API_TOKEN to choose your own): "
            f"{os.environ['POLICYTAG_API_TOKEN']}")
    if Registry(data).current() is None:
        say(f"no model in {data}; training the default model from the seeds first")
        manifest = run_training(data, seeds_dir(seeds), progress=say)
        say(f"model {manifest['version']} ready")
    # The app factory in each worker reads these: retraining over HTTP must use the same seeds.
    os.environ["POLICYTAG_HOME"] = str(data)
    os.environ["POLICYTAG_SEEDS"] = str(seeds_dir(seeds))
    say(f"serving on http://{host}:{port} ({workers} workers); try: curl -s http://{host}:{port}/v1/health")
    run_server(host, port, workers)


@main.command("eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--html", "html", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write a self-contained HTML report with a confusion heatmap and reliability diagram.")
@click.option("--threshold", type=click.FloatRange(0, 1, min_open=True), default=None)
@click.option("--worst", default=10, show_default=True, type=click.IntRange(0), help="How many mistakes to show.")
@home_option
@user_errors
def eval_(file: Path, as_json: bool, html: Path | None, threshold: float | None, worst: int, home: str | None) -> None:
    """Evaluate the current model on FILE (JSONL: text, labels; [] = about none of the domains)."""
    from training.learning.evaluate import evaluate, format_report, read_eval_file, write_html

    tagger, manifest = Registry(data_home(home)).load()
    rows = read_eval_file(file, tagger.classes_)
    report = evaluate(tagger, [t for t, _ in rows], [labels for _, labels in rows], threshold, worst)
    report["model"] = manifest.get("version")
    click.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else format_report(report))
    if html:
        write_html(report, html)
        say(f"wrote {html}")


for command in (tag, examples, domains, models, promote):
    main.add_command(command)

if __name__ == "__main__":
    main()

