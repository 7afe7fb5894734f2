"""`policytag report` and POST /v1/report: a collection of tagged documents as numbers an analyst can trust
(shares by the document rule, groups, co-occurrence, terms) and as an HTML page and a tidy CSV."""
from __future__ import annotations

import base64
import csv
import importlib.util
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

from service.cli import main
from service.report.analysis import characteristic_terms, cluster_order, display_names
from service.report.collect import Collector
from service.report.errors import ReportError
from service.report.groups import NO_VALUE, Grouping, natural_key
from tests.conftest import ROOT
from tests.test_api import assert_error, conforms
from tests.test_corpus import rows_of

PATTERN = r"(?P<year>\d{4})年(?P<region>...)"


def corpus_module():
    spec = importlib.util.spec_from_file_location("bench_corpus", ROOT / "benchmarks" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    """Six work reports (2 regions x 3 years; two of them .docx) written by benchmarks/corpus.py."""
    folder = tmp_path_factory.mktemp("reports")
    corpus_module().write_corpus(folder, regions=2, years=range(2021, 2024), paragraphs=12)
    return folder


def cli(runner, home, *args):
    return runner.invoke(main, [*map(str, args), "--home", str(home)])


# -- groups, orders, terms -------------------------------------------------------------------------------------
def test_group_values_come_from_the_name_pattern_then_the_record_fields():
    grouping = Grouping.build(("year", "region", "dept"), PATTERN)
    assert grouping.values("in/2024年江川省政府工作报告.md", {"dept": "发改委"}) == {
        "year": "2024", "region": "江川省", "dept": "发改委"}
    assert grouping.values(r"C:\docs\summary.docx", {}) == {"year": NO_VALUE, "region": NO_VALUE, "dept": NO_VALUE}
    assert Grouping.build((), PATTERN).fields == ("year", "region")  # the pattern's named groups by default


@pytest.mark.parametrize("group_by, pattern, needle", [
    ((), r"(\d{4}", "is not a regular expression"),
    ((), r"\d{4}年", "has no named group"),
    (("",), None, "a group field is empty"),
])
def test_bad_grouping_is_refused_with_the_fix(group_by, pattern, needle):
    with pytest.raises(ReportError, match=needle) as found:
        Grouping.build(group_by, pattern)
    assert "(?P<" in str(found.value) or "field" in str(found.value)


def test_natural_order_and_short_names():
    assert sorted(["10", "9", NO_VALUE, "2024"], key=natural_key) == ["9", "10", "2024", NO_VALUE]
    assert display_names(["/srv/in/a.md", "/srv/in/sub/b.md"]) == ["a.md", "sub/b.md"]
    assert display_names(["a.md", "b.md"]) == ["a.md", "b.md"]


def test_clustering_puts_alike_documents_side_by_side():
    shares = np.array([[0.9, 0.1], [0.1, 0.9], [0.85, 0.15], [0.15, 0.8], [0.95, 0.0]])
    order = cluster_order(shares)
    sides = ["i" if shares[i, 0] > 0.5 else "r" for i in order]
    assert sorted(order) == list(range(5)) and sides in (["i"] * 3 + ["r"] * 2, ["r"] * 2 + ["i"] * 3)


def test_characteristic_terms_are_the_domains_own_words():
    sample = [("扩大服务消费，推动消费品以旧换新。", ("consumption",)), ("提振消费，培育新型消费业态。", ("consumption",)),
              ("发展夜间经济，提振消费，繁荣商圈。", ("consumption",)), ("推进高标准农田建设，促进农民增收。", ("rural",)),
              ("巩固拓展脱贫攻坚成果，促进农民增收。", ("rural",)), ("加强农田水利建设，鼓励农民种粮。", ("rural",)),
              ("全面加强国防和军队建设。", ())] * 2
    terms = characteristic_terms(sample, ["consumption", "rural"])
    assert terms["consumption"][0]["term"] == "消费" and terms["rural"][0]["term"] == "农民"
    assert all(len(t["term"]) >= 2 for found in terms.values() for t in found)


def test_the_collector_counts_cooccurrence_and_keeps_the_best_paragraphs(tmp_path):
    collector = Collector(["innovation", "rural"], examples=2)
    rows = [("科技兴农，推进农业科技创新。", ["innovation", "rural"], 0.9, 0.8),
            ("加快关键核心技术攻关。", ["innovation"], 0.99, 0.01), ("推进高标准农田建设。", ["rural"], 0.1, 0.97),
            ("推动科技成果转化。", ["innovation"], 0.7, 0.02), ("加强国防建设。", [], 0.01, 0.02)]
    for index, (text, tags, i, r) in enumerate(rows):
        collector.add({"source": "a.md", "index": index, "heading": ["一、重点"], "text": text, "model": "v1",
                       "tags": [{"domain": d, "score": {"innovation": i, "rural": r}[d]} for d in tags],
                       "scores": {"innovation": i, "rural": r}})
    assert collector.cooccurrence().tolist() == [[3, 1], [1, 2]]
    (document,) = collector.inputs()
    assert [e["index"] for e in document.examples["innovation"]] == [1, 0]  # the two best scores, best first
    assert document.composition.domains["rural"].paragraphs == 2 and collector.models == {"v1": 5}
    with pytest.raises(ReportError, match="line 9: not a paragraph row"):
        collector.add({"source": "a.md", "tags": []}, "x.jsonl: line 9")


# -- the command ---------------------------------------------------------------------------------------------
def test_report_from_tag_output_writes_html_and_a_tidy_csv_that_agree_with_doc_summary(runner, home, reports,
                                                                                       tmp_path):
    tags = tmp_path / "t.jsonl"
    result = cli(runner, home, "tag", reports, "-o", tags, "--doc-summary", "-j", 1)
    assert result.exit_code == 0, result.output
    html, table = tmp_path / "r.html", tmp_path / "pivot.csv"
    result = cli(runner, home, "report", tags, "--html", html, "--csv", table, "--name-pattern", PATTERN)
    assert result.exit_code == 0, result.output
    assert "6 document(s)" in result.stderr and "groups: year, region" in result.stderr
    rows = list(csv.DictReader(io.StringIO(table.read_text(encoding="utf-8-sig"))))
    assert list(rows[0])[:9] == ["document", "year", "region", "domain", "paragraphs", "characters", "share", "tag",
                                 "document_paragraphs"]
    assert len(rows) == 6 * 3  # every document x every domain, zeros included
    # One rule: the report's numbers are the --doc-summary rows' numbers.
    summaries = {r["source"]: r for r in rows_of(tags.read_text(encoding="utf-8")) if r.get("kind") == "document"}
    for row in rows:
        cell = summaries[row["document"]]["composition"]["domains"][row["domain"]]
        assert (int(row["paragraphs"]), int(row["characters"]), float(row["share"])) == (
            cell["paragraphs"], cell["characters"], cell["share"])
        assert row["tag"] == str(int(row["domain"] in [t["domain"] for t in summaries[row["document"]]["tags"]]))
        assert re.fullmatch(r"202[1-3]", row["year"]) and row["region"] in ("江川省", "云岭市")
    page = html.read_text(encoding="utf-8")
    links = set(re.findall(r'href="#(c\d+-\d+)"', page))
    assert links and links <= set(re.findall(r'id="(c\d+-\d+)"', page))  # every cell opens its paragraphs
    charts = [base64.b64decode(x).decode() for x in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page)]
    assert len(charts) == 2 and all(y in charts[0] for y in ("2021", "2022", "2023"))  # year: a line chart
    assert "江川省" in charts[1] and "科技创新" in page and "特征词" in page


def test_report_straight_from_documents_and_to_stdout(runner, home, reports):
    result = cli(runner, home, "report", reports, "--group-by", "year", "--name-pattern", PATTERN, "-j", 1)
    assert result.exit_code == 0, result.output
    assert "tagging 1 input(s) with model v1 first" in result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 18 and "region" not in rows[0] and {r["year"] for r in rows} == {"2021", "2022", "2023"}


def test_text_from_documents_is_escaped_in_the_page(runner, home, tmp_path):
    tags = tmp_path / "t.jsonl"
    row = {"source": "<img src=x onerror=alert(1)>.md", "index": 0, "heading": ["<b>标题</b>"],
           "text": "<script>alert(1)</script>推动科技成果转化。", "tags": [{"domain": "innovation", "score": 0.9}],
           "scores": {"innovation": 0.9, "rural": 0.01, "consumption": 0.0}, "model": "v1"}
    tags.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    html = tmp_path / "r.html"
    assert cli(runner, home, "report", tags, "--html", html).exit_code == 0
    page = html.read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;b&gt;标题" in page


def test_bad_inputs_get_one_line_naming_the_problem(runner, home, tmp_path):
    broken = tmp_path / "t.jsonl"
    broken.write_text('{"source": "a.md", "text": "推进乡村振兴。", "tags": [], "scores": {}}\nnot json\n',
                      encoding="utf-8")
    result = cli(runner, home, "report", broken)
    assert result.exit_code == 1 and "t.jsonl: line 2: not JSON" in result.stderr
    pattern = cli(runner, home, "report", broken, "--name-pattern", "(?P<year")
    assert pattern.exit_code == 1 and "is not a regular expression" in pattern.stderr
    assert cli(runner, home, "report", broken, "--order", "size").exit_code == 2
    assert cli(runner, home, "report").exit_code == 2  # no input
    missing = cli(runner, home, "report", tmp_path / "nothing.md")
    assert missing.exit_code == 1 and "nothing.md" in missing.stderr


# -- POST /v1/report -----------------------------------------------------------------------------------------
def report_body(**extra):
    documents = [{"source": f"{year}年{region}报告.md", "meta": {"year": str(year), "region": region},
                  "paragraphs": [{"characters": 100, "tags": ["innovation"]},
                                 {"characters": 50 * (year - 2020), "tags": ["rural", "innovation"]},
                                 {"characters": 80, "tags": []}]}
                 for year in (2021, 2022, 2023) for region in ("江川", "云岭")]
    return {"documents": documents, **extra}


def test_api_report_has_shares_groups_charts_and_the_tidy_table(client):
    response = client.post("/v1/report", json=report_body(group_by=["year"]))
    assert response.status_code == 200
    body = response.get_json()
    conforms(body, "ReportResult")
    assert [d["id"] for d in body["domains"]] == ["innovation", "rural", "consumption"]  # the model's domains
    first = body["documents"][0]["composition"]["domains"]
    assert first["innovation"] == {"paragraphs": 2, "characters": 150, "share": 1.0}
    assert first["rural"]["share"] == round(50 / 150, 4)
    assert [g["value"] for g in body["groups"]["year"]] == ["2021", "2022", "2023"]
    assert [g["shares"]["rural"] for g in body["groups"]["year"]] == [round(50 / 150, 4), 0.5, 0.6]
    assert body["cooccurrence"][0][:2] == [12, 6] and sorted(body["orders"]["group"]) == list(range(6))
    assert body["charts"]["year"].startswith("data:image/svg+xml;base64,")
    assert body["tidy"]["columns"][:2] == ["document", "year"] and len(body["tidy"]["rows"]) == 6 * 3


@pytest.mark.parametrize("payload, status, needle", [
    ({"documents": []}, 400, "documents: must be a non-empty list"),
    ({"documents": [{"source": "a.md", "paragraphs": [{"characters": -1, "tags": []}]}]}, 400, "characters"),
    (report_body(min_share=2), 400, "min_share: must be a number in [0, 1]"),
    (report_body(group_by=["year"] * 6), 400, "group_by: has 6 items"),
    ({"documents": [{"source": "a.md", "paragraphs": []}], "extra": 1}, 400, "unknown field 'extra'"),
])
def test_api_report_refuses_bad_bodies_naming_the_problem(client, payload, status, needle):
    assert_error(client.post("/v1/report", json=payload), status, needle)
