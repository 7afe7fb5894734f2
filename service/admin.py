"""The /v1 write side: labelled examples, domains, training jobs, model versions and promotion."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from model.artifact import ArtifactError
from service.auth import read_access, requester, write_access
from service.errors import ApiError
from service.requests import has_body, json_body, parsed
from service.schemas import DomainRequest, TrainRequest, examples_request_model
from training.ops.jobs import TrainingBusy, get_job, start_job
from training.paths import seeds_dir, store_path
from training.ops.registry import Registry, RegistryError
from training.data.store import ExampleStore, ValidationError
from training.data.taxonomy import DomainExists, TaxonomyError, add_user_domain, load_taxonomy, load_user_domains

bp = Blueprint("admin", __name__, url_prefix="/v1")
DOMAIN_EXAMPLE = '{"id": "ecology", "name_zh": "生态环境", "name_en": "Ecology", "keywords": ["生态"]}'
EXAMPLES_EXAMPLE = '{"examples": [{"text": "...", "labels": ["rural"]}]} (labels [] marks a paragraph about none)'


def _home() -> Path:
    return Path(current_app.config["HOME"])


def _seeds() -> Path:
    return seeds_dir(current_app.config.get("SEEDS"))


@bp.get("/domains")
@read_access
def list_domains() -> Response:
    taxonomy = load_taxonomy(_seeds(), _home())
    added = {d.id for d in load_user_domains(_home())}
    return jsonify({"domains": [{**d.to_dict(), "source": "api" if d.id in added else "taxonomy"}
                                for d in taxonomy.domains]})


@bp.post("/domains")
@write_access
def add_domain() -> tuple[Response, int]:
    try:
        domain = add_user_domain(_seeds(), _home(), parsed(DomainRequest, json_body(DOMAIN_EXAMPLE)).model_dump())
    except DomainExists as exc:
        raise ApiError(409, str(exc)) from None
    except TaxonomyError as exc:
        raise ApiError(400, str(exc)) from None
    return jsonify({**domain.to_dict(), "source": "api"}), 201


@bp.post("/examples")
@write_access
def add_examples() -> tuple[Response, int]:
    taxonomy = load_taxonomy(_seeds(), _home())
    request_ = parsed(examples_request_model(tuple(taxonomy.ids)), json_body(EXAMPLES_EXAMPLE),
                      prefix="nothing was stored: ")
    items = [item.model_dump() for item in request_.examples]
    try:
        store = ExampleStore(store_path(_home()), timeout=current_app.config["STORE_TIMEOUT_SECONDS"])
        result = store.add(items, source="user", author=requester(),
                                                       known_domains=taxonomy.ids)
    except ValidationError as exc:
        raise ApiError(400, f"nothing was stored: {exc}", problems=exc.problems) from None
    return jsonify({"added": result.added, "updated": result.updated, "total": result.total}), 201


@bp.post("/train")
@write_access
def train() -> tuple[Response, int]:
    options = parsed(TrainRequest, json_body('{"force": false, "tolerance": 0.02}') if has_body() else {})
    try:
        job_id = start_job(_home(), _seeds(), force=options.force, tolerance=options.tolerance,
                           requested_by=requester())
    except TrainingBusy as exc:
        raise ApiError(409, str(exc)) from None
    return jsonify({"job": job_id, "status_url": f"/v1/jobs/{job_id}"}), 202


@bp.get("/jobs/<job_id>")
@read_access
def job(job_id: str) -> Response:
    found = get_job(_home(), job_id)
    if found is None:
        raise ApiError(404, f"no training job {job_id!r}; POST /v1/train starts one")
    return jsonify(found)


def _summary(registry: Registry, version: str, current: str | None) -> dict[str, Any]:
    manifest = registry.manifest(version)
    return {"version": version, "current": version == current, "created": manifest.get("created"),
            "macro_f1": manifest.get("metrics", {}).get("macro_f1"),
            "domains": [d["id"] for d in manifest.get("domains", [])],
            "paragraphs": manifest.get("training", {}).get("paragraphs"),
            "promotion": manifest.get("promotion")}


@bp.get("/models")
@read_access
def models() -> Response:
    registry = Registry(_home())
    current = registry.current()
    return jsonify({"current": current, "versions": [_summary(registry, v, current) for v in registry.versions()]})


@bp.post("/models/<version>/promote")
@write_access
def promote(version: str) -> Response:
    registry = Registry(_home())
    try:
        registry.promote(version)
    except RegistryError as exc:
        raise ApiError(404, str(exc)) from None
    except ArtifactError as exc:
        raise ApiError(409, f"{version} cannot be served, not promoted: {exc}") from None
    return jsonify({"current": version})
