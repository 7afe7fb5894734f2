"""Request bodies as pydantic models: the one source of both their validation and their OpenAPI schemas.

The limits that depend on settings (texts per request, characters per text) are built into the models, so
the published schema states the same limits the server enforces. Validation is strict (JSON types only:
`"0.5"` is not a number, `null` is not a string) and lists every problem, in JSON terms.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from model.composition import DEFAULT_MIN_SHARE, SHARE_AT_LEAST, SHARE_AT_MOST
from model.contract import DOMAIN_ID_PATTERN as _DOMAIN_ID
from model.contract import MAX_EXAMPLE_CHARS, THRESHOLD_ABOVE, THRESHOLD_AT_MOST
from model.errors import PolicytagError
from model.json_names import json_type
from model.text import NOT_BLANK_PATTERN
from training.workspace import DEFAULT_TOLERANCE

DOMAIN_ID_PATTERN = f"^{_DOMAIN_ID}$"


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
    # What a field accepts, for messages where its type alone does not say it ("id: must be <hint>, got 3").
    hints: ClassVar[dict[str, str]] = {}


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
        threshold: float = _optional(gt=THRESHOLD_ABOVE, le=THRESHOLD_AT_MOST, allow_inf_nan=False,
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
        text: Annotated[str, StringConstraints(max_length=MAX_EXAMPLE_CHARS, pattern=NOT_BLANK_PATTERN),
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
    hints: ClassVar[dict[str, str]] = {"id": "lower-case letters, digits or _ starting with a letter (at most 40)"}

    id: Annotated[str, StringConstraints(pattern=DOMAIN_ID_PATTERN)] = Field(
        description="lower-case letters, digits or _, starting with a letter")
    name_zh: NonBlank
    name_en: NonBlank
    keywords: list[NonBlank] = Field(description="heading keywords that map a heading to this domain ([] for none)")


# -- the curator's routes ---------------------------------------------------------------------------------

MAX_BATCH = 100  # items per GET /v1/review or /v1/audit page
POOL_SOURCE_CHARS = 100  # a pool source name is cut to this many characters
POOL_ID_MAX = 2**63 - 1  # pool ids are 64-bit integers in either store backend; a larger one cannot be looked up


@lru_cache(maxsize=8)
def pool_request_model(max_texts: int) -> type[BaseModel]:
    """The JSON body model of POST /v1/pool (at most `max_texts` texts; cached: one class per setting)."""
    Text = Annotated[str, StringConstraints(max_length=MAX_EXAMPLE_CHARS, pattern=NOT_BLANK_PATTERN),
                     AfterValidator(_valid_unicode)]

    class PoolRequest(_Strict):
        hints: ClassVar[dict[str, str]] = {"source": "a non-empty string naming where the texts come from"}

        texts: list[Text] = Field(min_length=1, max_length=max_texts,
                                  description="paragraphs to review, one per item, pooled as they are")
        source: NonBlank = Field("api", description="where the texts come from, shown to reviewers (stripped; "
                                                    f"only the first {POOL_SOURCE_CHARS} characters are kept)")

    return PoolRequest


@lru_cache(maxsize=32)
def review_request_model(domains: tuple[str, ...] = ()) -> type[BaseModel]:
    """The POST /v1/review body model; labels must be one of `domains` (any string when empty), as for
    POST /v1/examples."""
    label: Any = Literal[domains] if domains else str

    class ReviewRequest(_Strict):
        hints: ClassVar[dict[str, str]] = {"id": "the pool item's integer id from GET /v1/review",
                                           "labels": "a list of domain ids ([] = about none of the domains)"}

        id: int = Field(ge=1, le=POOL_ID_MAX, description="the pool item's id from GET /v1/review")
        labels: list[label] = Field(description="domain ids; [] marks a paragraph about none of the domains")

    return ReviewRequest


# -- POST /v1/report (the page's Corpus tab) -----------------------------------------------------------------

MAX_REPORT_DOCUMENTS = 500  # documents per report request: the heatmap's rows, clustered in one go
MAX_REPORT_PARAGRAPHS = 20_000  # paragraphs of one document
MAX_REPORT_TOTAL_PARAGRAPHS = 200_000  # paragraphs of all documents of one report request
MAX_GROUP_FIELDS = 5
_Short = Annotated[str, StringConstraints(max_length=200, pattern=NOT_BLANK_PATTERN), AfterValidator(_valid_unicode)]


class ReportParagraph(_Strict):
    hints: ClassVar[dict[str, str]] = {"characters": "a whole number of characters, 0 or more",
                                       "tags": "a list of domain ids"}

    characters: int = Field(ge=0, le=10_000_000, description="the paragraph's length in characters")
    tags: list[Annotated[str, StringConstraints(max_length=40, pattern=NOT_BLANK_PATTERN)]] = Field(
        max_length=100, description="the paragraph's tags (domain ids); [] when it has none")


class ReportDocument(_Strict):
    hints: ClassVar[dict[str, str]] = {"record": "a line or row number, 1 or more"}

    source: Annotated[str, StringConstraints(max_length=1000, pattern=NOT_BLANK_PATTERN),
                      AfterValidator(_valid_unicode)] = Field(description="the document's file name or path")
    record: int = _optional(ge=1, le=2**31, description="the record's line or row number (record files)")
    meta: dict[_Short, _Short] = _optional(max_length=50, description="group field values, e.g. {\"year\": \"2024\"}")
    paragraphs: list[ReportParagraph] = Field(max_length=MAX_REPORT_PARAGRAPHS,
                                              description="the document's tagged paragraphs, in order")


class ReportRequest(_Strict):
    hints: ClassVar[dict[str, str]] = {"min_share": "a number in [0, 1]"}

    documents: list[ReportDocument] = Field(min_length=1, max_length=MAX_REPORT_DOCUMENTS)
    group_by: list[_Short] = Field([], max_length=MAX_GROUP_FIELDS,
                                   description="meta fields to group the documents by (a chart each)")
    min_share: float = Field(DEFAULT_MIN_SHARE, ge=SHARE_AT_LEAST, le=SHARE_AT_MOST, allow_inf_nan=False,
                             description="a domain is a document's tag with at least this share of its tagged text")


class AuditRequest(_Strict):
    hints: ClassVar[dict[str, str]] = {"id": "an audit item id (a string from GET /v1/audit)",
                                       "action": '"accept" or "keep"'}

    id: Annotated[str, StringConstraints(min_length=1), AfterValidator(_valid_unicode)] = Field(
        description="an item's id from GET /v1/audit")
    action: Literal["accept", "keep"] = Field(
        description="accept: store the model's suggestion; keep: the label is right as it is")


def _whole_number(value: object) -> object:
    # Query values arrive as strings: only plain ASCII digits are a number here (not "1.0", " 5", "²" or "1e3");
    # anything else goes on to the strict check, which refuses it and names it.
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 6:
        return int(value)
    return value


# The form fields of POST /v1/upload (multipart, so strings): what the code accepts and the description states.
UPLOAD_THRESHOLD = r"0?\.[0-9]{0,15}[1-9][0-9]*|1(\.0*)?"  # a decimal in (0, 1] ("" = the model's own)
UPLOAD_EXPLAIN = ("true", "false", "1", "0", "")  # "" = false


class BatchQuery(BaseModel):
    """The query of GET /v1/review and GET /v1/audit (unknown parameters are ignored, as by every GET)."""
    model_config = ConfigDict(strict=True, extra="ignore")
    hints: ClassVar[dict[str, str]] = {"n": f"a whole number from 1 to {MAX_BATCH}"}

    n: Annotated[int, BeforeValidator(_whole_number)] = Field(20, ge=1, le=MAX_BATCH,
                                                              description="how many items to return")


# -- error messages a JSON user understands --------------------------------------------------------------

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
    owner = _model_at(model, loc[:-1])
    hint = {**_EXPECTED, **getattr(owner, "hints", {})}.get(field) if loc and isinstance(loc[-1], str) else None
    if kind == "extra_forbidden":
        parent = _where(loc[:-1])
        accepted = ", ".join(sorted(_fields_at(model, loc[:-1])))
        return f"{parent + ': ' if parent else ''}unknown field {loc[-1]!r}; accepted: {accepted}"
    if kind == "missing":
        return f"{where}: missing (required)"
    if kind == "string_unicode":  # a lone surrogate escape such as "\ud800" (pydantic refuses it itself)
        return f"{where}: has unpaired surrogate characters (\\ud800-\\udfff); send valid Unicode text"
    if hint and kind not in ("one_of", "surrogate"):
        return f"{where}: must be {hint}, got {_shown(value)}"
    if kind == "literal_error" and isinstance(value, str):  # a label that is not a known domain
        known = ", ".join(sorted(re.findall(r"'([^']*)'", str(ctx.get("expected", "")))))
        return f"{where}: unknown domain {value!r}; known: {known}"
    if kind in ("one_of", "surrogate"):
        return f"{where}: {error['msg']}" if where else error["msg"]
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
                "float_type": "a number", "int_type": "an integer", "model_type": "an object",
                "dict_type": "an object"}.get(kind)
    if expected:
        return f"{where}: must be {expected}, got {_shown(value) if kind == 'bool_type' else json_type(value)}"
    return f"{where}: {error['msg']}"


def _model_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The (nested) model at `loc`, or None when `loc` is not an object of a model."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or part not in current.model_fields:
            return None
        annotation = current.model_fields[part].annotation
        args = getattr(annotation, "__args__", ())
        current = args[0] if args and isinstance(args[0], type) and issubclass(args[0], BaseModel) else annotation
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _fields_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """Field names of the (nested) model at `loc`, for "accepted:" hints."""
    owner = _model_at(model, loc)
    return list(owner.model_fields) if owner else []


class RequestInvalid(PolicytagError, ValueError):
    """A request body broke its schema; `problems` has one message per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class WriteInvalid(RequestInvalid):
    """The body of a request that writes broke its schema, so nothing was stored."""


def validate(model: type[BaseModel], body: object) -> Any:
    """`body` as an instance of `model`; RequestInvalid listing every problem otherwise."""
    try:
        return model.model_validate(body)
    except PydanticValidationError as exc:
        raise RequestInvalid([_message(dict(e), model) for e in exc.errors(include_url=False)]) from None
