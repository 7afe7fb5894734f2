from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from model.tagger import Tagger
from service.eval_html import write_html
from service.eval_text import format_report
from training.data.importing import read_eval_file
from training.errors import EvalFileError
from training.learning.evaluate import evaluate

DOMAINS = ("innovation", "rural", "consumption")


class StubTagger:
    """Fixed probabilities, so every number in the report can be checked by hand."""

    def __init__(self, classes: list[str], thresholds: list[float], proba: list[list[float]]):
        self.classes_ = classes
        self.thresholds_ = np.array(thresholds)
        self._proba = np.array(proba)
        self.explained: list[tuple[str, str]] = []

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        assert len(texts) == len(self._proba)
        return self._proba

    def explain(self, text: str, label: str, top: int = 8) -> list[SimpleNamespace]:
        self.explained.append((text, label))
        return [SimpleNamespace(term="<b>词", kind="word", weight=0.25)]


# Hand case: two domains, thresholds 0.5, no probability on a calibration-bin edge.
HAND_TEXTS = [
    "t0 科技创新",
    "t1 <script>alert(1)</script> 创新被误判为乡村",
    "t2 乡村振兴",
    "t3 乡村 + 创新",
    "t4 无关",
    "t5 无关但被标为创新",
    "t6 创新但分数低于阈值",
]
HAND_LABELS = [["innovation"], ["innovation"], ["rural"], ["rural", "innovation"], [], [], ["innovation"]]
HAND_PROBA = [
    [0.90, 0.25],  # innovation, right
    [0.30, 0.62],  # misses innovation (error 0.70), wrongly rural (0.62)
    [0.10, 0.82],  # rural, right
    [0.55, 0.70],  # both, right; top is rural = the primary label
    [0.25, 0.10],  # none, right
    [0.95, 0.42],  # wrongly innovation (error 0.95)
    [0.45, 0.05],  # top is innovation but below its threshold -> "none"; missed (error 0.55)
]


def _hand() -> tuple[StubTagger, dict]:
    stub = StubTagger(["innovation", "rural"], [0.5, 0.5], HAND_PROBA)
    return stub, evaluate(stub, HAND_TEXTS, HAND_LABELS, worst=2)


# -- read_eval_file ------------------------------------------------------------------------------------
def test_read_eval_file_accepts_bom_blank_lines_and_empty_labels(tmp_path: Path) -> None:
    path = tmp_path / "eval.jsonl"
    lines = [json.dumps({"text": " 推动乡村振兴。 ", "labels": ["rural", "innovation", "rural"]}, ensure_ascii=False),
             "", json.dumps({"text": "无关段落。", "labels": [], "note": "x"}, ensure_ascii=False)]
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8"))
    assert read_eval_file(path, DOMAINS) == [("推动乡村振兴。", ["rural", "innovation"]), ("无关段落。", [])]


def test_read_eval_file_reads_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "eval.jsonl"
    path.write_bytes(json.dumps({"text": "扩大居民消费", "labels": ["consumption"]}, ensure_ascii=False)
                     .encode("gb18030"))
    assert read_eval_file(path, DOMAINS) == [("扩大居民消费", ["consumption"])]


def test_read_eval_file_lists_every_problem_by_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join([
        '{"text": "好的一行", "labels": ["rural"]}',
        '{"text": "缺逗号" "labels": []}',
        '{"labels": ["rural"]}',
        '{"text": "   ", "labels": []}',
        '{"text": "标签不是列表", "labels": "rural"}',
        '{"text": "标签不是字符串", "labels": [1]}',
        '{"text": "未知领域", "labels": ["rural", "health"]}',
        '{"text": "没有标签"}',
        '["not", "an", "object"]',
    ]), encoding="utf-8")
    with pytest.raises(EvalFileError) as caught:
        read_eval_file(path, DOMAINS)
    problems = caught.value.problems
    assert isinstance(caught.value, ValueError)
    assert [int(re.search(r"line (\d+)", p).group(1)) for p in problems] == [2, 3, 4, 5, 6, 7, 8, 9]
    assert "not valid JSON" in problems[0]
    # The store's validator and wording (one validator for labelled items).
    assert "missing 'text'" in problems[1]
    assert "'text' is empty" in problems[2]
    assert "'labels' must be a list" in problems[3] and "labels[0] must be a domain id string" in problems[4]
    assert "unknown domain 'health'; known: consumption, innovation, rural" in problems[5]
    assert "missing 'labels'" in problems[6]
    assert all(p.startswith("bad.jsonl line ") for p in problems)
    assert "bad.jsonl line 7" in str(caught.value)


def test_read_eval_file_reads_utf16_and_names_an_undecodable_or_empty_file(tmp_path: Path) -> None:
    utf16 = tmp_path / "utf16.jsonl"
    utf16.write_bytes('{"text": "乡村", "labels": []}'.encode("utf-16"))
    # UTF-16 with a BOM (Excel's "Unicode Text") is read like every other text file.
    assert read_eval_file(utf16, DOMAINS) == [("乡村", [])]
    latin1 = tmp_path / "latin1.jsonl"
    latin1.write_bytes('{"text": "Zürich Straße", "labels": []}'.encode("latin-1"))
    with pytest.raises(EvalFileError, match=r"latin1\.jsonl: not UTF-8.*re-save it as UTF-8"):
        read_eval_file(latin1, DOMAINS)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(EvalFileError, match=r"empty\.jsonl: no examples"):
        read_eval_file(empty, DOMAINS)


# -- evaluate on hand-computed numbers -----------------------------------------------------------------
def test_per_domain_and_average_scores() -> None:
    _, report = _hand()
    inn, rur = report["per_domain"]["innovation"], report["per_domain"]["rural"]
    # innovation: true t0 t1 t3 t6, tagged t0 t3 t5 -> tp 2, fp 1, fn 2
    assert (inn["tp"], inn["fp"], inn["fn"], inn["support"]) == (2, 1, 2, 4)
    assert inn["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert inn["recall"] == pytest.approx(0.5)
    assert inn["f1"] == pytest.approx(4 / 7, abs=1e-4)
    # rural: true t2 t3, tagged t1 t2 t3 -> tp 2, fp 1, fn 0
    assert (rur["tp"], rur["fp"], rur["fn"], rur["support"]) == (2, 1, 0, 2)
    assert (rur["precision"], rur["recall"], rur["f1"]) == (pytest.approx(2 / 3, abs=1e-4), 1.0, pytest.approx(0.8))
    assert report["micro"] == {"precision": pytest.approx(4 / 6, abs=1e-4), "recall": pytest.approx(4 / 6, abs=1e-4),
                               "f1": pytest.approx(2 / 3, abs=1e-4), "support": 6}
    assert report["macro"]["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert report["macro"]["recall"] == pytest.approx(0.75)
    assert report["macro"]["f1"] == pytest.approx((4 / 7 + 0.8) / 2, abs=1e-4)
    assert report["in_domain_top1"] == pytest.approx(4 / 5)  # t1's top (rural) is wrong
    assert report["out_of_domain_untagged"] == pytest.approx(1 / 2)  # t5 got a tag
    # First tag right needs a tag: t6's top is innovation but below its threshold, so it counts as wrong.
    assert report["in_domain_first_tag"] == pytest.approx(3 / 5)
    assert report["exact_tag_set"] == pytest.approx(4 / 7, abs=1e-4)  # t0, t2, t3 (both), t4 (none)
    text = format_report(report)
    assert "exact tag set: 57.1%" in text and "in-domain first tag right: 60.0%" in text
    assert "untagged counts as wrong" in text  # the line that says what each figure counts
    assert (report["n_texts"], report["n_labelled"], report["n_unlabelled"]) == (7, 5, 2)


def test_primary_confusion_has_none_row_and_column() -> None:
    _, report = _hand()
    assert report["confusion"]["labels"] == ["innovation", "rural", "none"]
    assert report["confusion"]["matrix"] == [
        [1, 1, 1],  # innovation -> innovation (t0), rural (t1), none (t6: top below threshold)
        [0, 2, 0],  # rural -> rural (t2, t3)
        [1, 0, 1],  # none -> innovation (t5), none (t4)
    ]


def test_a_global_threshold_overrides_the_per_domain_ones() -> None:
    stub = StubTagger(["innovation", "rural"], [0.5, 0.5], HAND_PROBA)
    report = evaluate(stub, HAND_TEXTS, HAND_LABELS, threshold=0.4)
    # At 0.4 t6 (0.45) is found and t5's rural (0.42) becomes a wrong tag.
    assert report["per_domain"]["innovation"]["fn"] == 1
    assert report["per_domain"]["rural"]["fp"] == 2
    assert report["confusion"]["matrix"][0] == [2, 1, 0]
    assert report["thresholds"] == {"innovation": 0.4, "rural": 0.4}


def test_calibration_ece_and_brier_on_fixed_probabilities() -> None:
    stub = StubTagger(["rural"], [0.5], [[0.1], [0.1], [0.9], [0.9]])
    report = evaluate(stub, ["a", "b", "c", "d"], [[], ["rural"], ["rural"], ["rural"]])
    bins = report["calibration"]["bins"]
    assert len(bins) == 15 and sum(b["count"] for b in bins) == 4
    # 0.1 falls in bin 1 (observed 1/2), 0.9 in bin 13 (observed 2/2).
    assert (bins[1]["count"], bins[1]["mean_predicted"], bins[1]["observed"]) == (2, 0.1, 0.5)
    assert (bins[13]["count"], bins[13]["mean_predicted"], bins[13]["observed"]) == (2, 0.9, 1.0)
    assert bins[0] == {"lower": 0.0, "upper": 0.0667, "count": 0, "mean_predicted": None, "observed": None}
    assert report["calibration"]["ece"] == pytest.approx(0.5 * 0.4 + 0.5 * 0.1)
    assert report["calibration"]["brier"]["rural"] == pytest.approx((0.01 + 0.81 + 0.01 + 0.01) / 4)


def test_worst_mistakes_are_the_most_confident_errors_with_explanations() -> None:
    stub, report = _hand()
    worst = report["worst"]
    assert [m["index"] for m in worst] == [5, 1]  # errors 0.95, 0.70 (t6's 0.55 is cut by worst=2)
    assert worst[0]["error"] == pytest.approx(0.95)
    assert worst[0]["true"] == [] and worst[0]["wrong"][0]["domain"] == "innovation" and worst[0]["missed"] == []
    assert worst[1]["predicted"] == [{"domain": "rural", "score": 0.62}]
    assert [d["domain"] for d in worst[1]["wrong"]] == ["rural"]
    assert [(d["domain"], d["score"]) for d in worst[1]["missed"]] == [("innovation", 0.3)]
    assert worst[1]["missed"][0]["terms"] == [{"term": "<b>词", "kind": "word", "weight": 0.25}]
    # Only the reported mistakes are explained, and only for their wrong or missed domains.
    assert sorted(label for _, label in stub.explained) == ["innovation", "innovation", "rural"]
    json.dumps(report, allow_nan=False)


def test_long_texts_are_truncated_in_mistakes() -> None:
    stub = StubTagger(["rural"], [0.5], [[0.9]])
    report = evaluate(stub, ["乡" * 500], [[]])
    assert len(report["worst"][0]["text"]) == 200 and report["worst"][0]["text"].endswith("…")


def test_evaluate_rejects_mismatched_or_unknown_labels() -> None:
    stub = StubTagger(["rural"], [0.5], [[0.9]])
    with pytest.raises(ValueError, match="1 texts but 2 label lists"):
        evaluate(stub, ["a"], [[], []])
    with pytest.raises(ValueError, match="unknown domain 'health'; the model knows: rural"):
        evaluate(stub, ["a"], [["health"]])


# -- rendering -----------------------------------------------------------------------------------------
def test_format_report_shows_domains_matrix_and_mistakes() -> None:
    _, report = _hand()
    text = format_report(report)
    for heading in ("Per domain", "Averages", "Primary domain confusion", "Calibration", "Worst mistakes"):
        assert heading in text
    assert re.search(r"^innovation\s+0\.667\s+0\.500\s+0\.571\s+4\s+3\s+0\.50$", text, re.M)
    assert re.search(r"^true \\ pred\s+innovation\s+rural\s+none$", text, re.M)
    assert re.search(r"^innovation\s+1\s+1\s+1$", text, re.M)
    assert re.search(r"^none\s+1\s+0\s+1$", text, re.M)
    assert "ECE" in text and "missed innovation (0.30): <b>词[word] +0.250" in text
    # Each headline figure says what it counts, so it cannot be read against the confusion matrix wrongly.
    headline = next(line for line in text.splitlines() if line.startswith("exact tag set:"))
    assert "top-scoring domain right" in headline and "out-of-domain left untagged" in headline
    meaning = text.splitlines()[text.splitlines().index(headline) + 1]
    assert "top-scoring domain right: the same without the thresholds" in meaning
    assert "out-of-domain left untagged: texts about none of the domains that got no tag" in meaning
    assert "columns: its highest-scoring domain if that passes its threshold, else none" in text


def test_a_term_counted_as_word_and_as_characters_is_told_apart() -> None:
    from model.tagging import term_label

    word, chars = {"term": "科技", "kind": "word"}, {"term": "科技", "kind": "char"}
    assert term_label(word) == "科技[word]" and term_label(chars) == "科技[chars]"


def test_write_html_is_self_contained_with_two_png_images(tmp_path: Path) -> None:
    _, report = _hand()
    path = tmp_path / "out" / "report.html"
    write_html(report, path)
    page = path.read_text(encoding="utf-8")
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 2
    assert all(base64.b64decode(data).startswith(b"\x89PNG\r\n\x1a\n") for data in images)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script" not in page
    assert "&lt;b&gt;词" in page
    assert not re.search(r"(href|src)=\"(https?:)?//", page) and "<link" not in page
    assert "创新被误判为乡村" in page
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]  # no temp file left behind


@pytest.mark.slow  # a fresh interpreter importing numpy and the tagger (seconds on two cores)
def test_evaluate_module_imports_neither_matplotlib_nor_flask() -> None:
    code = "import sys, training.learning.evaluate; print(sorted({'matplotlib', 'flask'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]"


# -- with a real (tiny) Tagger -------------------------------------------------------------------------
TRAIN = {
    "innovation": ["加强科技创新，突破关键核心技术。", "支持企业研发投入，建设创新平台。", "推动科研成果转化，培育高新技术企业。",
                   "完善科技人才政策，鼓励原始创新。", "建设国家实验室，强化基础研究。", "发展人工智能和大模型技术创新。",
                   "加大研发费用加计扣除力度，激励企业创新。", "建设技术创新中心和中试平台。"],
    "rural": ["推进乡村振兴，发展农村特色产业。", "改善农村人居环境，建设美丽乡村。", "保障粮食安全，稳定农业生产。",
              "培育新型农业经营主体，促进农民增收。", "加强高标准农田建设，提升农业综合生产能力。", "发展乡村旅游，壮大农村集体经济。",
              "推进农村道路和供水设施建设。", "深化农村土地制度改革，盘活闲置宅基地。"],
    "consumption": ["扩大居民消费，提振消费信心。", "发放消费券，促进汽车和家电消费。", "培育新型消费，发展直播电商。",
                    "改善消费环境，保护消费者权益。", "发展夜间经济，繁荣商圈消费。", "推动服务消费提质扩容，发展文旅消费。",
                    "开展以旧换新活动，释放消费潜力。", "建设国际消费中心城市。"],
}
NEGATIVES = ["今天天气晴朗，适合出门散步。", "会议于上午九点召开。", "请各单位按时报送材料。", "本通知自发布之日起施行。"]


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    texts = [t for ts in TRAIN.values() for t in ts] + NEGATIVES
    labels = [[d] for d, ts in TRAIN.items() for _ in ts] + [[] for _ in NEGATIVES]
    return Tagger(cv=2).fit(texts, labels)


def test_real_tagger_report_is_sensible_and_json_ready(tagger: Tagger, tmp_path: Path) -> None:
    texts = ["鼓励企业加大研发投入，建设创新平台。", "促进农民增收，发展农村特色产业。", "发放消费券，提振消费信心。",
             "会议于下午召开，请准时参加。", "发展乡村旅游，带动农村消费。"]
    labels = [["innovation"], ["rural"], ["consumption"], [], ["rural", "consumption"]]
    report = evaluate(tagger, texts, labels)
    assert json.loads(json.dumps(report, ensure_ascii=False, allow_nan=False)) == report
    assert report["in_domain_top1"] == 1.0
    assert report["confusion"]["labels"] == ["consumption", "innovation", "rural", "none"]
    assert np.trace(np.array(report["confusion"]["matrix"])) >= 4
    # Forcing every tag on shows real explanation terms for the wrong tags.
    forced = evaluate(tagger, texts, labels, threshold=1e-9, worst=3)  # one range, (0, 1]
    assert forced["out_of_domain_untagged"] == 0.0
    assert forced["worst"] and all(d["terms"] for m in forced["worst"] for d in m["wrong"][:1])
    assert f"Worst mistakes ({len(forced['worst'])};" in format_report(forced)
    write_html(forced, tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert all(m["text"] in page for m in forced["worst"])
