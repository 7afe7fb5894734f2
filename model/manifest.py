"""The manifest saved beside every model (`manifest.json`): its typed shape and the one reader.

A TypedDict rather than a class: the manifest stays the JSON-ready dict that `policytag train --json` and the
API print, while mypy checks every key the code reads.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from model.errors import ArtifactError

MANIFEST_FILE = "manifest.json"


class DomainEntry(TypedDict, total=False):
    id: str
    name_zh: str
    name_en: str
    keywords: list[str]  # the taxonomy's keywords when the model was trained (keyword search beside it in eval)


class Promotion(TypedDict, total=False):
    promoted: bool
    reason: str
    challenger_macro_f1: float | None  # on the labels it was judged on (`judged_on`)
    champion_macro_f1: float | None
    judged_on: str  # "trusted": labels people gave; "all": every label, bootstrapped ones included
    challenger_cv_macro_f1: float  # on every label, for comparison
    champion_cv_macro_f1: float
    tolerance: float
    changed_paragraphs: int
    of_paragraphs: int
    champion_version: str | None


class Manifest(TypedDict, total=False):
    version: str
    created: str
    domains: list[DomainEntry]
    thresholds: dict[str, float]
    training: dict[str, Any]  # paragraph counts per domain and source, items, sha256 of the data
    training_keys: list[str]  # the paragraphs it learned from (the gate refits its recipe on them)
    metrics: dict[str, Any]  # cross-validated per-domain and averaged scores
    champion_metrics: dict[str, Any]
    cv_report: dict[str, Any]
    documents: list[str]  # documents trained on beside the seeds folder (`policytag train PATH ...`)
    held_out: dict[str, Any]  # per-paragraph out-of-fold probabilities (classes, keys, proba) for the audit
    params: dict[str, Any]
    train_seconds: float
    seeds: str
    promotion: Promotion
    sha256: str
    libraries: dict[str, str]
    size_bytes: int


class VersionSummary(TypedDict):
    version: str
    current: bool
    created: str | None
    macro_f1: float | None
    domains: list[str]
    paragraphs: int | None
    promotion: Promotion | None
    damaged: bool  # its files fail a check: it cannot be served or promoted
    problem: NotRequired[str]  # what is wrong with a damaged version


def read_manifest(directory: Path) -> Manifest:
    """The manifest in `directory`; ArtifactError (saying to retrain) when it is missing or damaged."""
    path = directory / MANIFEST_FILE
    try:
        manifest: Manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArtifactError(f"{path} is missing; retrain with `policytag train`") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"{path} is damaged ({exc}); retrain with `policytag train`") from None
    if not isinstance(manifest, dict):
        raise ArtifactError(f"{path} is damaged (not a JSON object); retrain with `policytag train`")
    return manifest


def summarize(version: str, manifest: Manifest, current: str | None) -> VersionSummary:
    """What lists of versions show (`policytag models`, GET /v1/models) for the version in folder `version`."""
    return {"version": version, "current": version == current, "created": manifest.get("created"),
            "macro_f1": manifest.get("metrics", {}).get("macro_f1"),
            "domains": [d["id"] for d in manifest.get("domains", [])],
            "paragraphs": manifest.get("training", {}).get("paragraphs"),
            "promotion": manifest.get("promotion"), "damaged": False}


def damaged_summary(version: str, current: str | None, problem: str) -> VersionSummary:
    """The listing entry of a version whose files fail a check: listed (so the others stay visible), marked."""
    return {"version": version, "current": version == current, "created": None, "macro_f1": None, "domains": [],
            "paragraphs": None, "promotion": None, "damaged": True, "problem": problem}
