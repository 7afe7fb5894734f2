"""CLI commands of the curator's loop: the review pool (`policytag pool`) and the label audit (`policytag audit`)."""
from __future__ import annotations

import json
from pathlib import Path

import click

from service.cli_common import home_option, say, seeds_option, user_errors, workspace


@click.group()
def pool() -> None:
    """The review pool: unlabelled paragraphs waiting for review (GET /v1/review picks from it)."""


@pool.command("import")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@home_option
@seeds_option
@user_errors
def import_(paths: tuple[Path, ...], home: str | None, seeds: str | None) -> None:
    """Add the paragraphs of PATHS (documents, folders of them, or `policytag tag` JSONL output) to the pool.

    The seed documents' unlabelled paragraphs join too. Paragraphs already labelled (seeds or store) and
    paragraphs already pooled are skipped. A file that cannot be read, and a paragraph that cannot be pooled
    (longer than the store's limit), is reported (exit 1); the rest is imported. Tag output rows are one paragraph
    each (--doc-summary document rows are left out); other JSONL records are split into their paragraphs.
    """
    result = workspace(home, seeds).pool_import(paths, include_seeds=True, progress=say)
    for problem in result.problems:
        say(f"error: {problem}")
    skipped = f", {result.skipped} skipped" if result.skipped else ""
    click.echo(f"read {result.read} paragraph(s): {result.added} added to the pool, {result.labelled} already "
               f"labelled{skipped}; pool size {result.pool_size}")
    failed = len(result.problems) - result.skipped
    if result.problems:
        found = [f"{failed} file(s) could not be read"] if failed else []
        found += [f"{result.skipped} paragraph(s) were skipped"] if result.skipped else []
        raise click.ClickException(f"{' and '.join(found)} (see above); the rest was imported")


@pool.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@home_option
@user_errors
def stats(as_json: bool, home: str | None) -> None:
    """How many paragraphs wait for review, per source."""
    found = workspace(home).pool_stats()
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False))
        return
    click.echo(f"{found['pool_size']} paragraph(s) waiting for review")
    by_source: dict[str, int] = found["by_source"]  # type: ignore[assignment]
    for source, count in by_source.items():
        click.echo(f"  {count:>6}  {source}")


def _words(evidence: list[dict[str, object]], top: int = 5) -> str:
    """The top word terms (character n-grams are noise to a reader)."""
    return "、".join([str(e["term"]) for e in evidence if e["kind"] == "word"][:top])


@click.command()
@click.option("--n", "n", default=20, show_default=True, type=click.IntRange(1, 1000), help="How many to list.")
@click.option("--json", "as_json", is_flag=True, help="Print the audit as JSON.")
@home_option
@seeds_option
@user_errors
def audit(n: int, as_json: bool, home: str | None, seeds: str | None) -> None:
    """List the labelled paragraphs whose labels the cross-validated model disputes most.

    Bootstrapped, curated and stored labels are all audited with out-of-fold probabilities (a model that
    did not train on the paragraph). Each row shows the given and suggested labels, why, the heading that
    gave a bootstrapped label, and the terms behind the suggestion.
    """
    report = workspace(home, seeds).audit_report(n, progress=say)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(f"model {report['model']['version']}: {report['disputed']} of {report['labelled']} labelled "
               f"paragraphs disputed; the {len(report['items'])} most confident:")
    for item in report["items"]:
        given = ",".join(item["labels"]) or "none"
        suggested = ",".join(item["suggested"]) or "none"
        click.echo(f"\n{item['id']}  {given} -> {suggested}  (confidence {item['confidence']:.2f}, {item['source']})")
        click.echo(f"  {item['text'][:80]}{'…' if len(item['text']) > 80 else ''}")
        click.echo(f"  {item['reason']}")
        if item["label_from"]:
            click.echo(f"  label from heading: {item['label_from']}")
        for domain, terms in item["evidence"].items():
            if words := _words(terms):
                click.echo(f"  {domain}: {words}")
