"""Explanations people can trust: words of the text, each once, no punctuation, numbers, single characters or
boilerplate; every feature's weight gathered onto the words it came from; and, on the evaluation fixture, more
explanations that a person would accept (benchmarks/explain.py, with words fixed in advance)."""
from __future__ import annotations

import importlib.util
import json
import re

import pytest

from model.explain import GENERIC_WORDS, display_words, explain_terms, meaningful, word_weights
from model.features import prepare
from model.tagging import tag_paragraphs
from tests.conftest import ROOT
from training.ops.registry import Registry

HARD = ROOT / "tests" / "fixtures" / "hard_eval.jsonl"


@pytest.fixture(scope="module")
def tagger(trained_home):
    model, _ = Registry(trained_home).load()
    return model


def bench():
    spec = importlib.util.spec_from_file_location("bench_explain", ROOT / "benchmarks" / "explain.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fixture_texts() -> list[str]:
    return [json.loads(line)["text"] for line in HARD.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_explained_term_is_a_meaningful_word_of_its_text(tagger):
    texts = fixture_texts()
    explained = 0
    for result in tag_paragraphs(tagger, texts, explain=True):
        prepared = prepare(result.text).replace(" ", "")
        for domain, _ in result.tags:
            terms = result.explanations[domain]
            names = [t["term"] for t in terms]
            explained += 1
            assert len(names) == len(set(names)), names  # a word once, whatever features it came through
            for term in terms:
                name = term["term"]
                assert term["kind"] == "word" and term["weight"] > 0
                assert len(name) >= 2 and name not in GENERIC_WORDS, name
                assert re.search(r"[^\W\d_]", name), name  # a letter: not punctuation or a number alone
                assert name in prepared, (name, result.text)
            weights = [t["weight"] for t in terms]
            assert weights == sorted(weights, reverse=True)
    assert explained > 100


def test_generic_words_single_characters_and_punctuation_explain_no_tag(tagger):
    # "经济, 即, 提, 信心" once explained a consumption tag of a paragraph about private enterprise; 、 and 等 were terms.
    text = "民营经济是推进中国式现代化的生力军，要提振民营企业信心，即时兑现各项惠企政策，支持平台企业在创造就业等方面大显身手。"
    for domain in tagger.classes_:
        names = {t["term"] for t in explain_terms(tagger, text, domain, top=20)}
        assert not names & {"经济", "即", "提", "、", "等", "，"}, (domain, names)


def test_a_words_character_n_grams_are_gathered_onto_it_and_nothing_is_lost(tagger):
    text = "加快关键核心技术攻关，推动科技成果转化。"
    contributions = tagger.contributions(text, "innovation")
    weights = word_weights(contributions, text)
    # Every feature's value is spread over the words it came from (the text has no spaces, so nothing is dropped).
    assert sum(weights.values()) == pytest.approx(sum(v for _, v in contributions), abs=1e-9)
    assert set(weights) <= set(display_words(text))
    # jieba reads 科技成果 as one word: the character n-grams 科, 科技, 技成, ... and the pair "推动 科技成果" count for it.
    word_only = sum(v for name, v in contributions if name == "w:科技成果")
    inside = [name for name, _ in contributions if name.startswith("c:") and name[2:] in "科技成果" and len(name) > 3]
    assert inside and weights["科技成果"] != pytest.approx(word_only)


def test_a_run_of_single_characters_reads_as_one_word():
    # jieba without its HMM splits a word missing from its dictionary into characters: 算力 -> 算, 力.
    assert "算力" in display_words("算力规模跃居全国前列。")
    assert display_words("农村的路") == ["农村", "的", "路"]  # a function character is not joined


def test_meaningful_drops_punctuation_numbers_single_characters_and_boilerplate():
    assert [w for w in ["，", "2028", "5.6%", "农", "经济", "推进", "科技", "5g", "以旧换新"] if meaningful(w)] == [
        "科技", "5g", "以旧换新"]


def test_more_explanations_a_person_would_accept_than_the_raw_features(tagger):
    module = bench()
    result = module.measure(tagger, fixture_texts(), module.accepted_words())
    assert result["tags"] > 100
    assert result["readable_accepted"] >= result["raw_accepted"] >= 0.8
    # The first word shown was a single character or a fragment a quarter of the time; now it rarely is.
    assert result["readable_first_accepted"] >= 0.9 > result["raw_first_accepted"]
    assert result["readable_terms_accepted"] > result["raw_terms_accepted"] + 0.1
