"""The OpenAPI 3.1 description of the HTTP API.

Request bodies come from the pydantic models in `service.schemas`, the same ones that validate requests, so
the description and the checks cannot drift; response schemas are kept true by tests that validate real
responses and by a schemathesis run against a live server (tests/test_fuzz.py).
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from model.composition import DEFAULT_MIN_SHARE
from service import openapi_curation as curation
from service import openapi_report as report
from service.schemas import (
    DOMAIN_ID_PATTERN,
    AuditRequest,
    DomainRequest,
    ReportRequest,
    TrainRequest,
    examples_request_model,
    pool_request_model,
    review_request_model,
    tag_request_model,
)

_NUM = {"type": "number", "minimum": 0, "maximum": 1}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["ok", "error", "status"], "additionalProperties": False,
        "properties": {"ok": {"const": False}, "error": {"type": "string"}, "status": {"type": "integer"},
                       "problems": {"type": "array", "items": {"type": "string"},
                                    "description": "every bad item of a rejected batch"}},
    },
    "Domain": {
        "type": "object", "required": ["id", "name_zh", "name_en", "keywords"],
        "properties": {"id": {"type": "string", "pattern": DOMAIN_ID_PATTERN}, "name_zh": {"type": "string"},
                       "name_en": {"type": "string"}, "keywords": {"type": "array", "items": {"type": "string"}},
                       "weak_keywords": {"type": "array", "items": {"type": "string"},
                                         "description": "label a heading only if no other domain matches strongly"},
                       "exclude": {"type": "array", "items": {"type": "string"},
                                   "description": "phrases a keyword must not be part of (文化创新 for 创新)"},
                       "source": {"enum": ["taxonomy", "api"]}},
    },
    "Domains": {"type": "object", "required": ["domains"],
                "properties": {"domains": {"type": "array", "items": {"$ref": "#/components/schemas/Domain"}}}},
    "ExamplesResult": {
        "type": "object", "required": ["added", "updated", "total"],
        "properties": {"added": {"type": "integer"}, "updated": {"type": "integer"}, "total": {"type": "integer"}},
    },
    "TrainAccepted": {"type": "object", "required": ["job", "status_url"],
                      "properties": {"job": {"type": "string"}, "status_url": {"type": "string"}}},
    "Job": {
        "type": "object", "required": ["id", "status", "created"],
        "properties": {"id": {"type": "string"}, "status": {"enum": ["queued", "running", "succeeded", "failed"]},
                       "created": {"type": "string"}, "started": {"type": "string"}, "finished": {"type": "string"},
                       "version": {"type": "string"}, "promoted": {"type": "boolean"},
                       "promotion": {"type": "object"}, "metrics": {"type": "object"}, "error": {"type": "string"}},
    },
    "Models": {
        "type": "object", "required": ["current", "versions"],
        "properties": {"current": {"type": ["string", "null"]}, "versions": {"type": "array", "items": {
            "type": "object", "required": ["version", "current", "created", "macro_f1", "domains", "damaged"],
            "properties": {"version": {"type": "string"}, "current": {"type": "boolean"},
                           "created": {"type": ["string", "null"]}, "macro_f1": {"type": ["number", "null"]},
                           "domains": {"type": "array", "items": {"type": "string"}},
                           "paragraphs": {"type": ["integer", "null"]},
                           "promotion": {"type": ["object", "null"]},
                           "damaged": {"type": "boolean", "description": "its files fail a check; not servable"},
                           "problem": {"type": "string", "description": "what is wrong with a damaged version"}}}}},
    },
    "Promoted": {"type": "object", "required": ["current"], "properties": {"current": {"type": "string"}}},
    "Tag": {
        "type": "object", "required": ["domain", "name", "score"],
        "properties": {"domain": {"type": "string"}, "name": {"type": "string"}, "score": _NUM},
    },
    "Scores": {"type": "object", "additionalProperties": _NUM,
               "description": "every domain's score, highest first"},
    "Explanation": {
        "type": "object", "description": "per tagged domain: the words of the text that pushed its score most, "
                                         "best first (punctuation, numbers, single characters and generic words "
                                         "of policy prose left out)",
        "additionalProperties": {"type": "array", "items": {
            "type": "object", "required": ["term", "kind", "weight"],
            "properties": {"term": {"type": "string"},
                           "kind": {"enum": ["word"],
                                    "description": "word: a word of the text; its weight gathers every feature "
                                                   "the model saw of it (the word, the word pairs and the "
                                                   "character n-grams it is part of)"},
                           "weight": {"type": "number"}}}},
    },
    "DocumentTag": {
        "type": "object", "required": ["domain", "name", "score", "share"],
        "properties": {"domain": {"type": "string"}, "name": {"type": "string"},
                       "score": {**_NUM, "description": "the best score of a paragraph"},
                       "share": {**_NUM, "description": "share of the document's tagged text tagged with it"}},
    },
    "Composition": {
        "type": "object", "description": "what the document is made of: its paragraphs and characters, those "
                                         "carrying any tag, and per domain the paragraphs and characters tagged "
                                         "with it and their share of the tagged characters",
        "required": ["paragraphs", "characters", "tagged_paragraphs", "tagged_characters", "domains"],
        "properties": {
            "paragraphs": {"type": "integer", "minimum": 0}, "characters": {"type": "integer", "minimum": 0},
            "tagged_paragraphs": {"type": "integer", "minimum": 0},
            "tagged_characters": {"type": "integer", "minimum": 0},
            "domains": {"type": "object", "additionalProperties": {
                "type": "object", "required": ["paragraphs", "characters", "share"],
                "properties": {"paragraphs": {"type": "integer", "minimum": 0},
                               "characters": {"type": "integer", "minimum": 0}, "share": _NUM}}}},
    },
    "TagResponse": {
        "type": "object", "required": ["model", "results"],
        "properties": {
            "model": {"type": "object", "required": ["version"], "properties": {"version": {"type": "string"}}},
            "results": {"type": "array", "items": {
                "type": "object", "required": ["tags", "scores", "composition", "paragraphs", "skipped"],
                "properties": {
                    "tags": {"type": "array", "description": "the document's tags: domains with at least "
                                                            f"{DEFAULT_MIN_SHARE} of its tagged text, largest first",
                             "items": {"$ref": "#/components/schemas/DocumentTag"}},
                    "composition": {"$ref": "#/components/schemas/Composition"},
                    "scores": {"$ref": "#/components/schemas/Scores"},
                    "paragraphs": {"type": "array", "items": {
                        "type": "object", "required": ["index", "text", "tags", "scores"],
                        "properties": {
                            "index": {"type": "integer", "minimum": 0}, "text": {"type": "string"},
                            "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}},
                            "scores": {"$ref": "#/components/schemas/Scores"},
                            "explanations": {"$ref": "#/components/schemas/Explanation"},
                        }}},
                    "skipped": {"type": "array", "description": "lines not tagged: boilerplate and titles; for an "
                                "upload also parts of the file left unread (reason 'left out', the text says which "
                                "and why, e.g. a PDF page of scattered text)",
                                "items": {"type": "object", "required": ["text", "reason"], "properties": {
                                    "text": {"type": "string"},
                                    "reason": {"enum": ["byline", "note", "affiliation", "contact", "title",
                                                        "left out"]}}}},
                }}},
        },
    },
    "ModelInfo": {
        "type": "object", "required": ["version", "created", "domains", "thresholds", "training", "metrics"],
        "properties": {
            "version": {"type": "string"}, "created": {"type": "string"},
            "domains": {"type": "array", "items": {
                "type": "object", "required": ["id", "name_zh", "name_en", "threshold"],
                "properties": {"id": {"type": "string"}, "name_zh": {"type": "string"},
                               "name_en": {"type": "string"}, "threshold": _NUM}}},
            "thresholds": {"type": "object", "additionalProperties": _NUM},
            "training": {"type": "object", "required": ["paragraphs", "per_domain", "sha256"]},
            "metrics": {"type": "object"},
            "libraries": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
    "Health": {
        "type": "object", "required": ["status", "ready", "degraded", "model"],
        "properties": {"status": {"enum": ["ok", "degraded", "unavailable"]}, "ready": {"type": "boolean"},
                       "degraded": {"type": "boolean",
                                    "description": "the version CURRENT names does not load; another is served"},
                       "model": {"type": "object", "required": ["version"],
                                 "properties": {"version": {"type": ["string", "null"],
                                                            "description": "the version this worker serves"}}},
                       "reason": {"type": "string", "description": "why the service is degraded or not ready"}},
    },
}


def _json(schema: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, **_json("Error")}


_AUTH = {"401": _error("no 'Authorization: Bearer <token>' header"), "403": _error("wrong token")}
_BODY = {"413": _error("body over the size limit"), "415": _error("body not sent as Content-Type: application/json")}
_STORAGE = {"503": _error("the store is busy (see Retry-After), the data directory is read-only or its files "
                          "need attention"),
            "507": _error("no space left on the data directory")}
_SECURED: list[dict[str, list[str]]] = [{"bearer": []}]
_SERVER = {"400": _error("malformed HTTP, or a Host/Origin this server does not answer to (POLICYTAG_ALLOWED_HOSTS)"),
           "408": _error("the request did not arrive within POLICYTAG_READ_TIMEOUT_SECONDS"),
           "414": _error("request line (method, URL, version) over 4,094 bytes"),
           "429": _error("too many connections from this address (POLICYTAG_CONNECTIONS_PER_CLIENT)"),
           "431": _error("more than 100 headers, or one over 8,190 bytes")}


def request_schemas(max_texts: int, max_text_chars: int, domains: tuple[str, ...] = ()) -> dict[str, Any]:
    """JSON schemas of every request body, generated from the validating models (with these limits and
    these known domains)."""
    models: list[type[BaseModel]] = [tag_request_model(max_texts, max_text_chars), examples_request_model(domains),
                                     TrainRequest, DomainRequest, pool_request_model(max_texts),
                                     review_request_model(domains), AuditRequest, ReportRequest]
    _, found = models_json_schema([(m, "validation") for m in models], ref_template="#/components/schemas/{model}")
    return found["$defs"]


def spec(max_texts: int = 1000, max_text_chars: int = 100_000, domains: tuple[str, ...] = ()) -> dict[str, Any]:
    """The OpenAPI document served at GET /v1/openapi.json, stating the server's limits and known domains."""
    document = _core(max_texts, max_text_chars, domains)
    document["paths"].update(curation.PATHS)  # the curator's routes (pool, review, audit, upload, report)
    document["paths"].update(report.paths(_json, _error, _BODY))  # the Corpus tab's analysis
    for operations in document["paths"].values():  # what the HTTP server itself may answer to any request
        for operation in operations.values():
            for status, response in _SERVER.items():
                operation["responses"].setdefault(status, response)
    return document


def _core(max_texts: int, max_text_chars: int, domains: tuple[str, ...]) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "policytag", "version": "1",
                 "description": "Tags paragraphs of Chinese policy text with policy domains."},
        "paths": {
            "/v1/tag": {"post": {
                "summary": "Tag one or more texts; each is split into paragraphs",
                "requestBody": {"required": True, **_json("TagRequest")},
                "responses": {
                    "200": {"description": "tags per text and per paragraph", **_json("TagResponse")},
                    "400": _error("missing, empty, non-string or over-long text; bad threshold; malformed JSON"),
                    **_BODY,
                    "413": _error("body over the size limit, or over the request budget: too many characters or "
                                  "paragraphs in all the texts, or too many paragraphs to explain"),
                    "503": _error("no trained model yet, or tagging took longer than the request deadline"),
                }}},
            "/v1/model": {"get": {
                "summary": "The served model: version, domains, thresholds, training data, metrics",
                "responses": {"200": {"description": "model information", **_json("ModelInfo")},
                              "503": _error("no trained model yet")}}},
            "/v1/health": {"get": {
                "summary": "Liveness, the served model version, and whether it is the one CURRENT names",
                "responses": {"200": {"description": "serving the current model", **_json("Health")},
                              "503": {"description": "degraded (serving a fallback version) or no model",
                                      **_json("Health")}}}},
            "/v1/domains": {
                "get": {"summary": "Every domain: from the taxonomy file and added through the API",
                        "responses": {"200": {"description": "domains", **_json("Domains")}}},
                "post": {"summary": "Add a domain (kept in the data directory)", "security": _SECURED,
                         "requestBody": {"required": True, **_json("DomainRequest")},
                         "responses": {"201": {"description": "added", **_json("Domain")},
                                       "400": _error("invalid domain, each problem listed"),
                                       "409": _error("a domain with that id exists"), **_BODY, **_AUTH,
                                       **_STORAGE}}},
            "/v1/examples": {"post": {
                "summary": "Add labelled paragraphs; a batch with any invalid item is rejected whole",
                "security": _SECURED, "requestBody": {"required": True, **_json("ExamplesRequest")},
                "responses": {"201": {"description": "stored", **_json("ExamplesResult")},
                              "400": _error("invalid items, each listed in problems"), **_BODY, **_AUTH,
                              **_STORAGE}}},
            "/v1/train": {"post": {
                "summary": "Start training in the background; the new model is promoted if not worse",
                "security": _SECURED, "requestBody": {"required": False, **_json("TrainRequest")},
                "responses": {"202": {"description": "job started", **_json("TrainAccepted"), "links": {
                                  "JobStatus": {"operationRef": "#/paths/~1v1~1jobs~1{job_id}/get",
                                                "parameters": {"job_id": "$response.body#/job"},
                                                "description": "follow the job (its status_url)"}}},
                              "400": _error("bad options, each listed in problems"),
                              "409": _error("a training run is in progress"), **_BODY, **_AUTH, **_STORAGE}}},
            "/v1/jobs/{job_id}": {"get": {
                "summary": "A training job's state, new version, metrics and promotion decision",
                "parameters": [{"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "job", **_json("Job")}, "404": _error("no such job")}}},
            "/v1/models": {"get": {
                "summary": "Model versions with their metrics; which one is current",
                "responses": {"200": {"description": "versions", **_json("Models")}}}},
            "/v1/models/{version}/promote": {"post": {
                "summary": "Make a version current (rollback); running workers switch within seconds",
                "security": _SECURED,
                "parameters": [{"name": "version", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "promoted", **_json("Promoted")},
                              "404": _error("no such version"), "409": _error("that version's files do not load"),
                              **_AUTH, **_STORAGE}}},
            "/v1/openapi.json": {"get": {
                "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1 document",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        },
        "components": {"schemas": {**SCHEMAS, **curation.SCHEMAS, **report.SCHEMAS,
                                   **request_schemas(max_texts, max_text_chars, domains)},
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
