"""benchmarks/taxonomy.py --ceiling: upper bounds that say whether thresholds, keyword fusion or the ranking
limit the ten-domain fixture; --drops: a change judged against the recipe over the same trainings."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
from taxonomy import ceiling, left_out_documents, paired  # noqa: E402  benchmarks/taxonomy.py


def test_thresholds_chosen_on_the_labels_fix_what_a_bad_threshold_lost():
    truth = np.array([[1], [1], [0], [0]])
    proba = np.array([[0.30], [0.20], [0.10], [0.05]])  # ranked right, all under the model's threshold 0.5
    found = ceiling(proba, [0.5], truth, np.zeros_like(truth))
    assert found["micro_f1_at_model_thresholds"] == 0.0
    assert found["micro_f1_thresholds_chosen_on_eval"] == 1.0
    assert found["mean_average_precision"] == 1.0


def test_keyword_fusion_reaches_what_the_ranking_alone_cannot():
    truth = np.array([[1, 0], [0, 1], [1, 0], [0, 1], [0, 0]])
    # The model ranks a negative first for domain 0; keyword search finds exactly its positives.
    proba = np.array([[0.4, 0.1], [0.2, 0.9], [0.3, 0.1], [0.1, 0.8], [0.6, 0.1]])
    hits = np.array([[1, 0], [0, 1], [1, 0], [0, 1], [0, 0]])
    found = ceiling(proba, [0.5, 0.5], truth, hits)
    assert found["micro_f1_thresholds_chosen_on_eval"] < 1.0
    assert found["micro_f1_keyword_fusion_chosen_on_eval"] == 1.0
    assert found["keyword_fusion_weights"][0] > 0
    assert found["keyword_fusion_weights"][1] == 0  # domain 1 is ranked right without keywords
    assert found["mean_average_precision"] < 1.0


def test_a_change_is_judged_training_by_training_against_the_recipe():
    found = paired([0.90, 0.88, 0.91], [0.91, 0.87, 0.91])
    assert found["differences"] == [0.01, -0.01, 0.0]
    assert (found["better"], found["worse"], found["trainings"]) == (1, 1, 3)
    assert found["mean_difference"] == 0.0


def test_the_documents_left_out_are_the_user_s_and_the_same_every_run(tmp_path: Path):
    for name in ("theory_page.md", "curated.jsonl", "a.docx", "b.pdf", "c.txt", "d.txt"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    chosen = left_out_documents(tmp_path, 3)
    assert chosen == left_out_documents(tmp_path, 3) and len(set(chosen)) == 3
    assert {p.suffix for p in chosen} <= {".docx", ".pdf", ".txt"}
    assert len(left_out_documents(tmp_path, 10)) == 4
