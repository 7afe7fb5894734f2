"""Request bodies as pydantic models: the one source of both their validation and their OpenAPI schemas.

The limits that depend on settings (texts per request, characters per text) are built into the models, so
the published schema states the same limits the server enforces. Validation is strict (JSON types only:
`"0.5"` is not a number, `null` is not a string) and lists every problem, in JSON terms.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from model.errors import PolicytagError
from model.text import NOT_BLANK_PATTERN
from training.workspace import DEFAULT_TOLERANCE

DOMAIN_ID_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
# The store's limit per labelled text (training.data.store.MAX_TEXT_CHARS; a test keeps them equal). Not imported:
# the store module is kept out of `policytag --help`'s imports.
EXAMPLE_MAX_CHARS = 20_000


def _valid_unicode(value: str) -> str:
    # JSON allows "\ud800" escapes; such text cannot be stored, logged or returned as UTF-8.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError("surrogate", "has unpaired surrogate characters (\\ud800-\\udfff); "
                                               "send valid Unicode text") from None
    return value


def _no_default(schema: dict[str, Any]) -> None:
    # A field that may be left out but never sent as null: the schema must not advertise "default": null.
    schema.pop("default", None)


def _optional(**kwargs: Any) -> Any:
    """A field that may be omitted, but when present must have its declared type (null is refused)."""
    return Field(default=None, json_schema_extra=_no_default, **kwargs)


NonBlank = Annotated[str, StringConstraints(pattern=NOT_BLANK_PATTERN), AfterValidator(_valid_unicode)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


@lru_cache(maxsize=8)
def tag_request_model(max_texts: int, max_text_chars: int) -> type[BaseModel]:
    """The POST /v1/tag body model for these limits (cached: one class per setting)."""
    Text = Annotated[str, StringConstraints(max_length=max_text_chars, pattern=NOT_BLANK_PATTERN),
                     AfterValidator(_valid_unicode)]

    class TagRequest(_Strict):
        model_config = ConfigDict(json_schema_extra={"oneOf": [{"required": ["text"]}, {"required": ["texts"]}]})

        text: Text = _optional(description="one text (may hold several paragraphs); send this or texts")
        texts: list[Text] = _optional(min_length=1, max_length=max_texts,
                                      description="several texts, tagged in order; send this or text")
        threshold: float = _optional(gt=0, le=1, allow_inf_nan=False,
                                     description="one threshold for every domain instead of the model's own")
        explain: bool = Field(False, description="add the terms behind each tag")

        @model_validator(mode="after")
        def _exactly_one(self) -> TagRequest:
            if (self.text is None) == (self.texts is None):
                raise PydanticCustomError("one_of", 'send exactly one of "text" or "texts", e.g. '
                                                    '{"text": "加快关键核心技术攻关。"} or {"texts": ["...", "..."]}')
            return self

    return TagRequest


@lru_cache(maxsize=32)
def examples_request_model(domains: tuple[str, ...] = ()) -> type[BaseModel]:
    """The POST /v1/examples body model; labels must be one of `domains` (any string when empty).

    The known domains change at run time (POST /v1/domains), so the model, and the published schema's enum,
    are built from the taxonomy of the moment.
    """
    label: Any = Literal[domains] if domains else str

    class ExampleItem(_Strict):
        text: Annotated[str, StringConstraints(max_length=EXAMPLE_MAX_CHARS, pattern=NOT_BLANK_PATTERN),
                        AfterValidator(_valid_unicode)]
        labels: list[label] = Field(
            description="domain ids; [] marks a paragraph about none of the domains")

    class ExamplesRequest(_Strict):
        examples: list[ExampleItem] = Field(min_length=1)

    return ExamplesRequest


class TrainRequest(_Strict):
    force: bool = Field(False, description="promote even if the gate would keep the new model as a candidate")
    tolerance: float = Field(DEFAULT_TOLERANCE, ge=0, le=1, allow_inf_nan=False,
                             description="how far below the current model's macro-F1 the new one may score")


class DomainRequest(_Strict):
    id: Annotated[str, StringConstraints(pattern=DOMAIN_ID_PATTERN)] = Field(
        description="lower-case letters, digits or _, starting with a letter")
    name_zh: NonBlank
    name_en: NonBlank
    keywords: list[NonBlank] = Field(description="heading keywords that map a heading to this domain ([] for none)")


# -- error messages a JSON user understands --------------------------------------------------------------

def json_type(value: object) -> str:
    """The JSON name of a parsed value's type: null, boolean, number, string, array, object."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    return "object"


def _shown(value: object) -> str:
    """A short JSON rendering of a bad value for a message."""
    if isinstance(value, (dict, list)):
        return json_type(value)
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + '..."'


# Hints for fields whose type alone does not say what is accepted.
_EXPECTED = {
    "threshold": "a number in (0, 1] (leave it out to use the model's per-domain thresholds)",
    "tolerance": "a number in [0, 1]",
    "explain": "true or false",
    "force": "true or false",
    "id": "lower-case letters, digits or _ starting with a letter (at most 40)",
}


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _message(error: dict[str, Any], model: type[BaseModel]) -> str:
    kind, loc, value, ctx = error["type"], tuple(error["loc"]), error.get("input"), error.get("ctx") or {}
    where = _where(loc)
    field = next((p for p in reversed(loc) if isinstance(p, str)), "")
    if kind == "extra_forbidden":
        parent = _where(loc[:-1])
        accepted = ", ".join(sorted(_fields_at(model, loc[:-1])))
        return f"{parent + ': ' if parent else ''}unknown field {loc[-1]!r}; accepted: {accepted}"
    if kind == "missing":
        return f"{where}: missing (required)"
    if kind == "string_unicode":  # a lone surrogate escape such as "\ud800" (pydantic refuses it itself)
        return f"{where}: has unpaired surrogate characters (\\ud800-\\udfff); send valid Unicode text"
    if kind == "literal_error" and isinstance(value, str):  # a label that is not a known domain
        known = ", ".join(sorted(re.findall(r"'([^']*)'", str(ctx.get("expected", "")))))
        return f"{where}: unknown domain {value!r}; known: {known}"
    if kind in ("one_of", "surrogate"):
        return f"{where}: {error['msg']}" if where else error["msg"]
    if field in _EXPECTED and not isinstance(loc[-1], int):
        return f"{where}: must be {_EXPECTED[field]}, got {_shown(value)}"
    if kind == "string_pattern_mismatch":
        return f"{where}: is empty; send some text"
    if kind == "string_too_long":
        return (f"{where}: has {len(str(value))} characters, over the limit of {ctx['max_length']}; "
                "split it into several texts")
    if kind == "too_short":
        return f"{where}: must be a non-empty list"
    if kind == "too_long":
        return (f"{where}: has {ctx.get('actual_length')} items, over the limit of {ctx['max_length']}; "
                "send several requests")
    expected = {"string_type": "a string", "list_type": "a list", "bool_type": "true or false",
                "float_type": "a number", "model_type": "an object", "dict_type": "an object"}.get(kind)
    if expected:
        return f"{where}: must be {expected}, got {_shown(value) if kind == 'bool_type' else json_type(value)}"
    return f"{where}: {error['msg']}"


def _fields_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """Field names of the (nested) model at `loc`, for "accepted:" hints."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        annotation = current.model_fields[part].annotation
        args = getattr(annotation, "__args__", ())
        current = args[0] if args and isinstance(args[0], type) and issubclass(args[0], BaseModel) else annotation
    return list(current.model_fields) if isinstance(current, type) and issubclass(current, BaseModel) else []


class RequestInvalid(PolicytagError, ValueError):
    """A request body broke its schema; `problems` has one message per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def validate(model: type[BaseModel], body: object) -> Any:
    """`body` as an instance of `model`; RequestInvalid listing every problem otherwise."""
    try:
        return model.model_validate(body)
    except PydanticValidationError as exc:
        raise RequestInvalid([_message(dict(e), model) for e in exc.errors(include_url=False)]) from None
