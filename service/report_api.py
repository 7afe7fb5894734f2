"""POST /v1/report: the page's Corpus tab sends its documents' tagged paragraphs (lengths and tags, no text) and
gets back the analysis `policytag report` draws: compositions, orders, group shares and charts, co-occurrence,
the documents that give each domain most, and the tidy table for its CSV export."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, jsonify

from service.auth import read_access
from service.context import served_model
from service.holder import NoModel
from service.report.sent import report_of_sent
from service.request_body import json_body, parsed
from service.schemas import ReportRequest

bp = Blueprint("report", __name__, url_prefix="/v1")
REPORT_EXAMPLE = ('{"documents": [{"source": "2024年报告.md", "meta": {"year": "2024"}, '
                  '"paragraphs": [{"characters": 120, "tags": ["innovation"]}]}], "group_by": ["year"]}')


def _manifest_domains() -> list[Mapping[str, Any]]:
    """The served model's domains (their order and names); none when no model is served yet."""
    try:
        return [dict(d) for d in served_model().manifest.get("domains", [])]
    except NoModel:
        return []


@bp.post("/report")
@read_access
def corpus_report() -> Response:
    """The analysis of the documents sent (see the module docstring); 400 for a bad body or group field."""
    return jsonify(report_of_sent(parsed(ReportRequest, json_body(REPORT_EXAMPLE)), _manifest_domains()))
