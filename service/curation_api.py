"""The curator's /v1 routes: the review pool, the review queue and the label audit."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from model.readers.limits import using
from service.auth import labelled_read_access, requester, write_access
from service.budget import upload_limits
from service.context import get_workspace, served_model
from service.errors import ApiError
from service.request_body import json_body, parsed
from service.schemas import POOL_SOURCE_CHARS, AuditRequest, BatchQuery, pool_request_model, review_request_model

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
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise ApiError(400, "no file: send multipart/form-data with the document in a field named 'file'")
        with using(upload_limits(current_app.config)):  # ReadError 400, TooLarge 413, UnsupportedFormat 415
            result = get_workspace().pool_import_bytes(upload.read(), upload.filename)
    else:
        body = parsed(pool_request_model(int(current_app.config["MAX_TEXTS"])), json_body(POOL_EXAMPLE),
                      writes=True)
        result = get_workspace().pool_import_texts(body.texts, body.source.strip()[:POOL_SOURCE_CHARS])
    return jsonify({"added": result.added, "pool_size": result.pool_size, "read": result.read,
                    "already_labelled": result.labelled, "skipped": result.skipped, "problems": result.problems}), 201


@bp.get("/review")
@labelled_read_access
def review_queue() -> Response:
    n = _n()
    served = served_model()
    batch = get_workspace().review_batch(served.tagger, str(served.version), n, _cache(), served.names)
    return jsonify({**batch, "model": {"version": served.version}})


@bp.post("/review")
@write_access
def review() -> tuple[Response, int]:
    body = parsed(review_request_model(_domains()), json_body(REVIEW_EXAMPLE), writes=True)
    return jsonify(get_workspace().submit_review(body.id, list(body.labels), requester())), 201


@bp.get("/audit")
@labelled_read_access
def audit() -> Response:
    n = _n()
    served_model()  # NoModel (503) when there is none
    return jsonify(get_workspace().audit_report(n))


@bp.post("/audit")
@write_access
def decide() -> Response:
    body = parsed(AuditRequest, json_body(AUDIT_EXAMPLE))
    served_model()
    return jsonify(get_workspace().decide_audit(body.id, body.action, requester()))
