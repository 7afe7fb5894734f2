"""The cost budget of one tag request: over-budget requests are refused before any tagging, in time."""
from __future__ import annotations

import json
import threading

import pytest

from service.app import create_app
from service.budget import Deadline
from service.turns import Turns, tagging_turn, tagging_turns
from tests.waiting import wait_until

SENTENCE = "加快关键核心技术攻关，推动科技成果转化。"


@pytest.fixture()
def small(home):
    """An app with a small budget, so tests send small requests."""
    return create_app({"TESTING": True, "HOME": str(home), "MAX_PARAGRAPHS": 10, "MAX_TOTAL_CHARS": 1000,
                       "MAX_EXPLAIN_PARAGRAPHS": 3}).test_client()


def test_total_characters_over_the_budget_get_413_naming_the_setting(small):
    response = small.post("/v1/tag", json={"texts": [SENTENCE * 20] * 3})  # 1,200 characters in three texts
    body = response.get_json()
    assert response.status_code == 413 and body["ok"] is False and body["status"] == 413
    assert "1200 characters" in body["error"] and "POLICYTAG_MAX_TOTAL_CHARS" in body["error"]


def test_paragraphs_are_counted_across_texts_not_per_text(small):
    ok = small.post("/v1/tag", json={"texts": ["\n".join([SENTENCE] * 5), "\n".join([SENTENCE] * 5)]})
    assert ok.status_code == 200
    over = small.post("/v1/tag", json={"texts": ["\n".join([SENTENCE] * 5), "\n".join([SENTENCE] * 6)]})
    assert over.status_code == 413 and "POLICYTAG_MAX_PARAGRAPHS" in over.get_json()["error"]


def test_skipped_lines_count_too_since_they_are_echoed(small):
    bylines = "\n".join(["□作者"] * 11)  # boilerplate only: no paragraph, eleven skipped lines
    assert small.post("/v1/tag", json={"text": bylines}).status_code == 413


def test_explain_is_capped_separately(small):
    four = {"texts": [SENTENCE] * 4}
    assert small.post("/v1/tag", json=four).status_code == 200
    response = small.post("/v1/tag", json={**four, "explain": True})
    assert response.status_code == 413 and "explain" in response.get_json()["error"]
    assert small.post("/v1/tag", json={"texts": [SENTENCE] * 3, "explain": True}).status_code == 200


def test_a_request_out_of_time_gets_503_json_not_a_killed_worker(home):
    client = create_app({"TESTING": True, "HOME": str(home), "REQUEST_TIMEOUT_SECONDS": 1e-9}).test_client()
    response = client.post("/v1/tag", json={"text": SENTENCE})
    body = response.get_json()
    assert response.status_code == 503 and body["ok"] is False
    assert "POLICYTAG_REQUEST_TIMEOUT_SECONDS" in body["error"]


def test_the_documented_response_bound_holds_for_a_full_budget(client):
    # README: a response is about the request's size plus ~200 bytes per paragraph (three domains).
    texts = ["\n".join([SENTENCE * 2] * 5)] * 100  # 500 paragraphs
    data = json.dumps({"texts": texts}, ensure_ascii=False).encode("utf-8")
    response = client.post("/v1/tag", data=data, content_type="application/json")
    assert response.status_code == 200
    assert len(response.get_data()) <= len(data) + 250 * 500


def hold_the_turn_to_tag() -> tuple[threading.Thread, threading.Event]:
    """A thread that takes this process's turn to tag and keeps it until the returned event is set."""
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with tagging_turn(Deadline(60)):
            holding.set()
            release.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(10), "the holder never got the turn"
    return holder, release


def test_waiting_for_the_turn_to_tag_counts_against_the_deadline(home):
    # A worker's threads tag one text at a time (service/turns.py); a request that waits longer than its
    # deadline for its turn gets the same 503 as one that tags too long, and the next one is served.
    client = create_app({"TESTING": True, "HOME": str(home), "REQUEST_TIMEOUT_SECONDS": 0.3}).test_client()
    assert client.post("/v1/tag", json={"text": SENTENCE}).status_code == 200
    holder, release = hold_the_turn_to_tag()
    try:
        response = client.post("/v1/tag", json={"text": SENTENCE})
        assert response.status_code == 503 and "POLICYTAG_REQUEST_TIMEOUT_SECONDS" in response.get_json()["error"]
        assert holder.is_alive() and tagging_turns().busy()  # it gave up while the turn was still taken
        assert tagging_turns().waiting() == 0  # and left the line
    finally:
        release.set()
        holder.join()
    assert client.post("/v1/tag", json={"text": SENTENCE}).status_code == 200


def test_a_request_whose_turn_comes_within_its_deadline_is_served(home):
    client = create_app({"TESTING": True, "HOME": str(home), "REQUEST_TIMEOUT_SECONDS": 60}).test_client()
    holder, release = hold_the_turn_to_tag()
    answered: dict[str, int] = {}
    asker = threading.Thread(target=lambda: answered.update(
        status=client.post("/v1/tag", json={"text": SENTENCE}).status_code))
    try:
        asker.start()
        wait_until(lambda: tagging_turns().waiting() == 1, what="the request waiting in line")
        assert not answered  # it waits for the turn ...
    finally:
        release.set()
        holder.join()
    asker.join(30)
    assert answered == {"status": 200}  # ... and is served once the turn is free


def test_turns_are_first_come_first_served():
    turns, order, go = Turns(), [], threading.Event()
    assert turns.acquire(1)

    def wait_in_line(name: str) -> None:
        assert turns.acquire(10)
        order.append(name)
        go.wait(10)
        turns.release()

    first = threading.Thread(target=wait_in_line, args=("first",))
    first.start()
    wait_until(lambda: turns.waiting() == 1, what="the first waiter in line")
    second = threading.Thread(target=wait_in_line, args=("second",))
    second.start()
    wait_until(lambda: turns.waiting() == 2, what="the second waiter in line")
    turns.release()
    assert not turns.acquire(0.2)  # the turn went to the first in line, not to whoever asks next
    go.set()
    first.join()
    second.join()
    assert order == ["first", "second"]
    assert turns.acquire(0) and turns.waiting() == 0  # a waiter that gave up left the line
    turns.release()


def test_a_one_sentence_request_is_not_held_up_by_a_long_one(home):
    # Turns are per text and in order of arrival: a request of 400 texts lets a one-sentence request in
    # after its current text, instead of keeping the turn for all of its length.
    app = create_app({"TESTING": True, "HOME": str(home)})
    big = {"texts": [SENTENCE * 15] * 400}
    done = {}

    def long_request() -> None:
        done["big"] = app.test_client().post("/v1/tag", json=big).status_code

    worker = threading.Thread(target=long_request)
    worker.start()
    wait_until(tagging_turns().busy, what="the long request tagging")
    assert app.test_client().post("/v1/tag", json={"text": SENTENCE}).status_code == 200
    still_tagging = worker.is_alive()
    worker.join()
    assert done["big"] == 200
    assert still_tagging, "the one-sentence request waited for all 400 texts"
