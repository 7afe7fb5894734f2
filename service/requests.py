"""Reading and validating request bodies; every problem becomes an ApiError that names the fix."""
from __future__ import annotations

import json
from typing import Any

from flask import current_app, request

from model.errors import ThresholdError
from model.rules import check_threshold
from service.errors import ApiError

TAG_EXAMPLE = '{"text": "加快关键核心技术攻关。"} or {"texts": ["...", "..."]}'


def has_body() -> bool:
    return bool(request.get_data(cache=True).strip())


def json_body() -> dict[str, Any]:
    """The request body as a JSON object; 415 when it is not JSON at all, 400 when it is malformed."""
    raw = request.get_data(cache=True)  # over MAX_CONTENT_LENGTH raises 413 here
    if not raw.strip():
        raise ApiError(400, f"empty request body; send a JSON object such as {TAG_EXAMPLE}")
    try:
        body = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ApiError(400, "request body is not UTF-8; encode the JSON as UTF-8") from None
    except json.JSONDecodeError as exc:
        if request.mimetype in ("application/json", "") or request.mimetype.endswith("+json"):
            raise ApiError(400, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
        raise ApiError(415, f"request body is not JSON (Content-Type {request.mimetype}); send "
                            f"Content-Type: application/json with a body such as {TAG_EXAMPLE}") from None
    except (RecursionError, ValueError):  # absurdly deep nesting, numbers with thousands of digits
        raise ApiError(400, "JSON nested too deeply or with a number too long to read; send a flat object "
                            f"such as {TAG_EXAMPLE}") from None
    if not isinstance(body, dict):
        raise ApiError(400, f"the JSON body must be an object, got {type(body).__name__}; e.g. {TAG_EXAMPLE}")
    return body


def _text(value: object, where: str) -> str:
    limit = current_app.config["MAX_TEXT_CHARS"]
    if not isinstance(value, str):
        raise ApiError(400, f"{where} must be a string, got {type(value).__name__}")
    if not value.strip():
        raise ApiError(400, f"{where} is empty; send some text to tag")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(400, f"{where} has unpaired surrogate characters (\\ud800-\\udfff); send valid text") from None
    if len(value) > limit:
        raise ApiError(400, f"{where} has {len(value)} characters, over the limit of {limit}; "
                            "split it into several texts (\"texts\": [...])")
    return value


def tag_request(body: dict[str, Any]) -> tuple[list[str], float | None, bool]:
    """(texts, threshold or None, explain) from a POST /v1/tag body."""
    allowed = {"text", "texts", "threshold", "explain"}
    if unknown := sorted(set(body) - allowed):
        raise ApiError(400, f"unknown field {unknown[0]!r}; accepted: {', '.join(sorted(allowed))}")
    if ("text" in body) == ("texts" in body):
        raise ApiError(400, f"send exactly one of \"text\" or \"texts\", e.g. {TAG_EXAMPLE}")
    if "text" in body:
        texts = [_text(body["text"], '"text"')]
    else:
        value = body["texts"]
        limit = current_app.config["MAX_TEXTS"]
        if not isinstance(value, list) or not value:
            raise ApiError(400, '"texts" must be a non-empty list of strings')
        if len(value) > limit:
            raise ApiError(400, f'"texts" has {len(value)} items, over the limit of {limit}; send several requests')
        texts = [_text(v, f'"texts"[{i}]') for i, v in enumerate(value)]
    raw = body.get("threshold")
    try:
        threshold = check_threshold(raw)  # the range every tagger shares (model.rules)
    except ThresholdError:
        raise ApiError(400, f'"threshold" must be a number in (0, 1], got {raw!r}; '
                            "leave it out to use the model's per-domain thresholds") from None
    explain = body.get("explain", False)
    if not isinstance(explain, bool):
        raise ApiError(400, f'"explain" must be true or false, got {explain!r}')
    return texts, threshold, explain
