"""Helpers shared by the CLI modules: error translation, output files, common options.

Only light imports here: `policytag --help` must not load scikit-learn.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import wraps
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from model.atomic import atomic_file
from model.composition import SHARE_AT_LEAST, SHARE_AT_MOST
from model.contract import THRESHOLD_ABOVE, THRESHOLD_AT_MOST
from model.errors import PolicytagError, UserFileError
from training.workspace import Workspace

F = TypeVar("F", bound=Callable[..., Any])
# Errors that mean "the input or setup is wrong", shown as one line instead of a traceback. Only the
# project's own classes: a bug (a bare ValueError, KeyError, ...) keeps its traceback.
USER_ERRORS = (PolicytagError,)
BATCH = 256
# One threshold for every domain, in the range every tagger shares (model.rules.check_threshold).
THRESHOLD = click.FloatRange(THRESHOLD_ABOVE, THRESHOLD_AT_MOST, min_open=True)
MIN_SHARE = click.FloatRange(SHARE_AT_LEAST, SHARE_AT_MOST)


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
    target = Path(str(path))
    with ExitStack() as stack:
        try:
            handle = stack.enter_context(atomic_file(target, binary=False))
        except OSError as exc:
            raise UserFileError(f"cannot write {str(target)!r}: {exc.strerror or exc}; "
                                "choose another -o FILE") from None
        yield handle


def workspace(home: str | None, seeds: str | None = None) -> Workspace:
    """The front door to training/ for the --home/--seeds a command was given."""
    return Workspace(home, seeds)


home_option = click.option("--home", type=click.Path(file_okay=False), default=None,
                           help="Data directory for models and labels [default: $POLICYTAG_HOME or ./var].")
seeds_option = click.option("--seeds", type=click.Path(file_okay=False), default=None,
                            help="Seeds folder (documents + taxonomy.toml) [default: $POLICYTAG_SEEDS or ./seeds].")
