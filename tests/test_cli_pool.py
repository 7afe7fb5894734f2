"""`policytag pool import|stats` and `policytag audit` through click's runner."""
from __future__ import annotations

import json

import pytest

from service.cli import main
from tests.conftest import SEEDS
from training.data.store import ExampleStore
from training.paths import store_path

DOC = """# 某县2025年工作要点

一、发展县域经济

完善县域商业体系，促进农村消费提质扩容，支持供销社建设乡镇商贸中心。

发展智慧农业，推动数字技术在农村电商和农产品流通中的应用。

二、其他

加快建设体育强国，广泛开展全民健身运动。
"""
LABELLED = "坚持山水林田湖草沙一体化保护和系统治理。"  # in the seeds' curated label file


def stats(runner, home) -> dict:
    result = runner.invoke(main, ["pool", "stats", "--json", "--home", str(home)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_pool_import_documents_and_a_folder_and_stats(runner, home, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "plan.md").write_text(DOC, encoding="utf-8")
    (folder / "notes.txt").write_text(LABELLED + "\n", encoding="utf-8")
    (folder / "image.png").write_bytes(b"\x89PNG")  # not a document: not picked up from a folder
    result = runner.invoke(main, ["pool", "import", str(folder), "--home", str(home), "--seeds", str(SEEDS)])
    assert result.exit_code == 0, result.output
    # The two enumerated sub-headings standing alone are tagged as units, but are nothing to review.
    assert "3 added to the pool, 1 already labelled" in result.stdout
    found = stats(runner, home)
    assert found["pool_size"] == 3
    assert set(found["by_source"]) == {"docs/plan.md"}  # the document's name from its folder on, not a path
    again = runner.invoke(main, ["pool", "import", str(folder), "--home", str(home), "--seeds", str(SEEDS)])
    assert "0 added" in again.stdout and stats(runner, home)["pool_size"] == 3
    text = runner.invoke(main, ["pool", "stats", "--home", str(home)])
    assert "3 paragraph(s) waiting for review" in text.stdout


def test_pool_import_reads_policytag_tag_output(runner, home, tmp_path):
    doc = tmp_path / "plan.md"
    doc.write_text(DOC, encoding="utf-8")
    tagged = tmp_path / "tags.jsonl"
    result = runner.invoke(main, ["tag", str(doc), "-o", str(tagged), "--home", str(home)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["pool", "import", str(tagged), "--home", str(home), "--seeds", str(SEEDS)])
    assert result.exit_code == 0, result.output
    found = stats(runner, home)
    # The tag rows' own source, an absolute path of this machine, is shown as the document's name.
    assert found["pool_size"] == 3 and found["by_source"] == {"plan.md": 3}


def test_an_unreadable_file_is_reported_and_the_others_imported(runner, home, tmp_path):
    good, bad = tmp_path / "good.md", tmp_path / "bad.jsonl"
    good.write_text(DOC, encoding="utf-8")
    bad.write_text('{"text": "推进乡村建设。"}\nnot json\n', encoding="utf-8")
    result = runner.invoke(main, ["pool", "import", str(bad), str(good), "--home", str(home), "--seeds", str(SEEDS)])
    assert result.exit_code == 1
    assert "bad.jsonl: line 2: not valid JSON" in result.stderr and "could not be read" in result.stderr
    assert stats(runner, home)["pool_size"] == 3


@pytest.mark.slow  # the audit cross-validates (once per run: conftest.audited)
def test_audit_lists_a_planted_error_with_the_evidence(runner, audited, audited_home):
    # A --cv 0 model keeps no held-out scores: the first audit (the `audited` fixture's) cross-validated once ...
    assert "cross-validating" in audited.first_run.stderr and json.loads(audited.first_run.stdout)["items"]
    home = audited_home
    ExampleStore(store_path(home)).add([{"text": "加快关键核心技术攻关，推动科技成果转化，培育壮大高新技术企业。",
                                         "labels": ["consumption"]}],
                                       source="user", author=None, known_domains=["innovation", "rural", "consumption"])
    result = runner.invoke(main, ["audit", "--n", "50", "--json", "--home", str(home), "--seeds", str(SEEDS)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    (item,) = [i for i in report["items"] if i["text"].startswith("加快关键核心技术攻关")]
    assert item["labels"] == ["consumption"] and item["suggested"][0] == "innovation"
    assert "cross-validating" not in result.stderr  # ... and cached the held-out scores in the data directory
    # A paragraph labelled after training is out of sample for the served model: no new cross-validation.
    ExampleStore(store_path(home)).add([{"text": "推进高标准农田建设，稳定粮食播种面积。", "labels": ["rural"]}],
                                       source="user", author=None, known_domains=["innovation", "rural", "consumption"])
    text = runner.invoke(main, ["audit", "--n", "50", "--home", str(home), "--seeds", str(SEEDS)])
    assert text.exit_code == 0 and "cross-validating" not in text.stderr
    assert f"{item['id']}  consumption -> innovation" in text.stdout
    assert "innovation: " in text.stdout  # the evidence terms


def test_audit_without_a_model_says_how_to_get_one(runner, tmp_path):
    result = runner.invoke(main, ["audit", "--home", str(tmp_path / "none"), "--seeds", str(SEEDS)])
    assert result.exit_code == 1 and "policytag train" in result.output


def pool_import(runner, home, *paths):
    return runner.invoke(main, ["pool", "import", *map(str, paths), "--home", str(home), "--seeds", str(SEEDS)])


def pool_items(home) -> dict[str, tuple[str, str]]:
    return {i.text: (i.source, i.heading) for i in ExampleStore(store_path(home)).pool_items()}


def test_pool_import_reads_doc_summary_output_with_heading_paths(runner, home, tmp_path):
    doc = tmp_path / "plan.md"
    doc.write_text(DOC, encoding="utf-8")
    tagged = tmp_path / "tags.jsonl"
    result = runner.invoke(main, ["tag", str(doc), "--doc-summary", "-o", str(tagged), "--home", str(home)])
    assert result.exit_code == 0, result.output
    assert '"kind": "document"' in tagged.read_text(encoding="utf-8")
    result = pool_import(runner, home, tagged)
    assert result.exit_code == 0, result.output
    items = pool_items(home)
    assert len(items) == 3  # the paragraph rows (not the sub-headings); the document row carries no text
    heading = items["发展智慧农业，推动数字技术在农村电商和农产品流通中的应用。"][1]
    assert heading == "某县2025年工作要点 / 一、发展县域经济"  # the tag row's list, joined as documents' paths are


def test_a_paragraph_over_the_limit_is_skipped_and_named_and_the_rest_imported(runner, home, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    long = "推进乡村全面振兴，" * 2_400  # 21,600 characters in one paragraph: `policytag tag` takes it
    (folder / "a.jsonl").write_text(json.dumps({"text": long}, ensure_ascii=False) + "\n"
                                    + json.dumps({"text": "健全养老服务体系，发展银发经济。"}, ensure_ascii=False) + "\n",
                                    encoding="utf-8")
    (folder / "b.md").write_text(DOC, encoding="utf-8")
    result = pool_import(runner, home, folder)
    assert result.exit_code == 1
    assert f"{folder / 'a.jsonl'}: line 1 skipped: 'text' is 21,600 characters" in result.stderr
    assert "1 paragraph(s) were skipped" in result.stderr and "1 skipped" in result.stdout
    items = pool_items(home)
    assert "健全养老服务体系，发展银发经济。" in items and len(items) == 4  # a.jsonl's other record + b.md's three
    assert long not in items


def test_a_jsonl_record_that_is_not_tag_output_is_split_into_paragraphs(runner, home, tmp_path):
    record = {"id": "r1", "source": "年度报告", "text": "一、发展县域经济\n\n完善县域商业体系，促进农村消费提质扩容。\n\n"
                                                      "发展智慧农业，推动数字技术在农村电商中的应用。"}
    path = tmp_path / "records.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    result = pool_import(runner, home, path)
    assert result.exit_code == 0, result.output
    items = pool_items(home)
    assert items["完善县域商业体系，促进农村消费提质扩容。"] == ("年度报告", "一、发展县域经济")
    assert items["发展智慧农业，推动数字技术在农村电商中的应用。"] == ("年度报告", "一、发展县域经济")
    assert not any("\n" in text for text in items)  # no item holds the whole record
