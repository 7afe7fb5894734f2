"""Where policytag keeps things: the data directory (models, store), the seeds folder, the shared database."""
from __future__ import annotations

import os
from pathlib import Path

from training.errors import SeedsNotFound

HOME_ENV = "POLICYTAG_HOME"
SEEDS_ENV = "POLICYTAG_SEEDS"
DATABASE_ENV = "POLICYTAG_DATABASE_URL"
# The repository's own seeds/ (an editable install or a source checkout).
_PACKAGED_SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def data_home(home: str | os.PathLike[str] | None = None) -> Path:
    """The data directory: `home`, else $POLICYTAG_HOME, else ./var in the working directory."""
    return Path(home or os.environ.get(HOME_ENV) or "var").resolve()


def seeds_dir(seeds: str | os.PathLike[str] | None = None) -> Path:
    """The seeds folder: `seeds`, else $POLICYTAG_SEEDS, else ./seeds, else the repository's seeds/."""
    chosen = seeds or os.environ.get(SEEDS_ENV)
    if chosen:
        path = Path(chosen).resolve()
        if not path.is_dir():
            raise SeedsNotFound(f"seeds folder {str(path)!r} does not exist; pass --seeds DIR or set {SEEDS_ENV}")
        return path
    for candidate in (Path("seeds"), _PACKAGED_SEEDS):
        if (candidate / "taxonomy.toml").is_file():
            return candidate.resolve()
    raise SeedsNotFound(f"no seeds folder with a taxonomy.toml found; pass --seeds DIR or set {SEEDS_ENV}")


def store_path(home: Path) -> Path:
    """The labelled-example store inside the data directory."""
    return home / "examples.sqlite3"


def database_url(url: str | None = None) -> str | None:
    """The shared database: `url`, else $POLICYTAG_DATABASE_URL; None (local files) when neither is set.

    Anything else than a `postgresql://` URL is refused with the fix (a typo must not silently fall back to
    local files on one host of several)."""
    from training.errors import StoreError
    from training.ops.database import is_database_url, redact

    chosen = (url if url is not None else os.environ.get(DATABASE_ENV, "")).strip()
    if not chosen:
        return None
    if not is_database_url(chosen):
        raise StoreError(f"{DATABASE_ENV}={redact(chosen)!r} is not a PostgreSQL URL; use "
                         "postgresql://USER:PASSWORD@HOST:5432/DBNAME, or unset it for the local files")
    return chosen
