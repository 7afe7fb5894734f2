"""Per-app state for request handlers: the training workspace (flaskr's `get_db` pattern)."""
from __future__ import annotations

from flask import current_app

from training.workspace import Workspace

EXTENSION = "policytag"


def get_workspace() -> Workspace:
    """The app's `Workspace` (data directory + seeds folder), set up by `create_app`."""
    workspace: Workspace = current_app.extensions[EXTENSION]
    return workspace
