"""The /v1 write side: labelled examples, domains, training jobs, model versions and promotion."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify

from service.auth import labelled_read_access, read_access, requester, write_access
from service.context import get_workspace
from service.errors import public_message
from service.request_body import has_body, json_body, parsed
from service.schemas import DomainRequest, TrainRequest, examples_request_model
from training.errors import UnknownJob

bp = Blueprint("admin", __name__, url_prefix="/v1")
DOMAIN_EXAMPLE = '{"id": "ecology", "name_zh": "生态环境", "name_en": "Ecology", "keywords": ["生态"]}'
EXAMPLES_EXAMPLE = '{"examples": [{"text": "...", "labels": ["rural"]}]} (labels [] marks a paragraph about none)'


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
    domain = get_workspace().add_domain(parsed(DomainRequest, json_body(DOMAIN_EXAMPLE)).model_dump())
    return jsonify({**domain.to_dict(), "source": "api"}), 201


@bp.post("/examples")
@write_access
def add_examples() -> tuple[Response, int]:
    ws = get_workspace()
    known = tuple(ws.taxonomy().ids)
    request_ = parsed(examples_request_model(known), json_body(EXAMPLES_EXAMPLE), writes=True)
    result = ws.add_examples([item.model_dump() for item in request_.examples], source="user", author=requester())
    return jsonify({"added": result.added, "updated": result.updated, "total": result.total}), 201


@bp.post("/train")
@write_access
def train() -> tuple[Response, int]:
    options = parsed(TrainRequest, json_body('{"force": false, "tolerance": 0.02}') if has_body() else {})
    job_id = get_workspace().jobs.start(force=options.force, tolerance=options.tolerance, requested_by=requester())
    return jsonify({"job": job_id, "status_url": f"/v1/jobs/{job_id}"}), 202


@bp.get("/jobs/<job_id>")
@labelled_read_access
def job(job_id: str) -> Response:
    found = get_workspace().jobs.get(job_id)
    if found is None:
        raise UnknownJob(f"no training job {job_id!r}; POST /v1/train starts one")
    return jsonify(found)


@bp.get("/models")
@read_access
def models() -> Response:
    ws = get_workspace()
    versions = [{**v, "problem": public_message(v["problem"])} if "problem" in v else v for v in ws.versions()]
    return jsonify({"current": ws.registry.current(), "versions": versions})


@bp.post("/models/<version>/promote")
@write_access
def promote(version: str) -> Response:
    get_workspace().promote(version)  # UnknownVersion 404, NotServable 409 (service.errors.STATUSES)
    return jsonify({"current": version})
