"""An uploaded document costs what a /v1/tag request may: the same 413s and 503, and one document per upload."""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from model.readers import DOCUMENT_SUFFIXES, RECORD_SUFFIXES
from service.app import create_app
from tests.test_api import assert_error
from tests.test_curation_api import upload

SENTENCE = "加快关键核心技术攻关，推动科技成果转化。"


@pytest.fixture()
def small(home):
    """An app with a small budget (the one tests/test_budget.py gives /v1/tag), so tests send small files."""
    return create_app({"TESTING": True, "HOME": str(home), "MAX_PARAGRAPHS": 10, "MAX_TOTAL_CHARS": 1000,
                       "MAX_EXPLAIN_PARAGRAPHS": 3}).test_client()


def paragraphs(n: int, sentence: str = SENTENCE) -> bytes:
    return "\n\n".join([sentence] * n).encode()


def test_total_characters_over_the_budget_get_413_worded_as_for_tag(small):
    text = SENTENCE * 20  # 400 characters
    tagged = small.post("/v1/tag", json={"texts": [text] * 3}).get_json()["error"]
    response = upload(small, paragraphs(3, text), "a.txt")
    assert_error(response, 413, "POLICYTAG_MAX_TOTAL_CHARS")
    assert response.get_json()["error"] == tagged  # the text read from the file is counted: 1,200 characters both ways


def test_paragraphs_over_the_budget_get_413(small):
    assert upload(small, paragraphs(10), "a.txt").status_code == 200
    assert_error(upload(small, paragraphs(11), "a.txt"), 413, "POLICYTAG_MAX_PARAGRAPHS")


def test_skipped_lines_count_too_since_they_are_echoed(small):
    bylines = "\n".join(["□作者"] * 11).encode()  # boilerplate only: no paragraph, eleven skipped lines
    assert_error(upload(small, bylines, "a.txt"), 413, "POLICYTAG_MAX_PARAGRAPHS")


def test_explain_is_capped_separately(small):
    assert upload(small, paragraphs(4), "a.txt").status_code == 200
    assert_error(upload(small, paragraphs(4), "a.txt", explain="true"), 413, "POLICYTAG_MAX_EXPLAIN_PARAGRAPHS")
    assert upload(small, paragraphs(3), "a.txt", explain="true").status_code == 200


def test_an_upload_out_of_time_gets_503_json(home):
    client = create_app({"TESTING": True, "HOME": str(home), "REQUEST_TIMEOUT_SECONDS": 1e-9}).test_client()
    assert_error(upload(client, paragraphs(3), "a.txt"), 503, "POLICYTAG_REQUEST_TIMEOUT_SECONDS")


def test_the_reviewers_large_explained_upload_is_refused_quickly(client):
    # A 1.9 MB .txt of 20,000 paragraphs with explain=true is within the upload size but over the request's
    # paragraph budget: refused before any tagging, with a short answer.
    data = paragraphs(20_000, "加快关键核心技术攻关，推动科技成果转化。" + "培育壮大高新技术企业。")
    assert 1_800_000 < len(data) < 2 * 1024 * 1024
    started = time.monotonic()
    response = upload(client, data, "big.txt", explain="true")
    seconds = time.monotonic() - started
    assert_error(response, 413, "POLICYTAG_MAX_")
    assert len(response.get_data()) < 1000 and seconds < 10, seconds  # generous: a shared, busy machine


@pytest.mark.parametrize("name", [f"records{suffix}" for suffix in RECORD_SUFFIXES])
def test_record_files_are_refused_with_the_routes_that_take_records(client, name):
    response = upload(client, b'{"text": "' + SENTENCE.encode() + b'"}\n', name)
    assert_error(response, 415, "/v1/tag", "policytag tag")
    assert "--text" not in response.get_json()["error"]


def test_every_document_type_the_description_lists_is_read(client):
    description = client.get("/v1/openapi.json").get_json()["components"]["schemas"]["Upload"]["properties"]["file"]
    for suffix in DOCUMENT_SUFFIXES:
        assert suffix in description["description"]
    for suffix in (".txt", ".md", ".markdown", ".htm", ".html"):
        text = f"<p>{SENTENCE}</p>" if suffix.startswith(".htm") else SENTENCE
        response = upload(client, text.encode(), f"a{suffix}")
        assert response.status_code == 200, (suffix, response.get_json())
        assert response.get_json()["results"][0]["paragraphs"][0]["text"] == SENTENCE


def test_the_page_offers_only_types_the_upload_reads():
    page = (Path(__file__).parents[1] / "service" / "page_assets" / "index.html").read_text(encoding="utf-8")
    (accept,) = re.findall(r'id="file-input"[^>]*accept="([^"]+)"', page)
    assert set(accept.split(",")) <= set(DOCUMENT_SUFFIXES)
