"""Reading every format into blocks: docx, PDF, HTML, text encodings, records, failures, radicals, folders."""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from model.cjk_radicals import FOLD_TABLE, RADICAL_SUPPLEMENT, fold_radicals
from model.readers import SUPPORTED_SUFFIXES, Document, ReadError, iter_paths, read_bytes, read_path
from model.text import normalize, parse_blocks
from tests.conftest import SEEDS
from tests.docgen import (
    ACROSS_PAGES,
    CONSUMPTION,
    HEADER,
    INNOVATION,
    RURAL,
    make_docx,
    make_html,
    make_pdf,
    make_scanned_pdf,
)
from tests.text_helpers import paragraphs
from training.data.bootstrap import bootstrap_paths
from training.data.taxonomy import load_taxonomy


def read_one(path: Path, **kwargs) -> Document:
    documents = list(read_path(path, **kwargs))
    assert len(documents) == 1
    return documents[0]


def outline(document: Document) -> list[tuple[str, int, str]]:
    return [(b.kind, b.level, b.text) for b in document.blocks]


def assert_offsets_match(document: Document) -> None:
    for block in document.blocks:
        if not block.joined:
            assert document.text[block.start:block.end] == block.text, block


def test_docx_heading_styles_give_heading_levels(tmp_path):
    document = read_one(make_docx(tmp_path / "report.docx", styled=True))
    assert outline(document) == [
        ("heading", 1, "科技创新引领高质量发展"), ("paragraph", 0, INNOVATION),
        ("heading", 2, "全面推进乡村振兴"), ("paragraph", 0, RURAL),
        ("heading", 2, "提振消费"), ("paragraph", 0, CONSUMPTION)]
    assert document.format == "docx" and document.source.endswith("report.docx")
    assert_offsets_match(document)
    units = document.units()
    assert [b.text for b, _ in units] == [INNOVATION, RURAL, CONSUMPTION]
    assert units[1][1] == ("科技创新引领高质量发展", "全面推进乡村振兴")


def test_docx_normal_style_numbered_headings_and_table_cells(tmp_path):
    document = read_one(make_docx(tmp_path / "plain.docx", styled=False))
    assert outline(document) == [
        ("heading", 10, "一、全面推进乡村振兴"), ("heading", 11, "（一）稳定粮食生产"), ("paragraph", 0, RURAL),
        ("heading", 10, "二、扩大内需"),
        ("paragraph", 0, "重点任务"), ("paragraph", 0, "责任单位"), ("paragraph", 0, CONSUMPTION),  # merged once
        ("paragraph", 0, INNOVATION)]
    assert_offsets_match(document)


def test_pdf_lines_rebuilt_into_paragraphs_and_page_furniture_dropped(tmp_path):
    document = read_one(make_pdf(tmp_path / "report.pdf", pages=3))
    texts = [b.text for b in document.blocks]
    assert texts.count(RURAL) == 3  # wrapped over 3 lines on each page, rebuilt whole
    assert texts.count(ACROSS_PAGES) == 2  # a sentence broken by a page break is mended
    assert [b.joined for b in document.blocks if b.text == ACROSS_PAGES] == [1, 1]
    assert [b.text for b in document.blocks if b.kind == "heading"] == [
        "一、全面推进乡村振兴第1部分", "二、全面推进乡村振兴第2部分", "三、全面推进乡村振兴第3部分"]
    assert HEADER not in document.text and "- 2 -" not in document.text
    assert len(document.blocks) == 8
    assert_offsets_match(document)


def test_scanned_pdf_is_reported_not_tagged(tmp_path):
    with pytest.raises(ReadError, match=r"scan\.pdf: no text layer.*OCR it first"):
        read_one(make_scanned_pdf(tmp_path / "scan.pdf"))


def test_truncated_pdf_is_a_clear_error(tmp_path):
    whole = make_pdf(tmp_path / "whole.pdf").read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(whole[: len(whole) // 3])
    with pytest.raises(ReadError, match=r"cut\.pdf: damaged or truncated PDF"):
        read_one(cut)


def test_pdf_saved_with_a_text_name_is_read_as_pdf_not_as_bytes(tmp_path):
    path = tmp_path / "report.txt"
    path.write_bytes(make_pdf(tmp_path / "r.pdf").read_bytes())
    document = read_one(path)
    assert document.format == "pdf" and "%PDF" not in document.text and RURAL in document.text


@pytest.mark.parametrize("charset", ["utf-8", "gb2312"])
def test_html_main_text_and_headings_without_page_furniture(tmp_path, charset):
    document = read_one(make_html(tmp_path / "page.html", charset))
    assert outline(document) == [
        ("heading", 1, "全面推进乡村振兴"), ("paragraph", 0, RURAL),  # source line break inside Chinese removed
        ("heading", 2, "科技创新"), ("paragraph", 0, INNOVATION), ("paragraph", 0, "第二行内容，另起一段。"),
        ("paragraph", 0, CONSUMPTION)]
    for furniture in ("首页", "门户网站", "版权所有", "var menu", "color"):
        assert furniture not in document.text
    assert_offsets_match(document)


TEXT = "# 乡村振兴\n\n推进高标准农田建设，促进农民持续增收。\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16", "utf-16-be"])
def test_text_encodings(tmp_path, encoding):
    data = TEXT.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path = tmp_path / "doc.md"
    path.write_bytes(data)
    document = read_one(path)
    assert document.text == TEXT
    assert outline(document) == [("heading", 1, "乡村振兴"), ("paragraph", 0, "推进高标准农田建设，促进农民持续增收。")]
    assert_offsets_match(document)


def test_latin1_is_refused_not_read_as_chinese(tmp_path):
    path = tmp_path / "german.txt"
    path.write_bytes("Zürich Straße Köln: Müller und Grüße.".encode("latin-1"))  # GB18030 decodes it as 黵, 遝…
    with pytest.raises(ReadError, match=r"german\.txt: not UTF-8.*Latin-1.*re-save it as UTF-8"):
        read_one(path)


def test_records_carry_their_other_fields_in_meta(tmp_path):
    jsonl = tmp_path / "export.jsonl"
    jsonl.write_text(json.dumps({"id": "a1", "text": RURAL, "year": 2024}, ensure_ascii=False) + "\n\n"
                     + json.dumps({"id": "a2", "text": f"{INNOVATION}\n{CONSUMPTION}"}, ensure_ascii=False) + "\n",
                     encoding="utf-8")
    documents = list(read_path(jsonl))
    assert [(d.record, d.meta) for d in documents] == [(1, {"id": "a1", "year": 2024}), (3, {"id": "a2"})]
    assert [b.text for b in documents[1].blocks] == [INNOVATION, CONSUMPTION]
    table = tmp_path / "export.csv"
    table.write_bytes(f"编号,正文,来源\nx1,{RURAL},省政府\n".encode("utf-8-sig"))
    [row] = read_path(table, text_field="正文")
    assert row.meta == {"编号": "x1", "来源": "省政府"} and row.text == RURAL and row.record == 1
    tsv = tmp_path / "export.tsv"
    tsv.write_text(f"id\ttext\n7\t{INNOVATION}\n", encoding="utf-8")
    assert [(d.meta, d.text) for d in read_path(tsv)] == [({"id": "7"}, INNOVATION)]


def test_missing_text_field_names_the_line_and_the_fields(tmp_path):
    jsonl = tmp_path / "x.jsonl"
    jsonl.write_text('{"id": 1, "text": "推进乡村振兴。"}\n{"id": 2, "body": "没有正文字段。"}\n', encoding="utf-8")
    with pytest.raises(ReadError, match=r"x\.jsonl: line 2 has no field 'text' \(fields: id, body\).*--text-field"):
        list(read_path(jsonl))
    table = tmp_path / "x.csv"
    table.write_text("id,body\n1,推进乡村振兴。\n", encoding="utf-8")
    with pytest.raises(ReadError, match=r"x\.csv: no column 'text'.*\(columns: id, body\).*--text-column"):
        list(read_path(table))


@pytest.mark.parametrize("name", ["empty.txt", "blank.md", "empty.jsonl", "empty.csv", "empty.docx", "empty.pdf"])
def test_empty_file_is_reported_as_empty(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"\n  \n" if name == "blank.md" else b"")
    with pytest.raises(ReadError, match=rf"{name.replace('.', '[.]')}: empty"):
        list(read_path(path))


def test_docx_without_text_is_reported_as_empty(tmp_path):
    import docx

    docx.Document().save(tmp_path / "nothing.docx")
    with pytest.raises(ReadError, match=r"nothing\.docx: empty"):
        list(read_path(tmp_path / "nothing.docx"))


@pytest.mark.parametrize("name, data, reason", [
    ("archive.txt", b"PK\x03\x04\x00\x00\x14\x00binary", "binary"),
    ("fake.docx", b"this is not a zip file", "not a readable .docx"),
    ("old.doc", b"\xd0\xcf\x11\xe0", "unsupported format '.doc'; save it as .docx"),
    ("notes.rtf", b"{\\rtf1}", "unsupported format"),
])
def test_unreadable_files_get_a_one_line_reason(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ReadError, match=rf"{name.replace('.', '[.]')}: .*{reason}") as caught:
        list(read_path(path))
    assert "\n" not in str(caught.value)


def test_missing_file_names_it(tmp_path):
    with pytest.raises(ReadError, match=r"gone\.md: no such file"):
        list(read_path(tmp_path / "gone.md"))


def test_read_bytes_reads_an_upload_by_its_name(tmp_path):
    data = make_docx(tmp_path / "u.docx").read_bytes()
    [document] = read_bytes(data, "upload.docx")
    assert document.source == "upload.docx" and RURAL in document.text


def test_radical_table_matches_the_unicode_data():
    assert len(RADICAL_SUPPLEMENT) == 114
    for radical, ideograph in RADICAL_SUPPLEMENT.items():
        assert unicodedata.name(chr(radical)).startswith("CJK RADICAL ")
        assert unicodedata.name(chr(ideograph)).startswith("CJK UNIFIED IDEOGRAPH-")
        folded = unicodedata.normalize("NFKC", chr(radical))
        assert folded == chr(radical) or folded == chr(ideograph)  # agrees with NFKC where NFKC maps it
    assert all(unicodedata.name(FOLD_TABLE[cp]).startswith("CJK UNIFIED IDEOGRAPH-") for cp in range(0x2F00, 0x2FD6))


def test_radicals_are_folded_in_every_reader_and_in_normalize(tmp_path):
    raw = "全⾯推进乡村振兴，⼈⺠群众看得⻅。"  # U+2FAF 面, U+2F08 人, U+2EA0 民, U+2EC5 见
    assert fold_radicals(raw) == "全面推进乡村振兴，人民群众看得见。"
    assert normalize(raw) == normalize("全面推进乡村振兴，人民群众看得见。")
    path = tmp_path / "pdf-extract.txt"
    path.write_text(raw, encoding="utf-8")
    assert read_one(path).blocks[0].text == "全面推进乡村振兴，人民群众看得见。"


def test_title_line_is_not_glued_onto_the_first_paragraph():
    text = "全面推进乡村振兴\n\n全面推进乡村振兴，坚持农业农村优先发展。\n\n第一段在分页处被截断，全\n\n力推进后续工作。"
    blocks = parse_blocks(text)
    assert [(b.kind, b.text) for b in blocks] == [
        ("heading", "全面推进乡村振兴"), ("paragraph", "全面推进乡村振兴，坚持农业农村优先发展。"),
        ("paragraph", "第一段在分页处被截断，全力推进后续工作。")]
    assert paragraphs(text) == ["全面推进乡村振兴，坚持农业农村优先发展。", "第一段在分页处被截断，全力推进后续工作。"]
    assert text[blocks[2].start:blocks[2].end] == "第一段在分页处被截断，全\n\n力推进后续工作。"


def test_iter_paths_is_recursive_sorted_filtered_and_keeps_given_files(tmp_path):
    for name in ("b/2.docx", "b/1.pdf", "a.md", ".hidden/x.md", "b/~$lock.docx", "c/skip.png", "z.jsonl"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_paths([tmp_path])]
    assert found == ["a.md", "b/1.pdf", "b/2.docx", "z.jsonl"]
    assert [p.name for p in iter_paths([tmp_path], glob="*.docx")] == ["2.docx"]
    given = tmp_path / "c" / "skip.png"
    assert list(iter_paths([given, tmp_path / "missing.md"])) == [given, tmp_path / "missing.md"]
    assert set(SUPPORTED_SUFFIXES) >= {".md", ".txt", ".docx", ".pdf", ".html", ".htm", ".jsonl", ".csv", ".tsv"}


def test_bootstrap_labels_paragraphs_of_a_docx_from_its_headings(tmp_path):
    make_docx(tmp_path / "report.docx", styled=True)
    examples, report = bootstrap_paths([tmp_path], load_taxonomy(SEEDS))
    labels = {e.text: e.labels for e in examples}
    assert labels == {INNOVATION: ("innovation",), RURAL: ("rural",), CONSUMPTION: ("consumption",)}
    assert {e.source for e in examples} == {"report.docx"}
    assert report.paragraphs == 3


def test_docx_chinese_named_heading_styles(tmp_path):
    import docx
    from docx.enum.style import WD_STYLE_TYPE

    document = docx.Document()
    document.styles.add_style("标题 2", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("提振消费", style="标题 2")
    document.add_paragraph(CONSUMPTION)
    document.save(tmp_path / "zh.docx")
    assert outline(read_one(tmp_path / "zh.docx")) == [("heading", 2, "提振消费"), ("paragraph", 0, CONSUMPTION)]


def test_pdf_with_indented_paragraphs_and_a_centred_title(tmp_path):
    from tests.docgen import make_indented_pdf

    full = "推进高标准农田建设，加强农田水利基础设施建设，提高粮食综合生产能力。"  # 34 chars: a full indented line
    rest = "促进农民持续增收，加快建设农业强国，确保国家粮食安全和重要农产品稳定安全"  # 36 chars: a full line
    assert len(full) == 34 and len(rest) == 36
    path = make_indented_pdf(tmp_path / "notice.pdf", [
        ("关于全面推进乡村振兴的实施意见", -1, 16),
        ("各市人民政府，省直各部门：", 0, 12),
        (full, 24, 12), (rest, 0, 12), ("供给。", 0, 12),
        (INNOVATION, 24, 12)])
    document = read_one(path)
    assert outline(document) == [
        ("heading", 9, "关于全面推进乡村振兴的实施意见"), ("paragraph", 0, "各市人民政府，省直各部门："),
        ("paragraph", 0, full + rest + "供给。"),  # the full line ending in "。" does not end the paragraph
        ("paragraph", 0, INNOVATION)]


def test_read_bytes_suffix_override_for_stdin():
    [document] = read_bytes(f"# 标题\n\n{RURAL}\n".encode("gb18030"), "<stdin>", suffix=".txt")
    assert document.source == "<stdin>" and [b.text for b, _ in document.units()] == [RURAL]
    with pytest.raises(ReadError, match=r"<stdin>: unsupported format '\(no suffix\)'"):
        list(read_bytes(b"text", "<stdin>"))


# -- one record parser for tag, examples import and the pool ------------------------------------------------
def test_a_raw_line_separator_inside_a_jsonl_string_is_one_record_for_every_reader():
    from training.data.importing import parse_examples

    text = "促进消费\u2028扩大内需\u0085提振信心。"
    data = (json.dumps({"text": text, "labels": ["consumption"]}, ensure_ascii=False) + "\n").encode("utf-8")
    tagged = list(read_bytes(data, "labels.jsonl"))  # `policytag tag` and the pool read records this way
    imported = parse_examples(data, "labels.jsonl")  # `policytag examples import`
    assert [d.record for d in tagged] == [1] and tagged[0].meta == {"labels": ["consumption"]}
    assert imported == [{"text": text, "labels": ["consumption"], "_line": 1}]


@pytest.mark.parametrize("line, reason", [
    ('{"text": "加快攻关。", "meta": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested more than 64 levels"),
    ('{"text": "加快攻关。", "n": ' + "9" * 100_000 + "}", "a number of 100,000 characters"),
    ('{"text": "加快攻关。", "n": NaN}', "NaN is not a JSON number"),
])
def test_hostile_json_records_are_refused_by_line_in_every_reader(line, reason):
    from training.data.importing import LabelFileError, parse_examples

    data = ('{"text": "第一行。"}\n' + line + "\n").encode()
    with pytest.raises(ReadError, match=f"bad.jsonl: line 2: {reason}"):
        list(read_bytes(data, "bad.jsonl"))
    with pytest.raises(LabelFileError, match=f"bad.jsonl line 2: {reason}"):
        parse_examples(data, "bad.jsonl")


def test_brackets_inside_strings_do_not_count_as_nesting():
    data = json.dumps({"text": "[" * 500 + "加快攻关。" + "{" * 500}, ensure_ascii=False).encode()
    assert list(read_bytes(data, "ok.jsonl"))[0].text.startswith("[[[")


def test_a_folder_is_never_followed_through_links_that_leave_it(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("不应读入的文件。", encoding="utf-8")
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "report.txt").write_text("加快关键核心技术攻关。", encoding="utf-8")
    (folder / "passwd.txt").symlink_to(outside / "secret.txt")
    (folder / "linked_dir").symlink_to(outside, target_is_directory=True)
    (folder / "inside.txt").symlink_to(folder / "report.txt")  # a link that stays inside is read
    assert sorted(p.name for p in iter_paths([folder])) == ["inside.txt", "report.txt"]


def test_a_spreadsheet_export_is_read_past_blank_rows_and_a_spaced_header(tmp_path):
    table = tmp_path / "export.csv"
    table.write_bytes(("\r\n编号 , Text ,来源\r\n"  # a blank line above the header; names in another case, spaced
                       f"x1,{RURAL},省政府\r\n"
                       ",,\r\n"  # the blank row Excel leaves
                       f'x2,"{INNOVATION}\n{CONSUMPTION}",市政府\r\n').encode("utf-8-sig"))
    documents = list(read_path(table))
    assert [(d.record, d.meta) for d in documents] == [(1, {"编号": "x1", "来源": "省政府"}),
                                                      (3, {"编号": "x2", "来源": "市政府"})]
    assert [b.text for b in documents[1].blocks] == [INNOVATION, CONSUMPTION]


def test_a_table_row_problem_names_the_line_its_record_starts_on(tmp_path):
    tsv = tmp_path / "export.tsv"
    tsv.write_text(f'id\ttext\n1\t"{RURAL}\n{CONSUMPTION}"\n2\t"{INNOVATION}\n第二行"\tx\n', encoding="utf-8")
    with pytest.raises(ReadError) as caught:
        list(read_path(tsv))
    assert str(caught.value) == (f"{tsv}: row 2 (line 4) has 3 cells but the header has 2; "
                                 "put text containing tabs in double quotes")
