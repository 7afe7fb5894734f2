"""The classification engine: features, fold-exact weighting, calibration modes, the fast single-text path,
exact explanations, artefacts, and the engine benchmark script (on a tiny synthetic data set)."""
from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from model.artifact import ArtifactError, load_artifact, save_artifact
from model.features import BOS, EOS, Featurizer, prepare
from model.tagger import Tagger
from model.tokenize import words

ROOT = Path(__file__).resolve().parent.parent

TEXTS = [
    "加快关键核心技术攻关，推动科技成果转化。", "2023年GDP增长5.2%，CPI上涨0.2%", "iPhone 15 Pro Max售价9999元",
    "  前后有空格\t和制表符  ", "", " ", "中", "a", "表情😀和𠮷野家", f"控制{BOS}字符{EOS}也在", "——……《》【】",
    "Ｆｕｌｌ－ｗｉｄｔｈ ＡＢＣ１２３", "乡村振兴 乡村振兴 乡村振兴", "中英mixed文本test123测试",
]

# Short single-label "titles" of three topics, and multi-label/negative policy-like paragraphs.
TOPICS = {
    "sports": ["足球联赛今晚开赛", "篮球明星加盟新球队", "奥运会金牌榜更新", "网球公开赛决赛", "马拉松比赛报名开启",
               "乒乓球队夺冠", "世界杯预选赛赛程", "排球联赛季后赛", "游泳世锦赛开幕", "田径运动员破纪录"],
    "stocks": ["沪指收涨创业板走强", "券商板块集体拉升", "A股成交额突破万亿", "基金净值普遍上涨", "两市融资余额增加",
               "科技股领涨大盘", "北向资金净流入", "银行股午后跳水", "新股申购今日开始", "股指期货贴水收窄"],
    "games": ["新手游公测开启", "电竞战队夺得冠军", "主机游戏销量排行", "网游版本更新公告", "独立游戏获奖",
              "游戏展会门票开售", "手游流水创新高", "经典游戏重制版发布", "玩家社区活动预告", "云游戏平台上线"],
}
POLICY = [
    ("加快关键核心技术攻关，推动科技成果转化和产业化。", ["innovation"]),
    ("支持企业加大研发投入，培育高新技术企业。", ["innovation"]),
    ("强化基础研究和原始创新，建设国家实验室体系。", ["innovation"]),
    ("培育科技型中小企业，完善科技创新体系。", ["innovation"]),
    ("加强知识产权保护，激发创新活力。", ["innovation"]),
    ("推进高标准农田建设，保障国家粮食安全。", ["rural"]),
    ("促进农民持续增收，建设宜居宜业和美乡村。", ["rural"]),
    ("深化农村土地制度改革，发展乡村特色产业。", ["rural"]),
    ("改善农村人居环境，推进乡村建设行动。", ["rural"]),
    ("巩固拓展脱贫攻坚成果，全面推进乡村振兴。", ["rural"]),
    ("发展农村电商，用数字技术助力乡村振兴。", ["innovation", "rural"]),
    ("推动智慧农业和农业科技创新。", ["innovation", "rural"]),
    ("加强农业科技创新，推进种业振兴。", ["innovation", "rural"]),
    ("全面加强国防和军队建设。", []),
    ("办好人民满意的教育。", []),
    ("深化医药卫生体制改革。", []),
    ("加强体育强国建设。", []),
]


def reference_features(text: str) -> Counter[str]:
    """Feature strings and counts, built the plain way (strings) from the documented definition."""
    p = prepare(text)
    if not p:
        return Counter()
    framed = BOS + p + EOS
    feats: Counter[str] = Counter("c:" + ch for ch in p)
    for n in (2, 3):
        feats.update("c:" + framed[i:i + n] for i in range(len(framed) - n + 1))
    tokens = [w for w in words(p) if w != " "]  # the segmentation itself: tests/test_tokenize.py
    feats.update("w:" + t for t in tokens)
    framed_tokens = [BOS, *tokens, EOS]
    feats.update("w:" + a + " " + b for a, b in zip(framed_tokens, framed_tokens[1:]))
    return feats


def row_dict(matrix, row: int, names: list[str]) -> dict[str, float]:
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    return {names[c]: float(v) for c, v in zip(matrix.indices[start:end], matrix.data[start:end])}


@pytest.fixture(scope="module")
def single_label() -> Tagger:
    texts = [t for items in TOPICS.values() for t in items]
    labels = [[topic] for topic, items in TOPICS.items() for _ in items]
    return Tagger(cv=3).fit(texts, labels)


@pytest.fixture(scope="module")
def multi_label() -> Tagger:
    texts, labels = zip(*POLICY)
    return Tagger(cv=3).fit(list(texts), list(labels))


# -- features -------------------------------------------------------------------------------------------
def test_features_are_the_documented_ngrams_with_their_counts():
    featurizer = Featurizer(min_df=1)
    counts = featurizer.fit_counts(TEXTS)
    names = featurizer.feature_names()
    for row, text in enumerate(TEXTS):
        assert row_dict(counts, row, names) == dict(reference_features(text)), text


def test_new_texts_keep_only_known_ngrams_and_each_block_has_unit_norm():
    featurizer = Featurizer(min_df=1)
    featurizer.fit_counts(TEXTS[:7])
    names = featurizer.feature_names()
    unseen = ["推动科技成果转化，加快乡村振兴", "完全没有见过的字词", "GDP增长"]
    matrix = featurizer.transform(unseen)
    for row, text in enumerate(unseen):
        got = row_dict(matrix, row, names)
        assert set(got) == set(reference_features(text)) & set(names)
        for kind in ("c:", "w:"):
            block = [v for n, v in got.items() if n.startswith(kind)]
            if block:
                assert np.isclose(np.sqrt(np.sum(np.square(block))), 1.0, atol=1e-6)


@pytest.mark.parametrize(("min_df", "max_features"), [(1, None), (2, None), (1, 40)])
def test_fold_weighting_equals_a_featurizer_fitted_on_the_fold(min_df, max_features):
    texts = [t for items in TOPICS.values() for t in items] + TEXTS
    train, test = texts[::2], texts[1::2]
    everything = Featurizer(min_df=min_df, max_features=max_features)
    counts = everything.fit_counts(texts)
    rows = np.arange(0, len(texts), 2)
    idf = everything.idf_for(counts[rows])
    names = everything.feature_names()
    via_fold = everything.weigh(counts[np.arange(1, len(texts), 2)], idf)

    own = Featurizer(min_df=min_df, max_features=max_features)
    own.compact(own.idf_for(own.fit_counts(train)))
    direct = own.transform(test)
    own_names = own.feature_names()
    for row in range(len(test)):
        expected = row_dict(direct, row, own_names)
        got = row_dict(via_fold, row, names)
        assert got.keys() == expected.keys()
        np.testing.assert_allclose([got[k] for k in expected], list(expected.values()), rtol=1e-6)


def test_ngram_orders_beyond_three_are_refused_with_the_fix():
    with pytest.raises(ValueError, match=r"char_ngrams=\(1, 4\).*<= 3"):
        Tagger(char_ngrams=(1, 4)).fit(["一", "二"], [["a"], ["b"]])


# -- calibration modes ----------------------------------------------------------------------------------
def test_single_label_data_gets_softmax_probabilities(single_label):
    assert single_label.mode_ == "softmax"
    proba = single_label.predict_proba(["足球比赛", "股市大涨", "新游戏发布"])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert [single_label.classes_[k] for k in proba.argmax(axis=1)] == ["sports", "stocks", "games"]
    assert single_label.predict(["篮球联赛开赛"])[0][:1] == ["sports"]


def test_multi_label_data_with_negatives_keeps_per_class_sigmoids(multi_label):
    assert multi_label.mode_ == "sigmoid"
    assert len(multi_label.thresholds_) == 2 and multi_label.calibration_.shape == (2, 2)
    assert all(0.25 <= t <= 0.75 for t in multi_label.thresholds_)
    proba = multi_label.predict_proba(["推动农业科技创新和乡村振兴", "加强国防建设"])
    assert np.all((proba >= 0) & (proba <= 1))
    assert np.all(proba[0] > proba[1])  # about both domains vs about neither
    assert multi_label.predict(["加强国防建设"]) == [[]]


def test_calibration_can_be_forced_and_softmax_refuses_multi_label_data():
    texts, labels = zip(*POLICY)
    with pytest.raises(ValueError, match="exactly one label per text.*sigmoid"):
        Tagger(calibration="softmax", cv=2).fit(list(texts), list(labels))
    with pytest.raises(ValueError, match="calibration='bogus'"):
        Tagger(calibration="bogus").fit(["一", "二"], [["a"], ["b"]])
    texts = [t for items in TOPICS.values() for t in items]
    labels = [[topic] for topic, items in TOPICS.items() for _ in items]
    assert Tagger(calibration="sigmoid", cv=3).fit(texts, labels).mode_ == "sigmoid"


def test_a_class_without_examples_does_not_switch_calibration_off():
    texts = [t for items in TOPICS.values() for t in items]
    labels = [[topic] for topic, items in TOPICS.items() for _ in items]
    tagger = Tagger(cv=3).fit(texts, labels, classes=[*TOPICS, "unused"])
    assert tagger.mode_ == "sigmoid"  # softmax needs a text for every class
    assert not np.allclose(tagger.calibration_[:3], [1.0, 0.0])  # calibrated from out-of-fold scores


def test_min_df_auto_keeps_rare_features_on_small_data(single_label):
    assert single_label.get_params()["min_df"] == "auto"
    assert single_label.featurizer_.min_df == 1


# -- the single-text path, explanations, threads, artefacts ---------------------------------------------
@pytest.mark.parametrize("name", ["single_label", "multi_label"])
def test_score_one_gives_exactly_what_predict_proba_gives(name, request):
    tagger = request.getfixturevalue(name)
    texts = TEXTS + ["足球联赛", "推动农业科技创新", "x" * 500, "科技" * 200]
    batch = tagger.predict_proba(texts)
    for text, row in zip(texts, batch):
        np.testing.assert_array_equal(tagger.score_one(text), row)


def test_scores_do_not_depend_on_how_a_batch_is_chunked(single_label, monkeypatch):
    import model.tagger as tagger_module

    texts = TEXTS + ["足球联赛" * 40, "股市" * 300] + [t for items in TOPICS.values() for t in items]
    whole = single_label.decision_function(texts)
    monkeypatch.setattr(tagger_module, "_CHUNK_TEXTS", 3)
    monkeypatch.setattr(tagger_module, "_CHUNK_CHARS", 50)
    monkeypatch.setattr(tagger_module, "_CHUNK_ENTRIES", 16)
    np.testing.assert_array_equal(single_label.decision_function(texts), whole)


@pytest.mark.parametrize("name", ["single_label", "multi_label"])
def test_contributions_sum_with_the_intercept_to_the_decision_value(name, request):
    tagger = request.getfixturevalue(name)
    text = "推动科技创新，足球联赛，农业科技"
    decision = tagger.decision_function([text])[0]
    _, cols, values = tagger.featurizer_.entries([text])
    every = values[:, None] * tagger.coef_[cols]  # what explain() ranks: one value per feature and class
    np.testing.assert_allclose(every.sum(axis=0) + tagger.intercept_, decision, rtol=1e-9, atol=1e-9)
    for k, label in enumerate(tagger.classes_):
        shown = tagger.explain(text, label, top=10_000)
        assert sorted(c.weight for c in shown) == pytest.approx(sorted(w for w in every[:, k] if w > 0))


def test_explanations_show_boundaries_readably(single_label):
    terms = {c.term for c in single_label.explain("足球联赛今晚开赛", "sports", top=10_000)}
    assert any(t.startswith("^") for t in terms) or any(t.endswith("$") for t in terms)
    assert not any(BOS in t or EOS in t for t in terms)


@pytest.mark.slow
def test_fitting_in_worker_processes_does_not_change_the_model(monkeypatch):
    import model.linear as linear_module

    monkeypatch.setattr(linear_module, "_PARALLEL_WORK", 0)  # small data would be fitted in-process
    texts = [t for items in TOPICS.values() for t in items]
    labels = [[topic] for topic, items in TOPICS.items() for _ in items]
    one = Tagger(cv=3, n_jobs=1).fit(texts, labels)
    two = Tagger(cv=3, n_jobs=2).fit(texts, labels)
    np.testing.assert_array_equal(one.coef_, two.coef_)
    np.testing.assert_array_equal(one.thresholds_, two.thresholds_)


def test_saved_model_scores_the_same_and_keeps_its_weight_layout(single_label, tmp_path):
    save_artifact(single_label, tmp_path, {"version": "v1"})
    loaded, _ = load_artifact(tmp_path)
    assert loaded.coef_.dtype == np.float32 and loaded.coef_.flags.c_contiguous
    np.testing.assert_array_equal(loaded.predict_proba(TEXTS), single_label.predict_proba(TEXTS))


def test_a_model_saved_by_another_format_is_refused_with_the_fix(tmp_path):
    tagger = Tagger(cv=2).fit(["足球", "篮球", "股票", "基金"], [["a"], ["a"], ["b"], ["b"]])
    tagger.format_ = 1
    save_artifact(tagger, tmp_path, {"version": "v1"})
    with pytest.raises(ArtifactError, match="model format 1.*retrain"):
        load_artifact(tmp_path)


def test_unknown_label_in_y_names_it():
    with pytest.raises(ValueError, match="unknown label 'z'"):
        Tagger().fit(["一", "二"], [["a"], ["z"]], classes=["a"])


# -- the benchmark script ---------------------------------------------------------------------------------
def _bench():
    if "bench_engine" not in sys.modules:  # registered: the worker processes pickle its functions by name
        spec = importlib.util.spec_from_file_location("bench_engine", ROOT / "benchmarks" / "engine.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench_engine"] = module
        spec.loader.exec_module(module)
    return sys.modules["bench_engine"]


def test_expected_calibration_error_on_known_cases():
    bench = _bench()
    y = np.array([0, 1, 0, 1])
    assert bench.expected_calibration_error(np.array([[1.0, 0.0], [0.0, 1.0]] * 2), y) == 0.0
    # Always 0.75 sure and right half the time: off by 0.25.
    proba = np.array([[0.75, 0.25]] * 4)
    assert bench.expected_calibration_error(proba, y) == pytest.approx(0.25)


@pytest.mark.slow
def test_benchmark_json_has_the_documented_keys(tmp_path, monkeypatch, capsys):
    bench = _bench()
    classes = list(TOPICS)
    lines = [f"{t}\t{k}" for k, items in enumerate(TOPICS.values()) for t in items]
    (tmp_path / "thuc_classes.txt").write_text("\n".join(classes) + "\n", encoding="utf-8")
    (tmp_path / "thuc_train.txt").write_text("\n".join(lines * 3) + "\n", encoding="utf-8")
    (tmp_path / "thuc_dev.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "fasttext", None)  # as if fasttext-wheel were not installed
    code = bench.main(["--data", str(tmp_path), "--json", "--speed-seconds", "0.05"])
    out, err = capsys.readouterr()
    assert code == 0
    assert "pip install -e '.[bench]'" in err
    result = json.loads(out)
    assert set(result) == {"policytag", "sklearn_baseline"}
    for engine in result.values():
        assert set(bench.KEYS) <= set(engine)
        assert 0 <= engine["accuracy"] <= 1 and engine["items_per_s_2proc"] > 0
    assert result["policytag"]["artifact_mb"] > 0


def test_benchmark_names_missing_data_files(tmp_path):
    with pytest.raises(SystemExit, match="missing thuc_train.txt"):
        _bench().main(["--data", str(tmp_path)])
