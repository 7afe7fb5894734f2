"""The /v1 HTTP API: tagging, model information, health and the OpenAPI description."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from model.manifest import Manifest
from model.tagger import Tagger
from model.tagging import Tagged, tag_document
from service.auth import read_access
from service.errors import ApiError
from service.holder import ModelHolder, NoModel
from service.openapi import spec
from service.requests import json_body, tag_request

bp = Blueprint("api", __name__, url_prefix="/v1")


def _holder() -> ModelHolder:
    return current_app.extensions["policytag.model"]


def _model() -> tuple[Tagger, Manifest]:
    try:
        return _holder().get()
    except NoModel as exc:
        raise ApiError(503, f"{exc}") from None


def _tags(result: Tagged, names: dict[str, str]) -> list[dict[str, Any]]:
    return [{"domain": d, "name": names.get(d, d), "score": s} for d, s in result.tags]


@bp.post("/tag")
@read_access
def tag() -> Response:
    texts, threshold, explain = tag_request(json_body())
    tagger, manifest = _model()
    names = {d["id"]: d["name_zh"] for d in manifest.get("domains", [])}
    results = []
    for text in texts:
        document, paragraphs, skipped = tag_document(tagger, text, threshold, explain)
        paragraph_rows = []
        for index, p in enumerate(paragraphs):
            row: dict[str, Any] = {"index": index, "text": p.text, "tags": _tags(p, names), "scores": p.scores}
            if explain:
                row["explanations"] = p.explanations
            paragraph_rows.append(row)
        results.append({"tags": _tags(document, names), "scores": document.scores, "paragraphs": paragraph_rows,
                        # lines not tagged, so nothing disappears without a word
                        "skipped": [{"text": b.text, "reason": b.role or "title"} for b in skipped]})
    return jsonify({"model": {"version": manifest.get("version")}, "results": results})


@bp.get("/model")
@read_access
def model_info() -> Response:
    _, manifest = _model()
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
def health() -> Response:
    holder = _holder()
    holder.refresh()
    return jsonify({"status": "ok", "ready": holder.version is not None, "model": {"version": holder.version}})


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(spec())
