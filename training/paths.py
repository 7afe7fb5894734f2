"""Where policytag keeps things: the data directory (models, store) and the seeds folder."""
from __future__ import annotations

import os
from pathlib import Path

from training.errors import SeedsNotFound

HOME_ENV = "POLICYTAG_HOME"
SEEDS_ENV = "POLICYTAG_SEEDS"
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
