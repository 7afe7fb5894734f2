"""/v1 routes for the page's document and model views: tag an uploaded file, a version's CV report."""
from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, request

from model.paragraphs import read_paragraphs
from model.readers import DOCUMENT_SUFFIXES, RECORD_SUFFIXES
from model.readers.limits import using
from model.rules import check_threshold
from service.auth import read_access
from service.budget import Deadline, upload_limits
from service.context import get_holder, get_workspace
from service.errors import ApiError
from service.schemas import UPLOAD_EXPLAIN, UPLOAD_THRESHOLD
from service.tag_requests import TagOptions, tag_read_document

bp = Blueprint("upload", __name__, url_prefix="/v1")
_FORM_FIELDS = {"threshold", "explain"}


def _require_document(name: str) -> None:
    """ApiError 415 unless `name` is a document file: a record file holds many texts, for /v1/tag or the CLI."""
    suffix = Path(name).suffix.lower()
    if suffix in RECORD_SUFFIXES:
        raise ApiError(415, f"{name}: {suffix} is a file of records (one text per record), and an upload is one "
                            f"document ({', '.join(DOCUMENT_SUFFIXES)}); to tag records, run `policytag tag "
                            f"{name}` or POST their texts as JSON to /v1/tag")
    if suffix not in DOCUMENT_SUFFIXES:
        raise ApiError(415, f"{name}: unsupported format {suffix or '(no suffix)'!r}; upload one document: "
                            f"{', '.join(DOCUMENT_SUFFIXES)}")


def _threshold(raw: str | None) -> float | None:
    if raw is None or raw == "":
        return None
    # Plain decimals only, the pattern the OpenAPI description states (float() would also take "1e-1", " .5",
    # "nan" or other scripts' digits); anything else is refused by the rule every tagger shares (model.rules).
    return check_threshold(float(raw) if re.fullmatch(UPLOAD_THRESHOLD, raw) else raw)


def _explain(raw: str | None) -> bool:
    if raw is None:
        return False
    if raw not in UPLOAD_EXPLAIN:
        raise ApiError(400, f"explain must be true or false, got {raw!r}")
    return raw in ("true", "1")


@bp.post("/upload")
@read_access
def upload() -> Response:
    """Tag one uploaded document; the result has the shape of one /v1/tag result plus heading paths."""
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, f"send the document as multipart/form-data in a field named 'file' (got Content-Type "
                            f"{request.mimetype or 'none'}); to tag plain text, POST JSON to /v1/tag")
    upload = request.files.get("file")  # a body over MAX_CONTENT_LENGTH raises 413 here
    if upload is None or not upload.filename:
        raise ApiError(400, "no file: send the document in a multipart field named 'file' "
                            f"({', '.join(DOCUMENT_SUFFIXES)})")
    if unknown := sorted(set(request.form) - _FORM_FIELDS):
        raise ApiError(400, f"unknown form field {unknown[0]!r}; accepted: file, {', '.join(sorted(_FORM_FIELDS))}")
    options = TagOptions(_threshold(request.form.get("threshold")), _explain(request.form.get("explain")))
    name = Path(upload.filename).name
    _require_document(name)  # before reading: a record file is not merged into one result
    deadline = Deadline(float(current_app.config["REQUEST_TIMEOUT_SECONDS"]))
    with using(upload_limits(current_app.config)):  # ReadError 400, TooLarge 413, UnsupportedFormat 415
        paragraphs, skipped = read_paragraphs(upload.read(), name)
    body = tag_read_document(paragraphs, skipped, options, current_app.config, get_holder(), deadline)
    return jsonify({"model": body["model"], "source": name, "results": body["results"]})


@bp.get("/models/<version>/report")
@read_access
def report(version: str) -> Response:
    """A version's cross-validated report (null for a version trained with --cv 0)."""
    manifest = get_workspace().registry.manifest(version)  # UnknownVersion: 404
    body = {"version": version, "metrics": manifest.get("metrics", {}), "report": manifest.get("cv_report")}
    if body["report"] is None:
        body["note"] = f"{version} was trained without cross-validation (--cv 0); train with --cv 5 for a report"
    return jsonify(body)
