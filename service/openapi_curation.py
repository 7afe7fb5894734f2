"""OpenAPI parts for the curator's routes (pool, review queue, audit, upload, version report).

The JSON request bodies and the `n` query parameter come from the validating models in `service.schemas`
(see `service.openapi.request_schemas`); the multipart forms are described here, from the same constants the
upload code checks against.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from model.readers import DOCUMENT_SUFFIXES, RECORD_SUFFIXES
from service.schemas import UPLOAD_EXPLAIN, UPLOAD_THRESHOLD, BatchQuery

_NUM = {"type": "number", "minimum": 0, "maximum": 1}
_REF = "#/components/schemas/"
_SCORES = {"$ref": f"{_REF}Scores"}
_TAGS = {"type": "array", "items": {"$ref": f"{_REF}Tag"}}
_LABELS = {"type": "array", "items": {"type": "string"}, "description": "domain ids; [] = about none of them"}

SCHEMAS: dict[str, Any] = {
    "PoolStats": {"type": "object", "required": ["pool_size", "by_source"],
                  "properties": {"pool_size": {"type": "integer"},
                                 "by_source": {"type": "object", "additionalProperties": {"type": "integer"}}}},
    "PoolUpload": {"type": "object", "required": ["file"],
                   "properties": {"file": {"type": "string", "format": "binary",
                                           "description": "a document or a `policytag tag` JSONL output"}}},
    "PoolResult": {"type": "object",
                   "required": ["added", "pool_size", "read", "already_labelled", "skipped", "problems"],
                   "properties": {"added": {"type": "integer"}, "pool_size": {"type": "integer"},
                                  "read": {"type": "integer"}, "already_labelled": {"type": "integer"},
                                  "skipped": {"type": "integer",
                                              "description": "paragraphs of an upload left out (too long, ...)"},
                                  "problems": {"type": "array", "items": {"type": "string"},
                                               "description": "one line per skipped paragraph: file, where, why"}}},
    "ReviewBatch": {
        "type": "object", "required": ["items", "pool_size", "model"],
        "properties": {
            "pool_size": {"type": "integer"},
            "model": {"type": "object", "required": ["version"], "properties": {"version": {"type": "string"}}},
            "items": {"type": "array", "items": {
                "type": "object", "required": ["id", "text", "source", "heading", "scores", "tags", "reason"],
                "properties": {"id": {"type": "integer"}, "text": {"type": "string"}, "source": {"type": "string"},
                               "heading": {"type": "string"}, "scores": _SCORES, "tags": _TAGS,
                               "reason": {"type": "string"},
                               "margin": {"type": "number", "description": "logit distance to a change of tags"}}}},
        }},
    "ReviewResult": {"type": "object", "required": ["added", "updated", "total", "pool_size"],
                     "properties": {k: {"type": "integer"} for k in ("added", "updated", "total", "pool_size")}},
    "AuditList": {
        "type": "object", "required": ["items", "labelled", "disputed", "model"],
        "properties": {
            "labelled": {"type": "integer"}, "disputed": {"type": "integer"},
            "model": {"type": "object", "required": ["version"], "properties": {"version": {"type": "string"}}},
            "items": {"type": "array", "items": {
                "type": "object",
                "required": ["id", "text", "labels", "source", "heading", "label_from", "suggested", "confidence",
                             "probabilities", "reason", "evidence"],
                "properties": {"id": {"type": "string"}, "text": {"type": "string"}, "labels": _LABELS,
                               "source": {"type": "string"}, "heading": {"type": "string"},
                               "label_from": {"type": "string"}, "suggested": _LABELS, "confidence": _NUM,
                               "probabilities": {"type": "object", "additionalProperties": _NUM},
                               "reason": {"type": "string"},
                               "evidence": {"$ref": f"{_REF}Explanation"}}}},
        }},
    "AuditResult": {"type": "object", "required": ["ok", "id", "action", "labels"],
                    "properties": {"ok": {"const": True}, "id": {"type": "string"},
                                   "action": {"enum": ["accept", "keep"]}, "labels": _LABELS}},
    "Upload": {"type": "object", "required": ["file"], "additionalProperties": False,
               "properties": {"file": {"type": "string", "format": "binary",
                                       "description": f"one document: {', '.join(DOCUMENT_SUFFIXES)}; record "
                                                      f"files ({', '.join(RECORD_SUFFIXES)}) are refused "
                                                      "(415): POST their texts to /v1/tag"},
                              "threshold": {"type": "string", "pattern": f"^({UPLOAD_THRESHOLD})?$",
                                            "description": "one threshold in (0, 1] for every domain, as a "
                                                           "decimal such as 0.5; empty or left out: the model's "
                                                           "per-domain thresholds"},
                              "explain": {"enum": list(UPLOAD_EXPLAIN),
                                          "description": "add the terms behind each tag (true or 1)"}}},
    "UploadResponse": {
        "type": "object", "required": ["model", "source", "results"],
        "properties": {"model": {"type": "object", "required": ["version"]}, "source": {"type": "string"},
                       "results": {"type": "array", "minItems": 1, "maxItems": 1, "items": {
                           "type": "object", "required": ["tags", "scores", "paragraphs", "skipped"]}}}},
    "VersionReport": {"type": "object", "required": ["version", "metrics", "report"],
                      "properties": {"version": {"type": "string"}, "metrics": {"type": "object"},
                                     "report": {"type": ["object", "null"]}, "note": {"type": "string"}}},
}


def _json(schema: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": f"{_REF}{schema}"}}}}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, **_json("Error")}


_AUTH = {"401": _error("no 'Authorization: Bearer <token>' header"), "403": _error("wrong token")}
_SECURED: list[dict[str, list[str]]] = [{"bearer": []}]
_JSON_BODY = {"413": _error("body over the size limit"),
              "415": _error("body not sent as Content-Type: application/json")}


def _query(model: type[BaseModel]) -> list[dict[str, Any]]:
    """Query parameters described by the model that validates them."""
    schema = model.model_json_schema(mode="validation")
    return [{"name": name, "in": "query", "required": name in schema.get("required", []),
             "description": prop.pop("description", ""), "schema": prop}
            for name, prop in schema["properties"].items()]


_N = _query(BatchQuery)
# The file's name selects the reader (its extension), so a client must send one; the example says how.
_FILE_NAME = {"file": {"headers": {"Content-Disposition": {
    "description": "the file name's extension selects the reader", "schema": {"type": "string"},
    "example": 'form-data; name="file"; filename="plan.txt"'}}}}


def _link(path: str, field: str) -> dict[str, Any]:
    """An OpenAPI link: the first listed item's id, posted to `path` (the way a curator's page works)."""
    return {"operationRef": f"#/paths/{path.replace('/', '~1')}/post",
            "requestBody": {"id": f"$response.body#/items/0/{field}"},
            "description": f"decide on the first item: POST {path} with its id"}

PATHS: dict[str, Any] = {
    "/v1/pool": {
        "get": {"summary": "How many unlabelled paragraphs wait for review, per source",
                "responses": {"200": {"description": "pool size", **_json("PoolStats")}}},
        "post": {"summary": "Add unlabelled paragraphs (texts or a document) to the review pool",
                 "security": _SECURED,
                 "requestBody": {"required": True, "content": {
                     "application/json": {"schema": {"$ref": f"{_REF}PoolRequest"}},
                     "multipart/form-data": {"schema": {"$ref": f"{_REF}PoolUpload"}, "encoding": _FILE_NAME}}},
                 "responses": {"201": {"description": "pooled", **_json("PoolResult")},
                               "400": _error("bad texts or an unreadable file"), "413": _error("body too big"),
                               "415": _error("unsupported file type, or a body that is neither JSON nor multipart"),
                               **_AUTH}}},
    "/v1/review": {
        "get": {"summary": "The pool paragraphs the model is least certain about, spread out",
                "parameters": _N,
                "responses": {"200": {"description": "a batch to review", **_json("ReviewBatch"),
                                      "links": {"ReviewFirst": _link("/v1/review", "id")}},
                              "400": _error("bad n"), "503": _error("no trained model yet")}},
        "post": {"summary": "Store a reviewed paragraph's labels (source review); it leaves the pool",
                 "security": _SECURED, "requestBody": {"required": True, **_json("ReviewRequest")},
                 "responses": {"201": {"description": "stored", **_json("ReviewResult")},
                               "400": _error("bad id or labels, each problem listed"),
                               "404": _error("no pool item with that id (already reviewed or never added)"),
                               **_JSON_BODY, **_AUTH}}},
    "/v1/audit": {
        "get": {"summary": "Labelled paragraphs the cross-validated model disagrees with most",
                "parameters": _N,
                "responses": {"200": {"description": "disputed labels", **_json("AuditList"),
                                      "links": {"DecideFirst": _link("/v1/audit", "id")}},
                              "400": _error("bad n"), "503": _error("no trained model yet"),
                              "409": _error("the labelled data cannot be cross-validated yet (a domain with "
                                            "fewer than 2 labelled paragraphs)")}},
        "post": {"summary": "Accept the model's suggestion (source audit) or keep the label as checked",
                 "security": _SECURED, "requestBody": {"required": True, **_json("AuditRequest")},
                 "responses": {"200": {"description": "done", **_json("AuditResult")},
                               "400": _error("bad id or action, each problem listed"),
                               "404": _error("no labelled paragraph with that id"),
                               "503": _error("no trained model yet"), **_JSON_BODY, **_AUTH}}},
    "/v1/upload": {"post": {
        "summary": "Tag an uploaded document; one /v1/tag-shaped result with heading paths",
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {"$ref": f"{_REF}Upload"},
                                                                              "encoding": _FILE_NAME}}},
        "responses": {"200": {"description": "tags per paragraph", **_json("UploadResponse")},
                      "400": _error("no file, empty or unreadable document, bad threshold"),
                      "413": _error("body over the size limit, or the document over a tag request's budget "
                                    "(characters, paragraphs, explained paragraphs)"),
                      "415": _error("not a document type above (record files included)"),
                      "503": _error("no trained model yet, or tagging took longer than the request timeout")}}},
    "/v1/models/{version}/report": {"get": {
        "summary": "A version's cross-validated report: per-domain metrics, confusion matrix, calibration",
        "parameters": [{"name": "version", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "report", **_json("VersionReport")},
                      "404": _error("no such version")}}},
}
