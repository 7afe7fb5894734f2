"""OpenAPI parts for POST /v1/report (the page's Corpus tab); its request schema comes from
`service.schemas.ReportRequest`, like every JSON body's."""
from __future__ import annotations

from typing import Any

_REF = "#/components/schemas/"
_SHARES = {"type": "object", "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1}}
_IDS = {"type": "array", "items": {"type": "integer", "minimum": 0}}

SCHEMAS: dict[str, Any] = {
    "ReportResult": {
        "type": "object",
        "required": ["domains", "documents", "fields", "groups", "cooccurrence", "orders", "top_documents", "terms",
                     "paragraphs", "min_share", "charts", "tidy"],
        "properties": {
            "domains": {"type": "array", "items": {
                "type": "object", "required": ["id", "name_zh", "name_en"],
                "properties": {"id": {"type": "string"}, "name_zh": {"type": "string"},
                               "name_en": {"type": "string"}}}},
            "documents": {"type": "array", "description": "in the order sent; `id` is the position", "items": {
                "type": "object", "required": ["id", "source", "name", "record", "groups", "tags", "composition"],
                "properties": {
                    "id": {"type": "integer", "minimum": 0}, "source": {"type": "string"},
                    "name": {"type": "string", "description": "the source without the folder all sources share"},
                    "record": {"type": ["integer", "null"]},
                    "groups": {"type": "object", "additionalProperties": {"type": "string"}},
                    "tags": {"type": "array", "items": {"type": "string"},
                             "description": "domains with at least min_share of the tagged text, largest first"},
                    "composition": {"$ref": f"{_REF}Composition"},
                    "examples": {"type": "object"}}}},
            "fields": {"type": "array", "items": {"type": "string"}},
            "groups": {"type": "object", "description": "per group field, one row per value", "additionalProperties": {
                "type": "array", "items": {
                    "type": "object", "required": ["value", "documents", "paragraphs", "tagged_characters", "shares"],
                    "properties": {"value": {"type": "string"}, "documents": {"type": "integer"},
                                   "paragraphs": {"type": "integer"}, "tagged_characters": {"type": "integer"},
                                   "characters": {"type": "object", "additionalProperties": {"type": "integer"}},
                                   "shares": {**_SHARES, "description": "of the group's tagged characters"}}}}},
            "cooccurrence": {"type": ["array", "null"], "items": {"type": "array", "items": {"type": "integer"}},
                             "description": "paragraphs tagged with both domains (domains order); diagonal: with one"},
            "orders": {"type": "object", "required": ["cluster", "group", "name"],
                       "properties": {"cluster": _IDS, "group": _IDS, "name": _IDS}},
            "top_documents": {"type": "object", "additionalProperties": _IDS},
            "terms": {"type": ["object", "null"]},
            "paragraphs": {"type": "integer", "minimum": 0},
            "min_share": {"type": "number", "minimum": 0, "maximum": 1},
            "charts": {"type": "object", "description": "per group field, an SVG chart as a data: URI",
                       "additionalProperties": {"type": "string"}},
            "tidy": {"type": "object", "required": ["columns", "rows"],
                     "description": "one row per document and domain, for a CSV",
                     "properties": {"columns": {"type": "array", "items": {"type": "string"}},
                                    "rows": {"type": "array", "items": {"type": "array"}}}}}},
}


def paths(json_ref: Any, error: Any, body: dict[str, Any]) -> dict[str, Any]:
    """The /v1/report path item (built with openapi.py's helpers)."""
    return {"/v1/report": {"post": {
        "summary": "Analyse a collection of tagged documents (paragraph lengths and tags): the Corpus tab's data",
        "requestBody": {"required": True, **json_ref("ReportRequest")},
        "responses": {"200": {"description": "the report", **json_ref("ReportResult")},
                      "400": error("invalid documents, each problem listed"), **body,
                      "413": error("body over the size limit, or more paragraphs than one report takes")}}}}
