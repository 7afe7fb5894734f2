"""The OpenAPI 3.1 description of the HTTP API (kept true by tests that validate real responses)."""
from __future__ import annotations

from typing import Any

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
        "properties": {"id": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"}, "name_zh": {"type": "string"},
                       "name_en": {"type": "string"}, "keywords": {"type": "array", "items": {"type": "string"}},
                       "source": {"enum": ["taxonomy", "api"]}},
    },
    "Domains": {"type": "object", "required": ["domains"],
                "properties": {"domains": {"type": "array", "items": {"$ref": "#/components/schemas/Domain"}}}},
    "ExamplesRequest": {
        "type": "object", "required": ["examples"], "additionalProperties": False,
        "properties": {"examples": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["text", "labels"],
            "properties": {"text": {"type": "string", "minLength": 1},
                           "labels": {"type": "array", "items": {"type": "string"},
                                      "description": "[] marks a paragraph about none of the domains"}}}}},
    },
    "ExamplesResult": {
        "type": "object", "required": ["added", "updated", "total"],
        "properties": {"added": {"type": "integer"}, "updated": {"type": "integer"}, "total": {"type": "integer"}},
    },
    "TrainRequest": {
        "type": "object", "additionalProperties": False,
        "properties": {"force": {"type": "boolean", "default": False},
                       "tolerance": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.02}},
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
            "type": "object", "required": ["version", "current", "created", "macro_f1", "domains"],
            "properties": {"version": {"type": "string"}, "current": {"type": "boolean"},
                           "created": {"type": "string"}, "macro_f1": {"type": ["number", "null"]},
                           "domains": {"type": "array", "items": {"type": "string"}},
                           "paragraphs": {"type": ["integer", "null"]},
                           "promotion": {"type": ["object", "null"]}}}}},
    },
    "Promoted": {"type": "object", "required": ["current"], "properties": {"current": {"type": "string"}}},
    "Tag": {
        "type": "object", "required": ["domain", "name", "score"],
        "properties": {"domain": {"type": "string"}, "name": {"type": "string"}, "score": _NUM},
    },
    "Scores": {"type": "object", "additionalProperties": _NUM,
               "description": "every domain's score, highest first"},
    "Explanation": {
        "type": "object", "description": "per tagged domain: the terms that pushed its score most",
        "additionalProperties": {"type": "array", "items": {
            "type": "object", "required": ["term", "kind", "weight"],
            "properties": {"term": {"type": "string"}, "kind": {"enum": ["word", "char"]},
                           "weight": {"type": "number"}}}},
    },
    "TagRequest": {
        "type": "object", "additionalProperties": False,
        "properties": {
            "text": {"type": "string", "minLength": 1, "description": "one text (may hold several paragraphs)"},
            "texts": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
            "threshold": {"type": "number", "exclusiveMinimum": 0, "maximum": 1,
                          "description": "one threshold for every domain instead of the model's own"},
            "explain": {"type": "boolean", "default": False},
        },
        "oneOf": [{"required": ["text"]}, {"required": ["texts"]}],
    },
    "TagResponse": {
        "type": "object", "required": ["model", "results"],
        "properties": {
            "model": {"type": "object", "required": ["version"], "properties": {"version": {"type": "string"}}},
            "results": {"type": "array", "items": {
                "type": "object", "required": ["tags", "scores", "paragraphs", "skipped"],
                "properties": {
                    "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}},
                    "scores": {"$ref": "#/components/schemas/Scores"},
                    "paragraphs": {"type": "array", "items": {
                        "type": "object", "required": ["index", "text", "tags", "scores"],
                        "properties": {
                            "index": {"type": "integer", "minimum": 0}, "text": {"type": "string"},
                            "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}},
                            "scores": {"$ref": "#/components/schemas/Scores"},
                            "explanations": {"$ref": "#/components/schemas/Explanation"},
                        }}},
                    "skipped": {"type": "array", "description": "lines not tagged: boilerplate and titles",
                                "items": {"type": "object", "required": ["text", "reason"], "properties": {
                                    "text": {"type": "string"},
                                    "reason": {"enum": ["byline", "note", "affiliation", "contact", "title"]}}}},
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
        "type": "object", "required": ["status", "ready", "model"],
        "properties": {"status": {"const": "ok"}, "ready": {"type": "boolean"},
                       "model": {"type": "object", "required": ["version"],
                                 "properties": {"version": {"type": ["string", "null"]}}}},
    },
}


def _json(schema: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, **_json("Error")}


_AUTH = {"401": _error("no 'Authorization: Bearer <token>' header"), "403": _error("wrong token")}
_SECURED: list[dict[str, list[str]]] = [{"bearer": []}]


def spec() -> dict[str, Any]:
    """The OpenAPI document served at GET /v1/openapi.json."""
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
                    "413": _error("body over the size limit"),
                    "415": _error("body is not JSON"),
                    "503": _error("no trained model yet"),
                }}},
            "/v1/model": {"get": {
                "summary": "The served model: version, domains, thresholds, training data, metrics",
                "responses": {"200": {"description": "model information", **_json("ModelInfo")},
                              "503": _error("no trained model yet")}}},
            "/v1/health": {"get": {
                "summary": "Liveness and the loaded model version",
                "responses": {"200": {"description": "the service is up", **_json("Health")}}}},
            "/v1/domains": {
                "get": {"summary": "Every domain: from the taxonomy file and added through the API",
                        "responses": {"200": {"description": "domains", **_json("Domains")}}},
                "post": {"summary": "Add a domain (kept in the data directory)", "security": _SECURED,
                         "requestBody": {"required": True, **_json("Domain")},
                         "responses": {"201": {"description": "added", **_json("Domain")},
                                       "400": _error("invalid or existing domain"), **_AUTH}}},
            "/v1/examples": {"post": {
                "summary": "Add labelled paragraphs; a batch with any invalid item is rejected whole",
                "security": _SECURED, "requestBody": {"required": True, **_json("ExamplesRequest")},
                "responses": {"201": {"description": "stored", **_json("ExamplesResult")},
                              "400": _error("invalid items, each listed in problems"), **_AUTH}}},
            "/v1/train": {"post": {
                "summary": "Start training in the background; the new model is promoted if not worse",
                "security": _SECURED, "requestBody": {"required": False, **_json("TrainRequest")},
                "responses": {"202": {"description": "job started", **_json("TrainAccepted")},
                              "400": _error("bad options"), "409": _error("a training run is in progress"),
                              **_AUTH}}},
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
                              "404": _error("no such version"), **_AUTH}}},
            "/v1/openapi.json": {"get": {
                "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1 document",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        },
        "components": {"schemas": SCHEMAS,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
