"""Helpers shared by the CLI modules: error translation, output files, common options."""
from __future__ import annotations

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
from model.text import DecodeError
from training.paths import SeedsNotFound
from training.ops.registry import RegistryError
from training.learning.run import TrainingBusy
from training.data.store import StoreError
from training.data.taxonomy import TaxonomyError

F = TypeVar("F", bound=Callable[..., Any])
# Errors that mean "the input or setup is wrong", shown as one line instead of a traceback.
USER_ERRORS = (ArtifactError, DecodeError, RegistryError, SeedsNotFound, StoreError, TaxonomyError, TrainingBusy,
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
        os.chmod(tmp, 0o644)  # mkstemp files are private; results are meant to be shared
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


home_option = click.option("--home", type=click.Path(file_okay=False), default=None,
                           help="Data directory for models and labels [default: $POLICYTAG_HOME or ./var].")
seeds_option = click.option("--seeds", type=click.Path(file_okay=False), default=None,
                            help="Seeds folder (documents + taxonomy.toml) [default: $POLICYTAG_SEEDS or ./seeds].")
