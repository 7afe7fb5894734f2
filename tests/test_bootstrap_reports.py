"""The heading bootstrap end to end on three mock work reports (tests/fixtures/mock_reports, our writing):
run-in headings, the 文化创新 trap, and negatives from unmatched sections.

Each report is turned into a document here (nothing binary is committed). To cover another format, add a
writer to WRITERS: it takes the report dict and a folder and returns the file it wrote.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from service.cli import main
from tests.conftest import ROOT, SEEDS
from training.data.bootstrap import Example, bootstrap_paths
from training.data.taxonomy import load_taxonomy

REPORTS = sorted((ROOT / "tests" / "fixtures" / "mock_reports").glob("*.json"))
TAXONOMY = load_taxonomy(SEEDS)


def _lines(report: dict[str, Any]) -> list[str]:
    """The report's paragraphs in order; a run-in sub-heading starts its first paragraph."""
    lines = [report["title"], *report.get("preamble", [])]
    for section in report["sections"]:
        lines += [section["heading"], *section.get("paragraphs", [])]
        for sub in section.get("subsections", []):
            first, *rest = sub["paragraphs"]
            lines += [sub["heading"] + first, *rest] if sub.get("runin") else [sub["heading"], first, *rest]
    return lines


def _expected(report: dict[str, Any]) -> dict[str, list[str]]:
    """Paragraph text -> the labels the report's author gave its section."""
    found = {}
    for section in report["sections"]:
        found.update({p: sorted(section["expected"]) for p in section.get("paragraphs", [])})
        for sub in section.get("subsections", []):
            found.update({p: sorted(sub["expected"]) for p in sub["paragraphs"]})
    return found


def _txt(report: dict[str, Any], folder: Path) -> Path:
    path = folder / "report.txt"
    path.write_text("\n".join(_lines(report)) + "\n", encoding="utf-8")
    return path


def _docx(report: dict[str, Any], folder: Path) -> Path:
    """Word file whose paragraphs are all 'Normal', as in many real reports (headings known by numbering)."""
    pytest.importorskip("model.readers", reason="reading .docx needs model/readers", exc_type=ImportError)
    docx = pytest.importorskip("docx")
    document = docx.Document()
    for line in _lines(report):
        document.add_paragraph(line)
    path = folder / "report.docx"
    document.save(str(path))
    return path


WRITERS: dict[str, Callable[[dict[str, Any], Path], Path]] = {"txt": _txt, "docx": _docx}


def _bootstrap(report_file: Path, fmt: str, folder: Path, negatives: bool = True) -> tuple[list[Example], Any]:
    report = json.loads(report_file.read_text(encoding="utf-8"))
    path = WRITERS[fmt](report, folder)
    return bootstrap_paths([path], TAXONOMY, negatives)


@pytest.mark.parametrize("fmt", sorted(WRITERS))
@pytest.mark.parametrize("report_file", REPORTS, ids=lambda p: p.stem)
def test_labels_and_negatives_agree_with_the_reports_author(report_file: Path, fmt: str, tmp_path: Path):
    examples, summary = _bootstrap(report_file, fmt, tmp_path)
    expected = _expected(json.loads(report_file.read_text(encoding="utf-8")))
    checked = [e for e in examples if e.text in expected]
    assert len(checked) >= 20
    labelled = [e for e in checked if e.label_kind == "domain"]
    negatives = [e for e in checked if e.label_kind == "none"]
    # Weak supervision must be precise: every label given is the one the author wrote.
    assert [(e.text[:20], sorted(e.labels)) for e in labelled] == [(e.text[:20], expected[e.text]) for e in labelled]
    assert all(expected[e.text] == [] and e.labels == () for e in negatives)
    assert len(labelled) >= 7 and len(negatives) >= 6
    assert summary.negatives == sum(e.label_kind == "none" for e in examples)
    assert summary.unlabelled == sum(e.label_kind == "unlabelled" for e in examples)


def test_culture_section_with_innovation_keyword_becomes_a_negative(tmp_path: Path):
    examples, summary = _bootstrap(ROOT / "tests/fixtures/mock_reports/yunling_city.json", "txt", tmp_path)
    culture = [e for e in examples if "文化创新" in e.label_from]
    assert culture and all(e.label_kind == "none" and e.labels == () for e in culture)
    heading = culture[0].label_from
    assert summary.headings[heading].domains == []
    assert summary.negative_sections[heading] == len(culture)


def test_negatives_can_be_switched_off(tmp_path: Path):
    examples, summary = _bootstrap(REPORTS[0], "txt", tmp_path, negatives=False)
    assert summary.negatives == 0 and not any(e.label_kind == "none" for e in examples)
    assert summary.unlabelled > 0


def test_bootstrap_command_reports_keywords_and_negatives(tmp_path: Path):
    path = _txt(json.loads((ROOT / "tests/fixtures/mock_reports/yunling_city.json").read_text(encoding="utf-8")),
                tmp_path)
    runner = CliRunner()
    on = runner.invoke(main, ["bootstrap", str(path), "--seeds", str(SEEDS), "--home", str(tmp_path / "home")])
    assert on.exit_code == 0, on.output
    rows = [json.loads(line) for line in on.stdout.splitlines()]
    assert {r["label_kind"] for r in rows} == {"domain", "none", "unlabelled"}
    assert "（一）在因地制宜发展新质生产力上奋勇争先。 -> innovation (新质生产力)" in on.stderr
    assert "paragraph(s) labelled none (sibling sections match)" in on.stderr
    off = runner.invoke(main, ["bootstrap", str(path), "--no-unmatched-negatives", "--seeds", str(SEEDS),
                               "--home", str(tmp_path / "home")])
    assert off.exit_code == 0 and "none           0" in off.stderr
    assert not any(json.loads(line)["label_kind"] == "none" for line in off.stdout.splitlines())


def test_training_counts_weak_negatives(tmp_path: Path):
    from training.learning.train import load_training_data

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "taxonomy.toml").write_bytes((SEEDS / "taxonomy.toml").read_bytes())
    _txt(json.loads(REPORTS[0].read_text(encoding="utf-8")), seeds)
    data = load_training_data(seeds, TAXONOMY)
    counts = data.counts()
    assert counts["unmatched_section_negatives"] >= 6
    assert counts["negatives"] == counts["unmatched_section_negatives"]
    off = load_training_data(seeds, TAXONOMY, unmatched_negatives=False).counts()
    assert off["unmatched_section_negatives"] == 0 and off["paragraphs"] < counts["paragraphs"]
