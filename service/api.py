"""The /v1 HTTP API: tagging, model information, health and the OpenAPI description."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from model.manifest import Manifest
from model.tagger import Tagger
from model.tagging import Tagged, tag_document
from model.text import Block
from service.auth import read_access
from service.budget import Deadline, split_within_budget
from service.context import get_workspace
from service.errors import ApiError, public_message
from service.holder import ModelHolder, NoModel
from service.openapi import spec
from service.request_body import json_body, tag_request
from service.turns import tagging_turn
from training.errors import SeedsNotFound, StoreError, TaxonomyError

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
    return jsonify(tag_payload(texts, threshold, explain, current_app.config, _holder()))


def tag_payload(texts: list[str], threshold: float | None, explain: bool, config: Mapping[str, Any],
                holder: ModelHolder) -> dict[str, Any]:
    """The body of a POST /v1/tag answer (the view's, and `service.fastpath`'s); ApiError 413 over the budget,
    503 without a model or past the deadline."""
    deadline = Deadline(float(config["REQUEST_TIMEOUT_SECONDS"]))
    splits = split_within_budget(texts, explain, config, deadline)
    try:
        tagger, manifest = holder.get()
    except NoModel as exc:
        raise ApiError(503, f"{exc}") from None
    names = {d["id"]: d["name_zh"] for d in manifest.get("domains", [])}
    results = []
    for text, split in zip(texts, splits):
        deadline.check()  # between texts: one text is at most MAX_TEXT_CHARS of work
        with tagging_turn(deadline):
            tagged = tag_document(tagger, text, threshold, explain, split)
        results.append(tag_result(*tagged, names, explain))
    return {"model": {"version": manifest.get("version")}, "results": results}


def tag_result(document: Tagged, paragraphs: list[Tagged], skipped: list[Block], names: dict[str, str],
               explain: bool, headings: list[str] | None = None) -> dict[str, Any]:
    """One text's entry in a /v1/tag (or /v1/upload) response; `headings`: each paragraph's heading path."""
    paragraph_rows = []
    for index, p in enumerate(paragraphs):
        row: dict[str, Any] = {"index": index, "text": p.text, "tags": _tags(p, names), "scores": p.scores}
        if explain:
            row["explanations"] = p.explanations
        if headings is not None:
            row["heading"] = headings[index]
        paragraph_rows.append(row)
    shares = document.composition.domains if document.composition is not None else {}
    tags = [{**t, "share": shares[t["domain"]].share} if t["domain"] in shares else t for t in _tags(document, names)]
    result = {"tags": tags, "scores": document.scores, "paragraphs": paragraph_rows,
              # lines not tagged, so nothing disappears without a word
              "skipped": [{"text": b.text, "reason": b.role or "title"} for b in skipped]}
    if document.composition is not None:
        result["composition"] = document.composition.to_dict()
    return result


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
def health() -> tuple[Response, int]:
    """200 when the model CURRENT names is served; 503 (so a load balancer can act) when degraded or not ready."""
    holder = _holder()
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
