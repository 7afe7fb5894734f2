"""The hand-written evaluation fixtures load with the evaluator's reader and stay test-only data.

hard_eval.jsonl: policy-register paragraphs, half about none of the domains; nonpolicy_prose.jsonl: ordinary
prose that must stay untagged. Both are original writing and must never become training data.
"""
from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.conftest import ROOT
from training.data.importing import read_eval_file

FIXTURES = ROOT / "tests" / "fixtures"
DOMAINS = ["innovation", "rural", "consumption"]


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("name", ["hard_eval.jsonl", "nonpolicy_prose.jsonl"])
def test_fixture_loads_with_the_eval_reader_and_is_not_training_data(name):
    rows = read_eval_file(FIXTURES / name, DOMAINS)
    assert len(rows) >= 150
    curated = (ROOT / "seeds" / "curated_examples.jsonl").read_text(encoding="utf-8")
    assert not any(text in curated for text, _ in rows), "evaluation paragraphs must not be training data"


def test_hard_fixture_covers_many_out_of_domain_topics_and_all_domains():
    rows = _rows("hard_eval.jsonl")
    ood_topics = Counter(r["topic"] for r in rows if not r["labels"])
    assert sum(ood_topics.values()) >= 120
    assert sum(1 for n in ood_topics.values() if n >= 4) >= 22
    labels = Counter(label for r in rows for label in r["labels"])
    assert min(labels[d] for d in DOMAINS) >= 35
    assert sum(len(r["labels"]) > 1 for r in rows) >= 20


def test_nonpolicy_prose_is_all_untagged_and_varied():
    rows = _rows("nonpolicy_prose.jsonl")
    assert all(r["labels"] == [] for r in rows)
    assert len({r["genre"] for r in rows}) >= 8
