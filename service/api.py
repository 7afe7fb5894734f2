"""The /v1 HTTP API: tagging, model information, health and the OpenAPI description."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from service.auth import read_access
from service.context import get_holder, get_workspace, served_model
from service.errors import public_message
from service.openapi import spec
from service.request_body import json_body, tag_request
from service.tag_requests import tag_texts
from training.errors import SeedsNotFound, StoreError, TaxonomyError

bp = Blueprint("api", __name__, url_prefix="/v1")


@bp.post("/tag")
@read_access
def tag() -> Response:
    texts, options = tag_request(json_body())
    return jsonify(tag_texts(texts, options, current_app.config, get_holder()))


@bp.get("/model")
@read_access
def model_info() -> Response:
    manifest = served_model().manifest
    thresholds = manifest.get("thresholds", {})
    return jsonify({
        "version": manifest.get("version"),
        "created": manifest.get("created"),
        "domains": [{**d, "threshold": thresholds.get(d["id"])} for d in manifest.get("domains", [])],
        "thresholds": thresholds,
        "training": manifest.get("training", {}),
        "metrics": manifest.get("metrics", {}),
        "libraries": manifest.get("libraries", {}),
    })


@bp.get("/health")
def health() -> tuple[Response, int]:
    """200 when the model CURRENT names is served; 503 (so a load balancer can act) when degraded or not ready."""
    holder = get_holder()
    holder.refresh()
    ready, degraded = holder.version is not None, holder.degraded
    body: dict[str, Any] = {"status": "ok" if ready and not degraded else ("degraded" if ready else "unavailable"),
                            "ready": ready, "degraded": degraded, "model": {"version": holder.version}}
    if holder.reason:
        body["reason"] = public_message(holder.reason)
    return jsonify(body), 200 if body["status"] == "ok" else 503


def _known_domains() -> tuple[str, ...]:
    try:
        return tuple(get_workspace().taxonomy().ids)
    except (TaxonomyError, SeedsNotFound, StoreError, OSError):
        return ()  # the description still serves (also while the database is away); labels are checked when posted


@bp.get("/openapi.json")
def openapi() -> Response:
    config = current_app.config
    return jsonify(spec(int(config["MAX_TEXTS"]), int(config["MAX_TEXT_CHARS"]), _known_domains()))
