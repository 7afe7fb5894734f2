"""Reading and validating request bodies; every problem becomes an ApiError that names the fix.

Bodies must be sent as `Content-Type: application/json` (415 otherwise): a browser can send text/plain or a
form to another site without asking first (no CORS preflight), so accepting them would let any web page make
a visitor's browser call this API.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import current_app, request
from pydantic import BaseModel

from model.rules import check_threshold
from service.errors import ApiError
from service.schemas import RequestInvalid, WriteInvalid, json_type, tag_request_model, validate
from service.tag_requests import TagOptions

TAG_EXAMPLE = '{"text": "加快关键核心技术攻关。"} or {"texts": ["...", "..."]}'
BOM = b"\xef\xbb\xbf"


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def has_body() -> bool:
    """True when the request carries a non-blank body."""
    return bool(request.get_data(cache=True).strip())


def json_body(example: str = TAG_EXAMPLE) -> dict[str, Any]:
    """The request body as a JSON object; 415 when not sent as application/json, 400 when malformed."""
    raw = request.get_data(cache=True)  # over MAX_CONTENT_LENGTH raises 413 here
    if raw.startswith(BOM):  # Windows tools write one; it is not part of the JSON
        raw = raw[len(BOM):]
    if raw.strip() and request.mimetype != "application/json":
        sent = request.mimetype or "none"
        raise ApiError(415, f"request body must be sent as Content-Type: application/json (got {sent}); "
                            f"send a JSON object such as {example}")
    return json_object(raw, example)


def json_object(raw: bytes, example: str = TAG_EXAMPLE) -> dict[str, Any]:
    """`raw` (a body sent as application/json, its BOM taken off) as a JSON object; 400 when it is not one."""
    if not raw.strip():
        raise ApiError(400, f"empty request body; send a JSON object such as {example}")
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise ApiError(400, "request body is not UTF-8; encode the JSON as UTF-8") from None
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise ApiError(400, f"JSON nested too deeply to read; send a flat object such as {example}") from None
    except ValueError as exc:  # NaN/Infinity, or a number with thousands of digits
        raise ApiError(400, f"invalid JSON: {exc}; send ordinary numbers such as 0.5") from None
    if not isinstance(body, dict):
        raise ApiError(400, f"the JSON body must be an object, got {json_type(body)}; e.g. {example}")
    return body


def parsed(model: type[BaseModel], body: object, writes: bool = False) -> Any:
    """`body` validated by `model` (see `service.schemas.validate`); RequestInvalid listing every problem
    otherwise, WriteInvalid for the body of a request that `writes` (its answer says nothing was stored)."""
    try:
        return validate(model, body)
    except RequestInvalid as exc:
        if writes:
            raise WriteInvalid(exc.problems) from None
        raise


def tag_request(body: dict[str, Any], config: Mapping[str, Any] | None = None) -> tuple[list[str], TagOptions]:
    """(texts, options) from a POST /v1/tag body (limits from `config`, else the app's); RequestInvalid or
    ThresholdError (400) when it is not a valid request."""
    config = current_app.config if config is None else config
    request_ = parsed(tag_request_model(int(config["MAX_TEXTS"]), int(config["MAX_TEXT_CHARS"])), body)
    texts = [request_.text] if request_.text is not None else list(request_.texts)
    # The threshold's range is the one every tagger shares (model.rules).
    return texts, TagOptions(check_threshold(request_.threshold), request_.explain)
