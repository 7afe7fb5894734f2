"""Per-app state for request handlers: the training workspace and the served model (flaskr's `get_db` pattern)."""
from __future__ import annotations

from flask import current_app

from service.holder import ModelHolder, Served
from training.workspace import Workspace

EXTENSION = "policytag"
MODEL_EXTENSION = "policytag.model"


def get_workspace() -> Workspace:
    """The app's `Workspace` (data directory + seeds folder), set up by `create_app`."""
    workspace: Workspace = current_app.extensions[EXTENSION]
    return workspace


def get_holder() -> ModelHolder:
    """This worker's `ModelHolder` (hot reload, fallback), set up by `create_app`."""
    holder: ModelHolder = current_app.extensions[MODEL_EXTENSION]
    return holder


def served_model() -> Served:
    """The model to answer this request with; NoModel (503, `service.errors.STATUSES`) when there is none."""
    return get_holder().served()
