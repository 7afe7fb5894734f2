from __future__ import annotations

import json
from pathlib import Path

import pytest

from model.readers import ReadError, read_bytes
from training.data.importing import LabelFileError, import_file, parse_examples, read_examples
from training.data.pool import read_pool_file
from training.data.store import ExampleStore, ItemsRejected, StoreError

DOMAINS = ("consumption", "innovation", "rural")


def _store(tmp_path: Path) -> ExampleStore:
    return ExampleStore(tmp_path / "examples.db")


def test_jsonl_round_trip_into_store(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    lines = [
        json.dumps({"text": "推动乡村振兴。", "labels": ["rural"]}, ensure_ascii=False),
        "",
        json.dumps({"text": "鼓励创新消费。", "labels": ["innovation", "consumption"], "note": "x"}, ensure_ascii=False),
        "   ",
        json.dumps({"text": "无关段落。", "labels": []}, ensure_ascii=False),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    items = read_examples(path)
    assert items == [
        {"text": "推动乡村振兴。", "labels": ["rural"], "_line": 1},
        {"text": "鼓励创新消费。", "labels": ["innovation", "consumption"], "_line": 3},
        {"text": "无关段落。", "labels": [], "_line": 5},
    ]

    store = _store(tmp_path)
    result = store.add(items, source="import:labels.jsonl", author="alice", known_domains=DOMAINS)
    assert (result.added, result.total) == (3, 3)
    assert [(e["text"], e["labels"]) for e in store.export()] == [
        ("推动乡村振兴。", ["rural"]),
        ("鼓励创新消费。", ["consumption", "innovation"]),
        ("无关段落。", []),
    ]


def test_ndjson_extension_accepted(tmp_path: Path) -> None:
    path = tmp_path / "x.NDJSON"
    path.write_text('{"text": "a", "labels": []}\r\n', encoding="utf-8")
    assert read_examples(path) == [{"text": "a", "labels": [], "_line": 1}]


def test_csv_round_trip_with_pipe_labels_and_empty_cell(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(
        "id,text,labels,comment\r\n"
        "1,\"支持农村消费，扩大内需。\",rural|consumption,ignored\r\n"
        "2,与政策无关的段落,,\r\n"
        "\r\n"
        "3,\"多行\n文本\",innovation | rural |,\r\n"
        ",,,\r\n",
        encoding="utf-8",
    )
    items = read_examples(path)
    assert items == [
        {"text": "支持农村消费，扩大内需。", "labels": ["rural", "consumption"], "_line": 2},
        {"text": "与政策无关的段落", "labels": [], "_line": 3},
        {"text": "多行\n文本", "labels": ["innovation", "rural"], "_line": 5},
    ]

    store = _store(tmp_path)
    result = import_file(store, path, known_domains=DOMAINS, author="bob")
    assert (result.added, result.total) == (3, 3)
    assert [(e.labels, e.source) for e in store.current()] == [
        (("consumption", "rural"), "import:labels.csv"),
        ((), "import:labels.csv"),
        (("innovation", "rural"), "import:labels.csv"),
    ]
    assert store.stats()["negatives"] == 1


def test_utf8_bom_files_are_read(tmp_path: Path) -> None:
    csv_path = tmp_path / "bom.csv"
    csv_path.write_bytes("text,labels\n促进消费,consumption\n".encode("utf-8-sig"))
    # Without BOM handling the first header would be '\ufefftext' and be "missing".
    assert read_examples(csv_path) == [{"text": "促进消费", "labels": ["consumption"], "_line": 2}]

    jsonl_path = tmp_path / "bom.jsonl"
    jsonl_path.write_bytes('{"text": "促进消费", "labels": []}\n'.encode("utf-8-sig"))
    assert read_examples(jsonl_path) == [{"text": "促进消费", "labels": [], "_line": 1}]


def test_gb18030_files_are_read(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    data = "text,labels\n全面推进乡村振兴，加快农业农村现代化。,rural\n".encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # make sure the fallback is what is being tested
    path.write_bytes(data)
    assert read_examples(path) == [
        {"text": "全面推进乡村振兴，加快农业农村现代化。", "labels": ["rural"], "_line": 2}
    ]


def test_undecodable_file_names_the_file(tmp_path: Path) -> None:
    data = b"\xff\xfe\x00\xd8\x00" * 10 + b"\x80\x81\xff"
    for encoding in ("utf-8", "utf-8-sig", "gb18030"):
        with pytest.raises(UnicodeDecodeError):
            data.decode(encoding)
    path = tmp_path / "broken.jsonl"
    path.write_bytes(data)
    with pytest.raises(LabelFileError) as info:
        read_examples(path)
    message = str(info.value)
    assert "broken.jsonl" in message
    assert "re-save it as UTF-8" in message
    assert not isinstance(info.value, StoreError)  # the file is bad, not the store


def test_unknown_extension_lists_accepted_ones(tmp_path: Path) -> None:
    path = tmp_path / "labels.xlsx"
    path.write_bytes(b"")
    with pytest.raises(LabelFileError, match=r"labels\.xlsx.*\.jsonl, \.ndjson, \.csv"):
        read_examples(path)


def test_jsonl_problems_are_all_reported_with_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "foo.jsonl"
    path.write_text(
        '{"text": "ok", "labels": []}\n'
        '["not", "an", "object"]\n'
        "\n"
        "{not json\n"
        '{"text": "also ok", "labels": ["rural"]}\n'
        "}\n",
        encoding="utf-8",
    )
    with pytest.raises(LabelFileError) as info:
        read_examples(path)
    problems = info.value.problems
    assert len(problems) == 3
    assert problems[0].startswith("foo.jsonl line 2: expected an object")
    assert problems[0].endswith("got array")
    assert problems[1].startswith("foo.jsonl line 4: not valid JSON (")
    assert problems[2] == "foo.jsonl line 6: not valid JSON (Expecting value)"
    assert str(info.value) == "; ".join(problems)


def test_csv_missing_column_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("text,label\nsome text,rural\n", encoding="utf-8")
    with pytest.raises(LabelFileError, match=r"bad\.csv line 1: missing column 'labels'"):
        read_examples(path)


def test_csv_row_problems_are_all_reported(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(
        "text,labels\n"
        "支持消费,扩大内需,consumption\n"  # unquoted comma splits the text
        "ok,rural\n"
        "only text\n",
        encoding="utf-8",
    )
    with pytest.raises(LabelFileError) as info:
        read_examples(path)
    assert [p.split(":")[0] for p in info.value.problems] == ["rows.csv line 2", "rows.csv line 4"]
    assert "double quotes" in info.value.problems[0]


def test_store_problems_from_a_file_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "foo.jsonl"
    path.write_text(
        '{"text": "ok", "labels": ["rural"]}\n'
        '{"text": "bad", "labels": ["finance"]}\n'
        '{"text": "no labels"}\n',
        encoding="utf-8",
    )
    store = _store(tmp_path)
    with pytest.raises(ItemsRejected) as info:
        import_file(store, path, known_domains=DOMAINS, author=None)
    assert info.value.problems[0] == (
        "foo.jsonl line 2: unknown domain 'finance'; known: consumption, innovation, rural"
    )
    assert info.value.problems[1].startswith("foo.jsonl line 3: missing 'labels'")
    assert store.count() == 0


def test_parse_examples_from_bytes() -> None:
    items = parse_examples("text,labels\n甲,rural\n".encode(), "upload.csv")
    assert items == [{"text": "甲", "labels": ["rural"], "_line": 2}]


# One table parser for `policytag tag` (model.readers) and label import: the same rows, lines and refusals.

_EXCEL_TABLE = (
    "\ufeff Text ,labels\r\n"  # Excel's BOM; a header name in another case, with spaces around it
    "推进高标准农田建设。,rural\r\n"
    '"支持企业加大研发投入。\n推动科技成果转化。",innovation｜consumption\r\n'  # a cell over two lines; a full-width bar
    ",\r\n"  # the blank row Excel leaves
    "\r\n"
    "扩大汽车和家电消费。,consumption\r\n"
)


def _tag_rows(data: bytes, name: str) -> list:
    """The records `policytag tag` reads from a file."""
    return list(read_bytes(data, name))


def test_a_table_reads_the_same_rows_for_tagging_and_for_label_import() -> None:
    data = _EXCEL_TABLE.encode("utf-8")
    documents = _tag_rows(data, "labels.csv")
    items = parse_examples(data, "labels.csv")
    assert [d.text for d in documents] == [item["text"] for item in items] == [
        "推进高标准农田建设。", "支持企业加大研发投入。\n推动科技成果转化。", "扩大汽车和家电消费。"]
    assert [item["_line"] for item in items] == [2, 3, 7]  # the line each record starts on
    assert [d.record for d in documents] == [1, 2, 5]  # rows after the header, as a spreadsheet counts them
    assert [item["labels"] for item in items] == [["rural"], ["innovation", "consumption"], ["consumption"]]
    assert documents[1].meta == {"labels": "innovation｜consumption"}
    # A broken row after the two-line cell: both name the line it starts on.
    broken = (_EXCEL_TABLE + '"增加农民收入，\n促进消费",rural,extra\r\n').encode("utf-8")
    with pytest.raises(LabelFileError) as label_error:
        parse_examples(broken, "labels.csv")
    with pytest.raises(ReadError) as read_error:
        _tag_rows(broken, "labels.csv")
    assert label_error.value.problems == [
        "labels.csv line 8: row has 3 cells but the header has 2; put text containing commas in double quotes"]
    assert str(read_error.value) == ("labels.csv: row 6 (line 8) has 3 cells but the header has 2; "
                                     "put text containing commas in double quotes")
    # The review pool's import reads the same rows (split into paragraphs) and refuses the same way.
    rows, problems = read_pool_file(data, "labels.csv")
    assert [text for text, _, _ in rows] == ["推进高标准农田建设。", "支持企业加大研发投入。", "推动科技成果转化。",
                                           "扩大汽车和家电消费。"] and problems == []
    with pytest.raises(ReadError, match=r"^labels\.csv: row 6 \(line 8\) has 3 cells"):
        read_pool_file(broken, "labels.csv")


_SWALLOWED = ("a cell of the record that starts on this line runs past 131,072 characters; close its quotes (a quote "
              "left open takes in every row after it), or save a text that long as .txt")
_UNCLOSED = "text,labels\n甲,rural\n\"乙,rural\n" + "丙丁戊己庚辛壬癸,rural\n" * 20_000  # the quote swallows the rest


@pytest.mark.parametrize("content, label_problem, read_error", [
    ("", "t.csv: empty (no header row); the first row names the columns: text and labels",
     "t.csv: empty (no header row); the first row names the columns"),
    ("\r\n,,\r\n", "t.csv: empty (no header row); the first row names the columns: text and labels",
     "t.csv: empty (no header row); the first row names the columns"),
    ('text,labels\n"甲\n乙",rural,x\n', "t.csv line 2: row has 3 cells but the header has 2; put text containing "
     "commas in double quotes", "t.csv: row 1 (line 2) has 3 cells but the header has 2; put text containing "
     "commas in double quotes"),
    ("labels,text\nrural,甲\n\nrural\n", "t.csv line 4: row has no 'text' cell (only 1 of the header's 2); put text "
     "that spans lines in double quotes", "t.csv: row 3 (line 4) has no 'text' cell (only 1 of the header's 2); put "
     "text that spans lines in double quotes"),
    ("Text,labels,TEXT\n甲,rural,乙\n", "t.csv line 1: the header names 'Text' (column 1) and 'TEXT' (column 3); "
     "which one is 'text'? rename the others", "t.csv: line 1: the header names 'Text' (column 1) and 'TEXT' "
     "(column 3); which one is 'text'? rename the others"),
    (_UNCLOSED, f"t.csv line 3: {_SWALLOWED}", f"t.csv: line 3: {_SWALLOWED}"),
], ids=["empty", "blank-rows-only", "more-cells", "missing-cell", "ambiguous-column", "unclosed-quote"])
def test_a_bad_table_is_refused_alike_by_tagging_and_label_import(content: str, label_problem: str,
                                                                  read_error: str) -> None:
    data = content.encode("utf-8")
    with pytest.raises(LabelFileError) as caught:
        parse_examples(data, "t.csv")
    assert caught.value.problems == [label_problem]
    with pytest.raises(ReadError) as refused:
        _tag_rows(data, "t.csv")
    assert str(refused.value) == read_error


def test_label_import_lists_every_bad_row_after_a_good_one(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text('text,labels\n"甲\n乙",rural,x\n丙,rural\n丁\n', encoding="utf-8")
    with pytest.raises(LabelFileError) as info:
        read_examples(path)
    assert [p.split(":")[0] for p in info.value.problems] == ["rows.csv line 2", "rows.csv line 5"]
    assert info.value.problems[1].endswith("write an empty labels cell (e.g. 'some text,') for a text about none "
                                           "of the domains")
    assert info.value.items == [{"text": "丙", "labels": ["rural"], "_line": 4}]
