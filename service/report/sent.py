"""The analysis of documents sent as their tagged paragraphs' lengths and tags (POST /v1/report, the page's Corpus
tab): what `policytag report` draws from tag output, with its charts and tidy table as JSON."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from model.composition import Composer
from service.budget import OverBudget
from service.report.analysis import DocumentInput, analyse, cooccurrence_of, domain_list
from service.report.charts import data_uri, group_chart
from service.report.groups import Grouping
from service.schemas import MAX_REPORT_TOTAL_PARAGRAPHS, ReportRequest


def report_of_sent(body: ReportRequest, known_domains: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The report of the documents in `body` as JSON (the analysis, its charts, the tidy table); `known_domains`
    (the served model's) give the domains' order and names. OverBudget over the paragraph limit, ReportError
    for a group field no document has."""
    total = sum(len(d.paragraphs) for d in body.documents)
    if total > MAX_REPORT_TOTAL_PARAGRAPHS:
        raise OverBudget(f"the documents hold {total} paragraphs, over the limit of {MAX_REPORT_TOTAL_PARAGRAPHS} "
                         "per report; for a corpus this large run `policytag report` on the tag output")
    seen = list(dict.fromkeys(t for d in body.documents for p in d.paragraphs for t in p.tags))
    domains = domain_list(seen, known_domains)
    ids = [d["id"] for d in domains]
    documents = []
    for d in body.documents:
        composer = Composer(ids)
        for p in d.paragraphs:
            composer.add(p.characters, p.tags)
        documents.append(DocumentInput(d.source, d.record, dict(d.meta or {}), composer.result()))
    report = analyse(documents, domains, Grouping.build(tuple(body.group_by)), body.min_share,
                     cooccurrence=cooccurrence_of((p.tags for d in body.documents for p in d.paragraphs), ids),
                     paragraphs=total)
    columns, rows = report.tidy()
    charts = {f: data_uri(group_chart(f, report.groups[f], report.domains)) for f in report.fields}
    return {**report.to_dict(), "charts": charts, "tidy": {"columns": columns, "rows": rows}}
