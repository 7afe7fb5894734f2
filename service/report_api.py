"""POST /v1/report: the page's Corpus tab sends its documents' tagged paragraphs (lengths and tags, no text) and
gets back the analysis `policytag report` draws: compositions, orders, group shares and charts, co-occurrence,
the documents that give each domain most, and the tidy table for its CSV export."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, jsonify

from model.composition import Composer
from service.auth import read_access
from service.budget import OverBudget
from service.context import served_model
from service.holder import NoModel
from service.report.analysis import DocumentInput, analyse, cooccurrence_of, domain_list
from service.report.charts import data_uri, group_chart
from service.report.groups import Grouping
from service.request_body import json_body, parsed
from service.schemas import ReportRequest

bp = Blueprint("report", __name__, url_prefix="/v1")
REPORT_EXAMPLE = ('{"documents": [{"source": "2024年报告.md", "meta": {"year": "2024"}, '
                  '"paragraphs": [{"characters": 120, "tags": ["innovation"]}]}], "group_by": ["year"]}')
MAX_TOTAL_PARAGRAPHS = 200_000


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
    body = parsed(ReportRequest, json_body(REPORT_EXAMPLE))
    total = sum(len(d.paragraphs) for d in body.documents)
    if total > MAX_TOTAL_PARAGRAPHS:
        raise OverBudget(f"the documents hold {total} paragraphs, over the limit of {MAX_TOTAL_PARAGRAPHS} per "
                            "report; for a corpus this large run `policytag report` on the tag output")
    seen = list(dict.fromkeys(t for d in body.documents for p in d.paragraphs for t in p.tags))
    domains = domain_list(seen, _manifest_domains())
    ids = [d["id"] for d in domains]
    documents = []
    for d in body.documents:
        composer = Composer(ids)
        for p in d.paragraphs:
            composer.add(p.characters, p.tags)
        documents.append(DocumentInput(d.source, d.record, dict(d.meta or {}), composer.result()))
    report = analyse(documents, domains, Grouping.build(tuple(body.group_by)), body.min_share,  # ReportError: 400
                     cooccurrence=cooccurrence_of((p.tags for d in body.documents for p in d.paragraphs), ids),
                     paragraphs=total)
    columns, rows = report.tidy()
    charts = {f: data_uri(group_chart(f, report.groups[f], report.domains)) for f in report.fields}
    return jsonify({**report.to_dict(), "charts": charts, "tidy": {"columns": columns, "rows": rows}})
