"""The `policytag` command line: bootstrap, train, tag, serve.

Results go to stdout (or -o FILE), progress and problems to stderr. Library errors become
`click.ClickException` (exit 1); usage errors exit 2.
"""
from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from model.artifact import ArtifactError
from model.tagging import tag_paragraphs
from model.text import DecodeError, decode_bytes, paragraphs
from training.bootstrap import bootstrap_paths, format_report
from training.paths import SeedsNotFound, data_home, seeds_dir
from training.registry import Registry, RegistryError
from training.store import StoreError
from training.taxonomy import TaxonomyError, load_taxonomy

F = TypeVar("F", bound=Callable[..., Any])
# Errors that mean "the input or setup is wrong", shown as one line instead of a traceback.
USER_ERRORS = (ArtifactError, DecodeError, RegistryError, SeedsNotFound, StoreError, TaxonomyError,
               FileNotFoundError, IsADirectoryError, PermissionError, ValueError)
BATCH = 256


def user_errors(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except USER_ERRORS as exc:
            raise click.ClickException(str(exc)) from None
    return wrapper  # type: ignore[return-value]


def say(message: str) -> None:
    click.echo(message, err=True)


@contextmanager
def output(path: str | None) -> Iterator[IO[str]]:
    """stdout, or a file written atomically (a failed run leaves no half-written file)."""
    if path in (None, "-"):
        yield sys.stdout
        return
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".", prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


home_option = click.option("--home", type=click.Path(file_okay=False), default=None,
                           help="Data directory for models and labels [default: $POLICYTAG_HOME or ./var].")
seeds_option = click.option("--seeds", type=click.Path(file_okay=False), default=None,
                            help="Seeds folder (documents + taxonomy.toml) [default: $POLICYTAG_SEEDS or ./seeds].")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="policytag")
def main() -> None:
    """policytag: tag paragraphs of Chinese policy text with policy domains."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", "out", default=None, help="Write the JSON lines here instead of stdout.")
@seeds_option
@user_errors
def bootstrap(paths: tuple[Path, ...], out: str | None, seeds: str | None) -> None:
    """Label paragraphs from their headings; one JSON object per content paragraph.

    PATHS are documents or folders of .md/.txt documents [default: the seeds folder]. The summary on
    stderr shows paragraphs per domain, unlabelled paragraphs, dropped boilerplate, rejoined paragraphs
    and which domain each heading mapped to.
    """
    folder = seeds_dir(seeds)
    taxonomy = load_taxonomy(folder)
    examples, report = bootstrap_paths(list(paths) or [folder], taxonomy)
    with output(out) as handle:
        for example in examples:
            handle.write(json.dumps(example.to_dict(), ensure_ascii=False) + "\n")
    say(format_report(report, taxonomy))


@main.command()
@home_option
@seeds_option
@click.option("--cv", default=5, show_default=True, type=click.IntRange(0, 20),
              help="Cross-validation folds for the report (0: skip).")
@click.option("--json", "as_json", is_flag=True, help="Print the new model's manifest as JSON.")
@user_errors
def train(home: str | None, seeds: str | None, cv: int, as_json: bool) -> None:
    """Train a model on the seeds (and stored labels), save it as a new version and serve it."""
    from training.run import run_training
    from training.train import format_metrics

    manifest = run_training(data_home(home), seeds_dir(seeds), cv=cv, progress=say)
    if as_json:
        click.echo(json.dumps(manifest, ensure_ascii=False, indent=2))
        return
    counts = manifest["training"]
    click.echo(f"model {manifest['version']} trained in {manifest['train_seconds']} s on {counts['paragraphs']} "
               f"paragraphs ({counts['items']} training items) and made current")
    click.echo("thresholds: " + ", ".join(f"{d} {t:.2f}" for d, t in manifest["thresholds"].items()))
    click.echo(format_metrics(manifest["metrics"]))


def _read_inputs(files: tuple[str, ...]) -> tuple[list[tuple[str, list[str]]], int]:
    """(source, paragraphs) per readable input, and how many inputs failed (reported on stderr)."""
    docs, failed = [], 0
    for name in files or ("-",):
        try:
            data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
            docs.append(("<stdin>" if name == "-" else name, paragraphs(decode_bytes(data, name))))
        except (OSError, DecodeError) as exc:
            failed += 1
            say(f"error: {exc if isinstance(exc, DecodeError) else f'{name}: {exc.strerror}'}")
    return docs, failed


@main.command()
@click.argument("files", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("-o", "--output", "out", default=None, help="Write results here (atomically) instead of stdout.")
@click.option("--threshold", type=click.FloatRange(0, 1, min_open=True), default=None,
              help="One threshold for every domain instead of the model's own.")
@click.option("--explain", is_flag=True, help="Add the terms that pushed each tag (jsonl only).")
@home_option
@user_errors
def tag(files: tuple[str, ...], fmt: str, out: str | None, threshold: float | None, explain: bool,
        home: str | None) -> None:
    """Tag every paragraph of FILES (or - for stdin) with the current model; one row per paragraph."""
    tagger, manifest = Registry(data_home(home)).load()
    docs, failed = _read_inputs(files)
    total = sum(len(p) for _, p in docs)
    domains = list(tagger.classes_)
    with output(out) as handle:
        writer = None
        if fmt == "csv":
            writer = csv.writer(handle)
            writer.writerow(["source", "index", "text", "tags", *[f"score_{d}" for d in domains]])
        with click.progressbar(length=total, label=f"tagging with {manifest['version']}", file=sys.stderr) as bar:
            for source, texts in docs:
                for start in range(0, len(texts), BATCH):
                    chunk = texts[start:start + BATCH]
                    for offset, result in enumerate(tag_paragraphs(tagger, chunk, threshold, explain)):
                        index = start + offset
                        if writer is not None:
                            writer.writerow([source, index, result.text, "|".join(d for d, _ in result.tags),
                                             *[result.scores[d] for d in domains]])
                            continue
                        row: dict[str, Any] = {"source": source, "index": index, "text": result.text,
                                               "tags": [{"domain": d, "score": s} for d, s in result.tags],
                                               "scores": result.scores}
                        if explain:
                            row["explanations"] = result.explanations
                        handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                    bar.update(len(chunk))
    say(f"tagged {total} paragraphs from {len(docs)} input(s) with model {manifest['version']}")
    if failed:
        raise click.ClickException(f"{failed} input(s) could not be read (see above); the others were tagged")


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
    from service.server import run_server
    from training.run import run_training

    data = data_home(home)
    if Registry(data).current() is None:
        say(f"no model in {data}; training the default model from the seeds first")
        manifest = run_training(data, seeds_dir(seeds), progress=say)
        say(f"model {manifest['version']} ready")
    os.environ["POLICYTAG_HOME"] = str(data)  # the app factory in each worker reads it
    say(f"serving on http://{host}:{port} ({workers} workers); try: curl -s http://{host}:{port}/v1/health")
    run_server(host, port, workers)


if __name__ == "__main__":
    main()

