"""The Tagger's estimator contract, scores and thresholds, and the artefact save/load checks."""
from __future__ import annotations

import hashlib
import json

import joblib
import numpy as np
import pytest
from sklearn.base import clone

from model.artifact import MANIFEST_FILE, MODEL_FILE, ArtifactError, load_artifact, save_artifact
from model.errors import NotFittedError
from model.tagger import Tagger

TECH = ["加快关键核心技术攻关。", "推动科技成果转化和产业化。", "建设国家实验室体系。", "支持企业加大研发投入。",
        "培育高新技术企业和科技型中小企业。", "强化基础研究和原始创新。"]
FARM = ["推进高标准农田建设。", "保障国家粮食安全。", "促进农民持续增收。", "建设宜居宜业和美乡村。",
        "深化农村土地制度改革。", "发展乡村特色产业。"]
SHOP = ["实施消费品以旧换新。", "培育服务消费新增长点。", "扩大文旅消费和夜间经济。", "保护消费者合法权益。",
        "提振汽车家电家居消费。", "创新多元化消费场景。"]
NONE = ["全面加强国防和军队建设。", "办好人民满意的教育。", "深化医药卫生体制改革。", "加强体育强国建设。"]


@pytest.fixture(scope="module")
def fitted() -> Tagger:
    texts = TECH + FARM + SHOP + NONE
    labels = [["innovation"]] * 6 + [["rural"]] * 6 + [["consumption"]] * 6 + [[]] * 4
    return Tagger(cv=3).fit(texts, labels)


def test_init_only_stores_params_and_clone_works():
    tagger = Tagger(C=2.0, min_df=2)
    assert tagger.get_params()["C"] == 2.0
    assert not hasattr(tagger, "classes_")
    assert clone(tagger).get_params() == tagger.get_params()


def test_unfitted_tagger_refuses_to_score():
    with pytest.raises(NotFittedError):
        Tagger().predict_proba(["文本"])


def test_fit_returns_self_and_learns_underscore_attributes(fitted):
    assert fitted.classes_ == ["consumption", "innovation", "rural"]
    assert fitted.coef_.shape[1] == 3 and fitted.coef_.dtype == np.float32 and fitted.coef_.flags.c_contiguous
    assert len(fitted.thresholds_) == 3 and all(0.25 <= t <= 0.75 for t in fitted.thresholds_)


def test_probabilities_in_unit_interval_and_fast_path_identical(fitted):
    texts = ["加强科技创新，突破关键核心技术。", "扩大农村消费。", "足球比赛。", "xyz"]
    proba = fitted.predict_proba(texts)
    assert proba.shape == (4, 3) and np.all((proba >= 0) & (proba <= 1))
    for text, row in zip(texts, proba):
        np.testing.assert_allclose(fitted.score_one(text), row, rtol=1e-5, atol=1e-6)


def test_tags_follow_the_domain_and_can_be_empty(fitted):
    tags = fitted.predict(["支持企业研发，强化科技创新。", "推动农田建设，促进农民增收。", "提振家电消费。", "加强国防和军队建设。"])
    assert tags[0][0] == "innovation" and tags[1][0] == "rural" and tags[2][0] == "consumption"
    assert tags[3] == []
    assert fitted.predict(["提振家电消费。"], threshold=0.0001)[0][0] == "consumption"
    assert len(fitted.predict(["提振家电消费。"], threshold=0.0001)[0]) == 3  # every domain passes a tiny threshold


def test_explanation_sums_to_decision_value_and_names_the_terms(fitted):
    text = "支持企业研发，强化科技创新。"
    k = fitted.classes_.index("innovation")
    decision = fitted.decision_function([text])[0, k]
    every = fitted.explain(text, "innovation", top=10_000)
    negatives = decision - fitted.intercept_[k] - sum(c.weight for c in every)
    # explain() lists the positive pushes; with the negative ones they add up to the decision value.
    assert negatives <= 1e-6
    terms = {c.term for c in fitted.explain(text, "innovation")}
    assert terms & {"研发", "科技", "创新"}


def test_fit_rejects_mismatched_inputs():
    with pytest.raises(ValueError, match="2 texts but y has 1"):
        Tagger().fit(["a", "b"], [["x"]])
    with pytest.raises(ValueError, match="no labels"):
        Tagger().fit(["a"], [[]])


def test_save_load_round_trip_gives_identical_scores(fitted, tmp_path):
    manifest = save_artifact(fitted, tmp_path, {"version": "v1"})
    assert len(manifest["sha256"]) == 64 and manifest["libraries"]["scikit-learn"]
    loaded, read = load_artifact(tmp_path)
    assert read["sha256"] == manifest["sha256"]
    np.testing.assert_array_equal(loaded.predict_proba(TECH), fitted.predict_proba(TECH))


def test_a_saved_model_is_read_by_earlier_versions_and_their_models_are_read_by_this_one(fitted, tmp_path):
    # Earlier versions load model files with joblib.load, and wrote them with joblib.dump: hosts of both versions
    # share one registry during an upgrade.
    save_artifact(fitted, tmp_path / "new", {"version": "v1"})
    by_joblib = joblib.load(tmp_path / "new" / MODEL_FILE)
    np.testing.assert_array_equal(by_joblib.predict_proba(TECH), fitted.predict_proba(TECH))
    assert by_joblib.thresholds_.tolist() == fitted.thresholds_.tolist()
    old = tmp_path / "old"
    save_artifact(fitted, old, {"version": "v1"})
    joblib.dump(fitted, old / MODEL_FILE)  # what an earlier version wrote, with its manifest
    manifest = json.loads((old / MANIFEST_FILE).read_text())
    manifest["sha256"] = hashlib.sha256((old / MODEL_FILE).read_bytes()).hexdigest()
    (old / MANIFEST_FILE).write_text(json.dumps(manifest))
    assert b"NumpyArrayWrapper" in (old / MODEL_FILE).read_bytes()
    loaded, _ = load_artifact(old)
    np.testing.assert_array_equal(loaded.predict_proba(TECH), fitted.predict_proba(TECH))


def test_tampered_model_file_is_refused_before_unpickling(fitted, tmp_path):
    save_artifact(fitted, tmp_path, {"version": "v1"})
    with open(tmp_path / MODEL_FILE, "ab") as handle:
        handle.write(b"\x00tampered")
    with pytest.raises(ArtifactError, match="does not match the SHA-256.*retrain"):
        load_artifact(tmp_path)


def test_other_scikit_learn_version_is_refused(fitted, tmp_path):
    save_artifact(fitted, tmp_path, {"version": "v1"})
    manifest = json.loads((tmp_path / MANIFEST_FILE).read_text())
    manifest["libraries"]["scikit-learn"] = "0.1.0"
    (tmp_path / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match="scikit-learn 0.1.0.*retrain"):
        load_artifact(tmp_path)


def test_missing_manifest_says_to_retrain(tmp_path):
    with pytest.raises(ArtifactError, match="missing; retrain"):
        load_artifact(tmp_path)


def test_threshold_is_the_best_f1_cut_within_the_range():
    from model.calibration import best_threshold

    proba = np.array([0.10, 0.30, 0.35, 0.60, 0.90])
    truth = np.array([0, 0, 1, 1, 1])
    # Any cut in (0.30, 0.35] separates perfectly; the one nearest 0.5 is 0.35.
    assert best_threshold(proba, truth, 0.25, 0.75) == 0.35
    # Perfectly separable everywhere in the range: ties go to 0.5.
    assert best_threshold(np.array([0.05, 0.95]), np.array([0, 1]), 0.25, 0.75) == 0.5
    # The range bounds the choice: F1 would prefer a cut at 0.11, outside it; inside, all cuts tie -> 0.5.
    assert best_threshold(np.array([0.1, 0.12, 0.9]), np.array([0, 1, 1]), 0.25, 0.75) == 0.5


def test_expected_share_of_negatives_lowers_scores_of_text_without_evidence():
    # Each paragraph repeated with windows would otherwise count several times; here the share of texts
    # about none of the classes is what changes the calibration.
    texts = TECH + FARM + SHOP + NONE
    labels = [["innovation"]] * 6 + [["rural"]] * 6 + [["consumption"]] * 6 + [[]] * 4
    groups = list(range(len(texts)))
    plain = Tagger(cv=3).fit(texts, labels, groups=groups)
    weighted = Tagger(cv=3, calibration_unit="group", none_share=0.8).fit(texts, labels, groups=groups)
    unrelated = ["他笑着点了点头，转身走进了雨里。"]
    assert weighted.predict_proba(unrelated).max() < plain.predict_proba(unrelated).max()
    assert weighted.get_params()["none_share"] == 0.8


def test_a_class_with_few_labelled_texts_is_calibrated_at_the_average_share_when_balanced():
    # Three consumption texts against six of each other class: labelled counts are effort, not frequency.
    texts = TECH + FARM + SHOP[:3] + NONE
    labels = [["innovation"]] * 6 + [["rural"]] * 6 + [["consumption"]] * 3 + [[]] * 4
    groups = list(range(len(texts)))
    params = {"cv": 3, "calibration_unit": "group", "none_share": 0.6}
    labelled = Tagger(**params).fit(texts, labels, groups=groups)
    balanced = Tagger(**params, class_prior="balanced").fit(texts, labels, groups=groups)
    new = ["提振汽车家电家居消费。", "培育服务消费新增长点。"]  # held out: the other consumption texts
    k = balanced.classes_.index("consumption")
    assert (balanced.predict_proba(new)[:, k] > labelled.predict_proba(new)[:, k]).all()


@pytest.mark.parametrize("params, message", [({"none_share": 1.0}, "strictly between 0 and 1"),
                                             ({"calibration_unit": "paragraph"}, "use 'row' or 'group'"),
                                             ({"class_prior": "equal"}, "use 'labelled' or 'balanced'")])
def test_calibration_settings_are_checked(params, message):
    with pytest.raises(ValueError, match=message):
        Tagger(cv=3, **params).fit(TECH + NONE, [["innovation"]] * 6 + [[]] * 4)
