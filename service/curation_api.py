"""The curator's /v1 routes: the review pool, the review queue and the label audit."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from model.readers import ReadError, UnsupportedFormat
from service.auth import read_access, requester, write_access
from service.context import get_workspace
from service.errors import ApiError
from service.holder import NoModel
from service.requests import json_body
from training.errors import AuditItemNotFound, NotInPool, RegistryError, ValidationError

bp = Blueprint("curation", __name__, url_prefix="/v1")
MAX_BATCH = 100


def _n(default: int = 20) -> int:
    raw = request.args.get("n", str(default))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_BATCH:
        raise ApiError(400, f"n must be a whole number from 1 to {MAX_BATCH}, got {raw!r}")
    return int(raw)


def _fields(body: dict[str, Any], allowed: set[str], example: str) -> None:
    if unknown := sorted(set(body) - allowed):
        raise ApiError(400, f"unknown field {unknown[0]!r}; send {example}")


def _model() -> tuple[Any, dict[str, Any]]:
    """The served (tagger, manifest); 503 when no model has been trained."""
    try:
        return current_app.extensions["policytag.model"].get()
    except NoModel as exc:
        raise ApiError(503, str(exc)) from None


def _cache() -> Any:
    """This worker's cache of pool scores (per model version), so a review round does not rescore the pool."""
    cache = current_app.extensions.get("policytag.review_scores")
    if cache is None:
        cache = current_app.extensions["policytag.review_scores"] = get_workspace().review_cache()
    return cache


@bp.get("/pool")
@read_access
def pool() -> Response:
    return jsonify(get_workspace().pool_stats())


@bp.post("/pool")
@write_access
def add_to_pool() -> tuple[Response, int]:
    try:
        if request.mimetype == "multipart/form-data":
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                raise ApiError(400, "no file: send multipart/form-data with the document in a field named 'file'")
            result = get_workspace().pool_import_bytes(upload.read(), upload.filename)
        else:
            body = json_body()
            _fields(body, {"texts", "source"}, '{"texts": ["...", ...]} or a multipart file')
            texts, source = body.get("texts"), body.get("source", "api")
            if not isinstance(texts, list) or not texts:
                raise ApiError(400, 'send {"texts": ["paragraph", ...]} (a non-empty list) or a multipart file')
            if len(texts) > current_app.config["MAX_TEXTS"]:
                raise ApiError(400, f'"texts" has {len(texts)} items, over the limit of '
                                    f'{current_app.config["MAX_TEXTS"]}; send several requests')
            if not isinstance(source, str) or not source.strip():
                raise ApiError(400, f'"source" must be a non-empty string, got {source!r}')
            result = get_workspace().pool_import_texts(texts, source.strip()[:100])
    except UnsupportedFormat as exc:
        raise ApiError(415, str(exc)) from None
    except ReadError as exc:
        raise ApiError(400, str(exc)) from None
    except ValidationError as exc:
        raise ApiError(400, f"nothing was added: {exc}", problems=exc.problems) from None
    return jsonify({"added": result.added, "pool_size": result.pool_size, "read": result.read,
                    "already_labelled": result.labelled}), 201


@bp.get("/review")
@read_access
def review_queue() -> Response:
    n = _n()
    tagger, manifest = _model()
    names = {d["id"]: d["name_zh"] for d in manifest.get("domains", [])}
    batch = get_workspace().review_batch(tagger, str(manifest.get("version")), n, _cache(), names)
    return jsonify({**batch, "model": {"version": manifest.get("version")}})


@bp.post("/review")
@write_access
def review() -> tuple[Response, int]:
    body = json_body()
    example = '{"id": 12, "labels": ["rural"]} (labels [] = about none of the domains)'
    _fields(body, {"id", "labels"}, example)
    pool_id, labels = body.get("id"), body.get("labels")
    if isinstance(pool_id, bool) or not isinstance(pool_id, int):
        raise ApiError(400, f'"id" must be the pool item\'s integer id from GET /v1/review, got {pool_id!r}')
    if not isinstance(labels, list):
        raise ApiError(400, f'"labels" must be a list of domain ids, got {labels!r}; e.g. {example}')
    try:
        result = get_workspace().submit_review(pool_id, labels, requester())
    except NotInPool as exc:
        raise ApiError(404, str(exc)) from None
    except ValidationError as exc:
        raise ApiError(400, f"nothing was stored: {exc}", problems=exc.problems) from None
    return jsonify(result), 201


@bp.get("/audit")
@read_access
def audit() -> Response:
    n = _n()
    _model()  # 503 when there is no model
    try:
        return jsonify(get_workspace().audit_report(n))
    except RegistryError as exc:
        raise ApiError(503, str(exc)) from None


@bp.post("/audit")
@write_access
def decide() -> Response:
    body = json_body()
    example = '{"id": "<id from GET /v1/audit>", "action": "accept"} (or "keep")'
    _fields(body, {"id", "action"}, example)
    item_id, action = body.get("id"), body.get("action")
    if not isinstance(item_id, str) or not item_id:
        raise ApiError(400, f'"id" must be an audit item id string, got {item_id!r}; send {example}')
    if action not in ("accept", "keep"):
        raise ApiError(400, f'"action" must be "accept" or "keep", got {action!r}')
    _model()
    try:
        return jsonify(get_workspace().decide_audit(item_id, action, requester()))
    except AuditItemNotFound as exc:
        raise ApiError(404, str(exc)) from None
    except ValidationError as exc:
        raise ApiError(400, f"nothing was stored: {exc}", problems=exc.problems) from None
