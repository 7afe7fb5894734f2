"""CLI commands for the people who curate labels: examples, domains, model versions, promotion."""
from __future__ import annotations

import json
from pathlib import Path

import click

from service.cli_common import home_option, output, say, seeds_option, user_errors, workspace


@click.group()
def examples() -> None:
    """The labelled-example store: import, list, stats, export."""


@examples.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--author", default=None, help="Who labelled these (kept in the history).")
@home_option
@seeds_option
@user_errors
def import_(file: Path, author: str | None, home: str | None, seeds: str | None) -> None:
    """Add labelled paragraphs from FILE: JSONL {"text", "labels"} or CSV (text, labels separated by |).

    The whole file is checked first; if any line is invalid nothing is stored and every problem is listed.
    """
    result = workspace(home, seeds).import_file(file, author=author)
    click.echo(f"added {result.added}, updated {result.updated}; the store now holds {result.total} examples")
    say("run `policytag train` to train a model that uses them")


@examples.command("list")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(0), help="0: all.")
@home_option
@user_errors
def list_(limit: int, home: str | None) -> None:
    """Show stored examples, newest labels last."""
    rows = workspace(home).store().current()
    for row in rows[-limit:] if limit else rows:
        labels = ",".join(row.labels) or "(none)"
        text = row.text if len(row.text) <= 60 else row.text[:59] + "…"
        click.echo(f"{labels:<24} {row.source:<20} {text}")


@examples.command()
@home_option
@user_errors
def stats(home: str | None) -> None:
    """Counts per domain, negatives and sources, as JSON."""
    click.echo(json.dumps(workspace(home).store().stats(), ensure_ascii=False, indent=2))


@examples.command()
@click.option("-o", "--output", "out", default=None, help="Write here (atomically) instead of stdout.")
@home_option
@user_errors
def export(out: str | None, home: str | None) -> None:
    """Every stored example as JSON lines (re-importable)."""
    with output(out) as handle:
        for row in workspace(home).store().export():
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


@click.group()
def domains() -> None:
    """The domain taxonomy: list, add."""


@domains.command("list")
@home_option
@seeds_option
@user_errors
def list_domains(home: str | None, seeds: str | None) -> None:
    """Every domain: from the taxonomy file and added ones."""
    for domain in workspace(home, seeds).taxonomy().domains:
        click.echo(f"{domain.id:<16} {domain.name_zh} / {domain.name_en}  keywords: {'、'.join(domain.keywords)}"
                   + (f"  weak: {'、'.join(domain.weak_keywords)}" if domain.weak_keywords else "")
                   + (f"  exclude: {'、'.join(domain.exclude)}" if domain.exclude else ""))


@domains.command("add")
@click.argument("domain_id")
@click.option("--name-zh", required=True)
@click.option("--name-en", required=True)
@click.option("--keyword", "keywords", multiple=True, help="Heading keyword (repeat for several).")
@click.option("--weak-keyword", "weak_keywords", multiple=True,
              help="A keyword too general to decide when another domain matches, e.g. 创新 (repeat for several).")
@click.option("--exclude", "exclude", multiple=True,
              help="A phrase a keyword must not be part of, e.g. 产业生态 for 生态 (repeat for several).")
@home_option
@seeds_option
@user_errors
def add_domain(domain_id: str, name_zh: str, name_en: str, keywords: tuple[str, ...], weak_keywords: tuple[str, ...],
               exclude: tuple[str, ...], home: str | None, seeds: str | None) -> None:
    """Add a domain without editing the seeds (kept in the data directory)."""
    domain = workspace(home, seeds).add_domain({"id": domain_id, "name_zh": name_zh, "name_en": name_en,
                                                "keywords": list(keywords), "weak_keywords": list(weak_keywords),
                                                "exclude": list(exclude)})
    click.echo(f"added domain {domain.id}; add labelled paragraphs for it and run `policytag train`")


@click.command()
@home_option
@user_errors
def models(home: str | None) -> None:
    """List model versions with their macro-F1; * marks the current one."""
    versions = workspace(home).versions()
    if not versions:
        say("no models yet; run `policytag train`")
    for v in versions:
        if v["damaged"]:  # listed, so the versions one could roll back to stay visible
            click.echo(f"{'*' if v['current'] else ' '} {v['version']:<6} DAMAGED: {v.get('problem', '')}")
            continue
        f1, promotion = v["macro_f1"], v["promotion"] or {}
        state = "current" if v["current"] else ("candidate" if promotion.get("promoted") is False else "")
        click.echo(f"{'*' if v['current'] else ' '} {v['version']:<6} {v['created'] or ''}  "
                   f"macro-F1 {f1 if f1 is not None else '-':<7} domains {','.join(v['domains'])}  {state}")


@click.command()
@click.argument("version")
@home_option
@user_errors
def promote(version: str, home: str | None) -> None:
    """Make VERSION the current model (also how to roll back); running services switch within seconds."""
    workspace(home).promote(version)
    click.echo(f"{version} is now current")
