"""The policytag CLI through click's runner: bootstrap, train, tag."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from service.cli import main
from tests.conftest import SEED_DOC, SEEDS

INNOVATION = "加快关键核心技术攻关，推动科技成果转化，培育壮大高新技术企业。"
RURAL = "推进高标准农田建设，稳定粮食播种面积，促进农民持续增收。"


def test_bootstrap_writes_one_json_line_per_paragraph_and_a_summary(runner):
    result = runner.invoke(main, ["bootstrap", str(SEED_DOC), "--seeds", str(SEEDS)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 29
    assert set(rows[0]) >= {"text", "labels", "source", "heading"}
    assert rows[0]["source"] == SEED_DOC.name
    assert "29 content paragraphs (5 rejoined" in result.stderr
    assert "9 boilerplate lines dropped" in result.stderr
    assert "提振消费信心 扩大城乡居民消费 -> consumption" in result.stderr


def test_bootstrap_to_file(runner, tmp_path):
    out = tmp_path / "labels.jsonl"
    result = runner.invoke(main, ["bootstrap", "--seeds", str(SEEDS), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 29


def test_bootstrap_to_a_named_pipe_writes_through_it_and_leaves_it_a_pipe(runner, tmp_path):
    # `-o /dev/null`, `-o /dev/stdout` and process substitution are not files: writing a temp file and renaming
    # it over them replaced the device with a file (run as root, /dev/null itself). A pipe stands in for them.
    import os
    import stat
    import threading

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    result = runner.invoke(main, ["bootstrap", "--seeds", str(SEEDS), "-o", str(pipe)])
    reader.join(timeout=10)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(pipe.stat().st_mode), "the pipe was replaced by a file"
    assert received and len(received[0].decode("utf-8").splitlines()) == 29
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]  # no temp file left beside it


def test_train_saves_a_current_version_with_manifest(first_training):
    # The run's default model is trained by this very command, into a new data directory (conftest.first_training).
    home, result = first_training.home, first_training.result
    assert "model v1 trained" in result.stdout and "no cross-validation" in result.stdout
    manifest = json.loads((home / "models" / "v1" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == "v1" and (home / "models" / "CURRENT").read_text().strip() == "v1"
    assert set(manifest["thresholds"]) == {"innovation", "rural", "consumption"}
    assert manifest["training"]["per_domain"]["innovation"] >= 19
    for key in ("created", "domains", "metrics", "libraries", "sha256"):
        assert key in manifest


@pytest.mark.slow  # cross-validates: four fits
def test_a_cross_validated_training_keeps_its_report_with_the_version(runner, tmp_path):
    home = tmp_path / "home"
    result = runner.invoke(main, ["train", "--home", str(home), "--seeds", str(SEEDS), "--cv", "3"])
    assert result.exit_code == 0, result.output
    assert "model v1 trained" in result.stdout and "macro-F1" in result.stdout
    manifest = json.loads((home / "models" / "v1" / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["metrics"]["per_domain"]) == {"innovation", "rural", "consumption"}
    report = manifest["cv_report"]  # the cross-validated evaluation report is kept with the version
    assert report["n_texts"] == manifest["training"]["paragraphs"]
    assert len(report["calibration"]["bins"]) == 15 and report["confusion"]["labels"][-1] == "none"


def test_train_with_missing_seeds_folder_is_a_clear_error(runner, tmp_path):
    result = runner.invoke(main, ["train", "--home", str(tmp_path), "--seeds", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "does not exist" in result.stderr and "--seeds" in result.stderr


def test_tag_files_as_json_lines(runner, home, tmp_path):
    doc = tmp_path / "report.md"
    doc.write_text(f"# 报告\n\n{INNOVATION}\n\n{RURAL}\n", encoding="utf-8")
    result = runner.invoke(main, ["tag", str(doc), "--home", str(home)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["index"] for r in rows] == [0, 1] and rows[0]["source"] == str(doc)
    assert rows[0]["tags"][0]["domain"] == "innovation" and rows[1]["tags"][0]["domain"] == "rural"
    assert set(rows[0]["scores"]) == {"innovation", "rural", "consumption"}
    assert "tagged 2 paragraphs" in result.stderr


def test_tag_stdin_csv_to_file(runner, home, tmp_path):
    out = tmp_path / "tags.csv"
    result = runner.invoke(main, ["tag", "-", "--format", "csv", "-o", str(out), "--home", str(home)],
                           input=f"{INNOVATION}\n\n{RURAL}\n".encode("gb18030"))
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a UTF-8 BOM, so Excel on Chinese Windows opens it
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["tags"].split("|")[0] for r in rows] == ["innovation", "rural"]
    assert rows[0]["source"] == "<stdin>" and float(rows[0]["score_innovation"]) > 0.5


def test_tag_keeps_going_past_an_unreadable_file_and_exits_1(runner, home, tmp_path):
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_text(INNOVATION, encoding="utf-8")
    bad.write_bytes(b"\x80\x81\xfe\xfd\xff" * 20)
    result = runner.invoke(main, ["tag", str(bad), str(good), "--home", str(home)])
    assert result.exit_code == 1
    assert "bad.txt: not UTF-8 or GB18030" in result.stderr
    assert len(result.stdout.splitlines()) == 1 and "good.txt" in result.stdout


def test_tag_without_a_model_says_how_to_get_one(runner, tmp_path):
    doc = tmp_path / "a.txt"
    doc.write_text(INNOVATION, encoding="utf-8")
    result = runner.invoke(main, ["tag", str(doc), "--home", str(tmp_path / "empty")])
    assert result.exit_code == 1
    assert "no trained model" in result.stderr and "policytag train" in result.stderr


def test_tag_threshold_out_of_range_is_a_usage_error(runner, home):
    result = runner.invoke(main, ["tag", "-", "--threshold", "1.5", "--home", str(home)], input=b"x")
    assert result.exit_code == 2 and "--threshold" in result.stderr


def test_tag_explain_names_the_terms_behind_each_tag(runner, home):
    result = runner.invoke(main, ["tag", "-", "--explain", "--home", str(home)], input=INNOVATION.encode())
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)
    assert set(row["explanations"]) == {t["domain"] for t in row["tags"]}
    terms = row["explanations"]["innovation"]
    assert terms and all(t["weight"] > 0 and t["kind"] in ("word", "char") for t in terms)
    assert {t["term"] for t in terms} & {"科技", "技术", "创新", "成果转化", "攻关", "科技成果"}


def test_eval_command_text_json_and_html(runner, home, tmp_path):
    fixture = Path(__file__).parent / "fixtures" / "policy_eval.jsonl"
    html = tmp_path / "report.html"
    result = runner.invoke(main, ["eval", str(fixture), "--home", str(home), "--html", str(html)])
    assert result.exit_code == 0, result.output
    assert "in-domain first tag right" in result.stdout and "none" in result.stdout
    assert html.read_text(encoding="utf-8").count("data:image/png;base64,") == 2
    report = json.loads(runner.invoke(main, ["eval", str(fixture), "--json", "--home", str(home)]).stdout)
    assert report["model"] == "v1" and set(report["per_domain"]) == {"innovation", "rural", "consumption"}
