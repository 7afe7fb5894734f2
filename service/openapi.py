"""The OpenAPI 3.1 description of the HTTP API (kept true by tests that validate real responses)."""
from __future__ import annotations

from typing import Any

_NUM = {"type": "number", "minimum": 0, "maximum": 1}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["ok", "error", "status"], "additionalProperties": False,
        "properties": {"ok": {"const": False}, "error": {"type": "string"}, "status": {"type": "integer"}},
    },
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
                "type": "object", "required": ["tags", "scores", "paragraphs"],
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
            "/v1/openapi.json": {"get": {
                "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1 document",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        },
        "components": {"schemas": SCHEMAS},
    }
