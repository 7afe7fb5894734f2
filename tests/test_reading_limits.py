"""Documents are read within a budget: inflated size, zip members, pages, characters, time; damaged files are
ReadErrors naming the file, never another exception."""
from __future__ import annotations

import io
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from model.readers import ReadError, ReadLimits, TooLarge, read_bytes
from model.readers.limits import using
from service.app import create_app

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import hostile_files as files  # noqa: E402

SMALL = ReadLimits(members=50, part_bytes=2_000_000, total_bytes=4_000_000, pages=20, chars=50_000, seconds=5)


def read(data: bytes, name: str, limits: ReadLimits = SMALL) -> list:
    return list(read_bytes(data, name, limits=limits))


def test_a_docx_that_inflates_too_far_is_refused_before_it_is_inflated():
    bomb = files.docx_inflating(50_000_000)  # ~50 KB on disk
    started = time.monotonic()
    with pytest.raises(TooLarge, match=r"bomb.docx: word/document.xml inflates to \d\d,\d+,\d+ bytes, over the limit of 2,000,000"):
        read(bomb, "bomb.docx")
    assert time.monotonic() - started < 2  # inflating it would take seconds and a gigabyte


def test_zip_members_pages_and_characters_have_limits():
    with pytest.raises(TooLarge, match="members.docx: 53 members"):
        read(files.docx_many_members(50), "members.docx")
    with pytest.raises(TooLarge, match="pages.pdf: 100 pages, over the limit of 20 pages per PDF"):
        read(files.pdf_shared_stream(100), "pages.pdf")
    # The character limit lowered to 5,000 so that reading up to it stays quick (python-docx: ~0.4 ms a paragraph).
    with pytest.raises(TooLarge, match="more than 5,000 characters"):
        read(files.docx_many_paragraphs(40_000), "long.docx", replace(SMALL, chars=5_000))  # 8,800 characters


def test_reading_stops_when_its_time_is_up():
    slow = ReadLimits(pages=5000, seconds=0.2, chars=10**9)
    started = time.monotonic()
    with pytest.raises(TooLarge, match="reading took longer than 0.2 s"):
        read(files.pdf_shared_stream(1000), "pages.pdf", slow)
    assert time.monotonic() - started < 3  # 1,000 such pages take tens of seconds


@pytest.mark.parametrize("builder, name", [
    (files.docx_malformed_xml, "malformed.docx"), (files.docx_bad_content_types, "types.docx"),
    (files.docx_zip_slip, "slip.docx"), (files.docx_entities, "entities.docx"),
])
def test_a_damaged_docx_is_a_read_error_naming_the_file(builder, name):
    try:
        documents = read(builder(), name)
    except ReadError as exc:
        assert str(exc).startswith(f"{name}: ") and "\n" not in str(exc)
    else:  # python-docx leaves entities unexpanded: nothing from /etc/passwd, no billion laughs
        assert "root:" not in documents[0].text and len(documents[0].text) < 1000


def test_limits_in_force_apply_to_readers_that_are_not_told():
    with using(SMALL), pytest.raises(TooLarge):
        list(read_bytes(files.pdf_shared_stream(100), "pages.pdf"))


def test_an_upload_over_a_reading_limit_is_413_naming_it(home):
    client = create_app({"TESTING": True, "HOME": str(home)}).test_client()
    response = client.post("/v1/upload", data={"file": (io.BytesIO(files.docx_inflating(40_000_000)), "bomb.docx")},
                           content_type="multipart/form-data")
    body = response.get_json()
    assert response.status_code == 413 and body["error"].startswith("bomb.docx: word/document.xml inflates")
    response = client.post("/v1/upload", data={"file": (io.BytesIO(files.docx_malformed_xml()), "bad.docx")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and response.get_json()["error"].startswith("bad.docx: ")
