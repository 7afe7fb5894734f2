"""The curator's /v1 routes: the review pool, the review queue and the label audit."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from model.readers import ReadError, TooLarge, UnsupportedFormat
from model.readers.limits import using
from service.auth import labelled_read_access, requester, write_access
from service.budget import upload_limits
from service.context import get_workspace
from service.errors import ApiError
from service.holder import NoModel
from service.request_body import json_body, parsed
from service.schemas import POOL_SOURCE_CHARS, AuditRequest, BatchQuery, pool_request_model, review_request_model
from training.errors import AuditItemNotFound, AuditUnavailable, ItemsRejected, NotInPool, RegistryError

bp = Blueprint("curation", __name__, url_prefix="/v1")
POOL_EXAMPLE = '{"texts": ["...", ...]} or a multipart file'
REVIEW_EXAMPLE = '{"id": 12, "labels": ["rural"]} (labels [] = about none of the domains)'
AUDIT_EXAMPLE = '{"id": "<id from GET /v1/audit>", "action": "accept"} (or "keep")'


def _n() -> int:
    """The `n` query parameter (service.schemas.BatchQuery); 400 naming the bad value."""
    return int(parsed(BatchQuery, request.args.to_dict()).n)


def _domains() -> tuple[str, ...]:
    """The known domain ids of the moment (the taxonomy file and those added through the API)."""
    return tuple(get_workspace().taxonomy().ids)


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
@labelled_read_access
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
            with using(upload_limits(current_app.config)):
                result = get_workspace().pool_import_bytes(upload.read(), upload.filename)
        else:
            body = parsed(pool_request_model(int(current_app.config["MAX_TEXTS"])), json_body(POOL_EXAMPLE),
                          prefix="nothing was added: ")
            result = get_workspace().pool_import_texts(body.texts, body.source.strip()[:POOL_SOURCE_CHARS])
    except UnsupportedFormat as exc:
        raise ApiError(415, str(exc)) from None
    except TooLarge as exc:
        raise ApiError(413, str(exc)) from None
    except ReadError as exc:
        raise ApiError(400, str(exc)) from None
    except ItemsRejected as exc:
        raise ApiError(400, f"nothing was added: {exc}", problems=exc.problems) from None
    return jsonify({"added": result.added, "pool_size": result.pool_size, "read": result.read,
                    "already_labelled": result.labelled, "skipped": result.skipped, "problems": result.problems}), 201


@bp.get("/review")
@labelled_read_access
def review_queue() -> Response:
    n = _n()
    tagger, manifest = _model()
    names = {d["id"]: d["name_zh"] for d in manifest.get("domains", [])}
    batch = get_workspace().review_batch(tagger, str(manifest.get("version")), n, _cache(), names)
    return jsonify({**batch, "model": {"version": manifest.get("version")}})


@bp.post("/review")
@write_access
def review() -> tuple[Response, int]:
    body = parsed(review_request_model(_domains()), json_body(REVIEW_EXAMPLE), prefix="nothing was stored: ")
    try:
        result = get_workspace().submit_review(body.id, list(body.labels), requester())
    except NotInPool as exc:
        raise ApiError(404, str(exc)) from None
    except ItemsRejected as exc:
        raise ApiError(400, f"nothing was stored: {exc}", problems=exc.problems) from None
    return jsonify(result), 201


@bp.get("/audit")
@labelled_read_access
def audit() -> Response:
    n = _n()
    _model()  # 503 when there is no model
    try:
        return jsonify(get_workspace().audit_report(n))
    except RegistryError as exc:
        raise ApiError(503, str(exc)) from None
    except AuditUnavailable as exc:
        raise ApiError(409, str(exc)) from None


@bp.post("/audit")
@write_access
def decide() -> Response:
    body = parsed(AuditRequest, json_body(AUDIT_EXAMPLE))
    _model()
    try:
        return jsonify(get_workspace().decide_audit(body.id, body.action, requester()))
    except AuditItemNotFound as exc:
        raise ApiError(404, str(exc)) from None
    except ItemsRejected as exc:
        raise ApiError(400, f"nothing was stored: {exc}", problems=exc.problems) from None
