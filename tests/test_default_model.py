"""Quality floor of the shipped default model on our own evaluation fixtures (fails if it regresses).

The fixture (tests/fixtures/policy_eval.jsonl) is 79 paragraphs written for this purpose in the style of
government work reports, 中央一号文件, provincial plans and theory pages; 27 are about none of the domains,
including hard ones (education under 科教兴国, defence that mentions 科技, infrastructure investment).
It is never used for training.

hard_eval.jsonl is harder: work-report, plan and theory-page paragraphs, about half about none of
the domains across 40+ topics a work report covers, in-domain ones written in other topics' vocabulary.
nonpolicy_prose.jsonl is ordinary prose (fiction, history, encyclopedia, sports, recipes ...) that must stay
untagged. Neither is used for training or for choosing settings (those were chosen by cross-validation on
the seeds and a development set of our own; these files are the final check).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT
from training.data.importing import read_eval_file
from training.learning.evaluate import evaluate
from training.ops.registry import Registry

FIXTURE = ROOT / "tests" / "fixtures" / "policy_eval.jsonl"
HARD = ROOT / "tests" / "fixtures" / "hard_eval.jsonl"
PROSE = ROOT / "tests" / "fixtures" / "nonpolicy_prose.jsonl"


def _report(trained_home: Path, path: Path) -> dict:
    tagger, _ = Registry(trained_home).load()
    rows = read_eval_file(path, tagger.classes_)
    return evaluate(tagger, [t for t, _ in rows], [labels for _, labels in rows])


@pytest.fixture(scope="module")
def report(trained_home: Path) -> dict:
    return _report(trained_home, FIXTURE)


def test_fixture_is_a_real_test_set():
    rows = read_eval_file(FIXTURE, ["innovation", "rural", "consumption"])
    assert len(rows) >= 60
    assert sum(not labels for _, labels in rows) >= len(rows) // 3
    curated = (ROOT / "seeds" / "curated_examples.jsonl").read_text(encoding="utf-8")
    assert not any(text in curated for text, _ in rows), "evaluation paragraphs must not be training data"


def test_in_domain_top1_and_out_of_domain_untagged_floor(report):
    # The product owner's targets on real held-out paragraphs are 0.90 and 0.80; the floor here is the same.
    assert report["in_domain_top1"] >= 0.90
    assert report["out_of_domain_untagged"] >= 0.80


def test_every_domain_is_recognised(report):
    for domain, scores in report["per_domain"].items():
        assert scores["f1"] >= 0.80, (domain, scores)


def test_hard_fixture_meets_its_floor_on_untagged_first_tag_exact_set_and_calibration(trained_home: Path):
    report = _report(trained_home, HARD)
    figures = {k: report[k] for k in ("out_of_domain_untagged", "in_domain_first_tag", "exact_tag_set")}
    figures["ece"] = report["calibration"]["ece"]
    assert report["n_texts"] >= 240 and report["n_unlabelled"] >= report["n_texts"] // 3
    assert figures["out_of_domain_untagged"] >= 0.90, figures
    assert figures["in_domain_first_tag"] >= 0.95, figures
    assert figures["exact_tag_set"] >= 0.88, figures
    assert figures["ece"] <= 0.03, figures


def test_ordinary_prose_is_left_untagged(trained_home: Path):
    report = _report(trained_home, PROSE)
    assert report["n_texts"] >= 100 and report["n_labelled"] == 0
    assert report["out_of_domain_untagged"] >= 0.95, [m["text"][:40] for m in report["worst"]]
