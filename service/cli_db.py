"""`policytag db`: the shared PostgreSQL database: create or migrate its schema, copy a data directory into it."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import click

from service.cli_common import home_option, say, seeds_option, user_errors
from training.workspace import Workspace


@click.group()
def db() -> None:
    """The shared database (POLICYTAG_DATABASE_URL=postgresql://...) for serving from several machines."""


_URL = click.option("--database", "url", default=None, metavar="postgresql://...",
                    help="The database [default: $POLICYTAG_DATABASE_URL].")


@db.command()
@_URL
@user_errors
def upgrade(url: str | None) -> None:
    """Create the policytag tables, or migrate them to this version's schema (safe to run again)."""
    workspace = Workspace(database=url)
    before, after = workspace.upgrade_database()
    state = f"migrated from schema version {before} to {after}" if before != after else f"already at version {after}"
    click.echo(f"{workspace.backend}: {state}")


def _data_directory(given: str | None) -> str | None:
    """A `sqlite:///path` names the data directory (or its examples.sqlite3 file); a plain path is the directory."""
    if given is None or not given.startswith("sqlite://"):
        return given
    path = Path(given[len("sqlite://"):])
    return str(path.parent if path.suffix == ".sqlite3" else path)


@db.command()
@click.option("--from", "source", default=None, metavar="DIR | sqlite:///DIR",
              help="The data directory to copy [default: --home, $POLICYTAG_HOME or ./var].")
@click.option("--to", "target", default=None, metavar="postgresql://...",
              help="The empty database to copy into [default: $POLICYTAG_DATABASE_URL].")
@click.option("--json", "as_json", is_flag=True, help="Print the verification as JSON.")
@home_option
@seeds_option
@user_errors
def copy(source: str | None, target: str | None, as_json: bool, home: str | None, seeds: str | None) -> None:
    """Copy a data directory's labels (with their history), review pool, audit checks, added domains and model
    versions into an empty database, then compare both sides: rows and a SHA-256 per table, each model's
    SHA-256. Exit 1 if anything differs."""
    origin = Workspace(_data_directory(source) or home, seeds, database="")
    if origin.stored_examples() is None and not origin.registry.versions():
        raise click.ClickException(f"{origin.home} holds no labels and no models; name the data directory "
                                   "with --from DIR")
    with tempfile.TemporaryDirectory(prefix="policytag-copy-") as cache:
        destination = Workspace(cache, seeds, database=target or None)
        if destination.database is None:
            raise click.ClickException("no database to copy into; pass --to postgresql://... or set "
                                       "POLICYTAG_DATABASE_URL")
        destination.upgrade_database()
        report = origin.copy_into(destination, progress=say)
        destination.close()
    if as_json:
        click.echo(json.dumps({"ok": report.ok, "items": report.lines}, ensure_ascii=False, indent=2))
    else:
        click.echo(f"copied {origin.home} into {destination.backend}:")
        click.echo(report.text())
    if not report.ok:
        raise click.ClickException("the copy does not match its source (see MISMATCH above)")
