"""Document rows that count: per domain the paragraphs, characters and share of the tagged text, and document tags
by a minimum share, the same in `policytag tag --doc-summary` (JSONL and CSV) and the API."""
from __future__ import annotations

import csv
import io
import json

import pytest

from model.composition import Composer, ShareError, check_min_share, compose
from model.tagging import Tagged, summarize_document
from tests.test_api import conforms
from tests.test_corpus import rows_of, tag

INNOVATION = ["加快关键核心技术攻关，推动科技成果转化，培育壮大高新技术企业。",
              "强化企业科技创新主体地位，支持领军企业牵头组建创新联合体，加大基础研究投入。",
              "建设一批概念验证中心和中试基地，促进高校院所的科技成果在本地转化和产业化。",
              "实施关键核心技术攻关工程，在集成电路、人工智能、生物医药等领域取得一批突破。",
              "完善科技人才评价体系，赋予科研人员更大技术路线决定权和经费使用权。",
              "加快建设全国重要的科技创新策源地，布局建设一批重点实验室和新型研发机构。"]
# One sentence about shopping in an article about technology: before, it made the article a consumption document.
SHOPPING = "扩大服务消费，推动消费品以旧换新。"
ARTICLE = "\n".join([*INNOVATION, SHOPPING])


def tagged(text: str, *domains: str) -> Tagged:
    return Tagged(text, {"innovation": 0.9 if "innovation" in domains else 0.1,
                         "consumption": 0.8 if "consumption" in domains else 0.05}, [(d, 0.9) for d in domains])


def test_shares_are_characters_of_the_tagged_text():
    composition = compose(["innovation", "consumption"],
                          [("甲" * 300, ["innovation"]), ("乙" * 100, ["innovation", "consumption"]),
                           ("丙" * 600, [])])
    assert (composition.paragraphs, composition.characters) == (3, 1000)
    assert (composition.tagged_paragraphs, composition.tagged_characters) == (2, 400)
    assert composition.domains["innovation"].to_dict() == {"paragraphs": 2, "characters": 400, "share": 1.0}
    assert composition.domains["consumption"].to_dict() == {"paragraphs": 1, "characters": 100, "share": 0.25}
    assert composition.tags(0.3) == ["innovation"] and composition.tags(0.25) == ["innovation", "consumption"]


def test_a_document_with_nothing_tagged_has_no_tags_and_zero_shares():
    composition = compose(["rural"], [("全面加强国防和军队建设。", [])])
    assert composition.tags(0.0) == [] and composition.domains["rural"].share == 0.0


def test_a_domain_the_model_does_not_list_is_counted_after_the_others():
    composer = Composer(["innovation"])
    composer.add(10, ["ecology"])
    assert list(composer.result().domains) == ["innovation", "ecology"]


@pytest.mark.parametrize("bad", [-0.1, 1.5, "0.1", True, float("nan")])
def test_the_minimum_share_must_be_a_number_in_0_1(bad):
    with pytest.raises(ShareError, match=r"\[0, 1\]"):
        check_min_share(bad)


def test_one_passing_sentence_no_longer_makes_the_document_about_its_domain():
    paragraphs = [tagged(t, "innovation") for t in INNOVATION] + [tagged(SHOPPING, "consumption")]
    document = summarize_document(["innovation", "consumption"], paragraphs)
    assert [d for d, _ in document.tags] == ["innovation"]  # consumption: 17 of 236 tagged characters < 10%
    assert document.composition.domains["consumption"].share == round(len(SHOPPING) / len("".join(
        [*INNOVATION, SHOPPING])), 4)
    assert document.scores["consumption"] == 0.8  # the best paragraph's score is still there
    every = summarize_document(["innovation", "consumption"], paragraphs, min_share=0.0)
    assert [d for d, _ in every.tags] == ["innovation", "consumption"]  # the old rule, on request


def test_doc_summary_rows_carry_the_composition_and_min_share_is_settable(runner, home, tmp_path):
    doc = tmp_path / "article.md"
    doc.write_text(ARTICLE.replace("\n", "\n\n") + "\n", encoding="utf-8")
    result = tag(runner, home, doc, "--doc-summary", "-j", 1)
    assert result.exit_code == 0, result.output
    rows = rows_of(result.stdout)
    paragraphs, document = rows[:-1], rows[-1]
    assert document["kind"] == "document" and document["paragraphs"] == len(paragraphs) == 7
    composition = document["composition"]
    tagged_chars = sum(len(p["text"]) for p in paragraphs if p["tags"])
    assert composition["tagged_characters"] == tagged_chars
    for domain, cell in composition["domains"].items():
        mine = [p for p in paragraphs if domain in [t["domain"] for t in p["tags"]]]
        assert cell["paragraphs"] == len(mine) and cell["characters"] == sum(len(p["text"]) for p in mine)
        assert cell["share"] == round(cell["characters"] / tagged_chars, 4)
    assert [t["domain"] for t in document["tags"]] == ["innovation"]
    assert document["tags"][0]["share"] == composition["domains"]["innovation"]["share"]
    low = rows_of(tag(runner, home, doc, "--doc-summary", "--min-share", "0", "-j", 1).stdout)[-1]
    assert {t["domain"] for t in low["tags"]} == {d for d, c in composition["domains"].items() if c["paragraphs"]}
    assert len(low["tags"]) >= 2
    bad = tag(runner, home, doc, "--doc-summary", "--min-share", "2")
    assert bad.exit_code == 2 and "--min-share" in bad.stderr


def test_csv_document_rows_have_a_column_per_domain_and_measure(runner, home, tmp_path):
    doc = tmp_path / "article.md"
    doc.write_text(ARTICLE.replace("\n", "\n\n") + "\n", encoding="utf-8")
    out = tmp_path / "rows.csv"
    assert tag(runner, home, doc, "--doc-summary", "--format", "csv", "-o", out, "-j", 1).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    document = rows[-1]
    assert document["kind"] == "document" and document["tags"] == "innovation"
    assert float(document["share_innovation"]) > 0.8 and 0 < float(document["share_consumption"]) < 0.1
    assert int(document["paragraphs_innovation"]) == 6 and int(document["tagged_paragraphs"]) == 7
    assert all(r["share_innovation"] == "" for r in rows[:-1])  # paragraph rows leave them empty


def test_the_api_document_result_has_the_same_fields(client):
    body = client.post("/v1/tag", json={"text": ARTICLE}).get_json()
    conforms(body, "TagResponse")
    result = body["results"][0]
    composition = result["composition"]
    assert composition["paragraphs"] == len(result["paragraphs"]) == 7
    assert [t["domain"] for t in result["tags"]] == ["innovation"]
    assert result["tags"][0]["share"] == composition["domains"]["innovation"]["share"]
    assert composition["domains"]["consumption"]["paragraphs"] >= 1


def test_the_cli_document_row_and_the_api_agree(runner, home, tmp_path, client):
    doc = tmp_path / "article.txt"
    doc.write_text(ARTICLE + "\n", encoding="utf-8")
    row = rows_of(tag(runner, home, doc, "--doc-summary", "-j", 1).stdout)[-1]
    api = client.post("/v1/tag", json={"text": ARTICLE}).get_json()["results"][0]
    assert row["composition"] == api["composition"]
    assert [(t["domain"], t["score"], t["share"]) for t in row["tags"]] == [
        (t["domain"], t["score"], t["share"]) for t in api["tags"]]
    assert json.dumps(row["scores"]) == json.dumps(api["scores"])
