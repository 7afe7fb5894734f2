"""One rule for what counts as a tag: serving, eval and the gate agree on thresholds and on text with no
Chinese characters."""
from __future__ import annotations

import numpy as np
import pytest

from model.errors import ThresholdError
from model.rules import check_threshold, tag_mask
from tests.test_evaluate import StubTagger
from training.learning.evaluate import evaluate


@pytest.mark.parametrize("bad", [0, 0.0, -0.1, 1.5, True, "0.5"])
def test_one_allowed_threshold_range(bad):
    with pytest.raises(ThresholdError, match=r"\(0, 1\]"):
        check_threshold(bad)
    assert check_threshold(1) == 1.0 and check_threshold(None) is None


def test_text_without_chinese_gets_no_tags_however_high_its_scores():
    mask = tag_mask(["hello world", "。。。", "促进消费"], np.full((3, 2), 0.9), [0.5, 0.5])
    assert mask.tolist() == [[False, False], [False, False], [True, True]]


def test_eval_scores_the_tagger_users_get():
    stub = StubTagger(["innovation", "rural"], [0.5, 0.5], [[0.9, 0.1], [0.9, 0.1]])
    report = evaluate(stub, ["hello world", "推动科技创新"], [[], ["innovation"]])
    # Served, "hello world" gets no tags; eval must not count it as a wrong innovation tag.
    assert report["per_domain"]["innovation"]["fp"] == 0 and report["out_of_domain_untagged"] == 1.0
    with pytest.raises(ThresholdError):
        evaluate(stub, ["hello world", "推动科技创新"], [[], ["innovation"]], threshold=0.0)


def test_the_review_queue_and_the_audit_apply_the_same_rule(home):
    from tests.conftest import SEEDS
    from training.learning.audit import suggestion
    from training.workspace import Workspace

    ws = Workspace(home, SEEDS)
    ws.pool_import_texts(["hello world 2025", "推进高标准农田建设，促进农民持续增收。"])
    tagger, manifest = ws.load_model()
    tagger.thresholds_ = np.full(len(tagger.classes_), 1e-9)  # every score passes: only the rule's other half is left
    items = {item["text"]: item for item in ws.review_batch(tagger, manifest["version"], n=10)["items"]}
    assert items["hello world 2025"]["tags"] == [] and items["hello world 2025"]["scores"]
    tags = [t["domain"] for t in items["推进高标准农田建设，促进农民持续增收。"]["tags"]]
    assert len(tags) == len(tagger.classes_) and tags[0] == "rural"  # best first
    assert suggestion("hello world", np.full(len(tagger.classes_), 0.9), tagger) == []
