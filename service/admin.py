"""The /v1 write side: labelled examples, domains, training jobs, model versions and promotion."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify

from model.errors import ArtifactError
from service.auth import read_access, requester, write_access
from service.context import get_workspace
from service.errors import ApiError
from service.requests import json_body
from training.errors import RegistryError, TaxonomyError, TrainingBusy, ValidationError
from training.workspace import DEFAULT_TOLERANCE

bp = Blueprint("admin", __name__, url_prefix="/v1")


@bp.get("/domains")
@read_access
def list_domains() -> Response:
    ws = get_workspace()
    taxonomy, added = ws.taxonomy(), ws.user_domain_ids()
    return jsonify({"domains": [{**d.to_dict(), "source": "api" if d.id in added else "taxonomy"}
                                for d in taxonomy.domains]})


@bp.post("/domains")
@write_access
def add_domain() -> tuple[Response, int]:
    try:
        domain = get_workspace().add_domain(json_body())
    except TaxonomyError as exc:
        raise ApiError(400, str(exc)) from None
    return jsonify({**domain.to_dict(), "source": "api"}), 201


@bp.post("/examples")
@write_access
def add_examples() -> tuple[Response, int]:
    body = json_body()
    items = body.get("examples")
    if set(body) - {"examples"} or not isinstance(items, list) or not items:
        raise ApiError(400, 'send {"examples": [{"text": "...", "labels": ["rural"]}, ...]} '
                            "(labels [] marks a paragraph about none of the domains)")
    try:
        result = get_workspace().add_examples(items, source="user", author=requester())
    except ValidationError as exc:
        raise ApiError(400, f"nothing was stored: {exc}", problems=exc.problems) from None
    return jsonify({"added": result.added, "updated": result.updated, "total": result.total}), 201


@bp.post("/train")
@write_access
def train() -> tuple[Response, int]:
    from service.requests import has_body

    body = json_body() if has_body() else {}
    force, tolerance = body.get("force", False), body.get("tolerance", DEFAULT_TOLERANCE)
    if set(body) - {"force", "tolerance"}:
        unknown = sorted(set(body) - {"force", "tolerance"})[0]
        raise ApiError(400, f"unknown field {unknown!r}; accepted: force, tolerance")
    if not isinstance(force, bool):
        raise ApiError(400, f'"force" must be true or false, got {force!r}')
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not 0 <= tolerance <= 1:
        raise ApiError(400, f'"tolerance" must be a number in [0, 1], got {tolerance!r}')
    try:
        job_id = get_workspace().jobs.start(force=force, tolerance=float(tolerance), requested_by=requester())
    except TrainingBusy as exc:
        raise ApiError(409, str(exc)) from None
    return jsonify({"job": job_id, "status_url": f"/v1/jobs/{job_id}"}), 202


@bp.get("/jobs/<job_id>")
@read_access
def job(job_id: str) -> Response:
    found = get_workspace().jobs.get(job_id)
    if found is None:
        raise ApiError(404, f"no training job {job_id!r}; POST /v1/train starts one")
    return jsonify(found)


@bp.get("/models")
@read_access
def models() -> Response:
    ws = get_workspace()
    return jsonify({"current": ws.registry.current(), "versions": ws.versions()})


@bp.post("/models/<version>/promote")
@write_access
def promote(version: str) -> Response:
    try:
        get_workspace().promote(version)
    except RegistryError as exc:
        raise ApiError(404, str(exc)) from None
    except ArtifactError as exc:
        raise ApiError(409, f"{version} cannot be served, not promoted: {exc}") from None
    return jsonify({"current": version})
