"""Heading keywords match as words with context: exclude phrases, weak keywords, clauses, the report."""
from __future__ import annotations

from pathlib import Path

import pytest

from service.summaries import bootstrap_summary
from tests.conftest import SEEDS
from training.data.bootstrap import bootstrap_text
from training.data.taxonomy import Domain, Taxonomy, TaxonomyError, load_taxonomy, make_domain

TAXONOMY = load_taxonomy(SEEDS)


def test_a_keyword_inside_an_excluded_phrase_does_not_match():
    heading = "（五）在加强文化资源保护和推动文化创新发展上担当使命"
    found = TAXONOMY.match_heading(heading)
    assert found.domains == []
    assert "创新 inside 文化创新 ignored" in found.describe()
    # The same keyword outside the excluded phrase still counts.
    assert TAXONOMY.match("推动科技创新和文化创新协同发展") == ["innovation"]


def test_keywords_match_words_not_parts_of_other_words():
    assert TAXONOMY.match("保障农民工工资按时足额支付") == []  # 农民工: employment, not 农民
    assert TAXONOMY.match("促进农民持续增收") == ["rural"]
    assert TAXONOMY.match("培育壮大消费市场") == ["consumption"]  # 消费 heads the compound 消费市场
    assert TAXONOMY.match("加强消费者权益保护") == []  # 消费者: consumer protection


def test_several_domains_only_when_each_match_is_strong():
    assert TAXONOMY.match("扩大农村消费市场") == ["rural", "consumption"]
    # 创新 alone is weak: it labels a heading by itself, but not beside a strong match of another domain.
    assert TAXONOMY.match("坚持创新引领") == ["innovation"]
    assert TAXONOMY.match("创新消费场景") == ["consumption"]
    assert "innovation: weak match dropped" in TAXONOMY.match_heading("创新消费场景").describe()


def test_keywords_after_the_first_clause_are_context_only():
    found = TAXONOMY.match_heading("（二）健全城乡兜底保障和养老服务，照顾好城区和农村的困难老人。")
    assert found.domains == [] and found.ambiguous
    assert "rural: 农村 after the first clause ignored" in found.describe()
    assert TAXONOMY.match("（三）在城乡融合发展和乡村全面振兴上奋发有为，扎实推进农业农村现代化。") == ["rural"]


def test_a_phrase_keyword_after_a_first_clause_that_names_nothing_names_the_topic():
    # Work reports put a section's topic after a first clause about the approach: 深化改革攻坚，营造一流营商环境.
    ten = load_taxonomy(Path(__file__).parent / "fixtures" / "taxonomy10")
    assert ten.match("（四）深化改革攻坚，营造一流营商环境。") == ["business"]
    assert ten.match("七、深化重点领域改革，打造市场化法治化国际化一流营商环境") == ["business"]
    # Not a short keyword (a passing mention), and not beside a first clause that names a domain of its own.
    assert ten.match("（二）办好群众身边事，照顾好城区和农村的困难老人。") == []
    assert ten.match("（二）大力发展养老服务，营造良好营商环境。") == ["social"]


def test_the_bootstrap_report_names_the_keywords_of_each_heading():
    doc = "一、重点工作\n（一）推进乡村全面振兴和三农工作\n建设宜居宜业和美乡村。\n（二）加强文化创新\n繁荣文艺创作。\n"
    _, report = bootstrap_text(doc, "x.txt", TAXONOMY)
    text = bootstrap_summary(report, TAXONOMY)
    assert "（一）推进乡村全面振兴和三农工作 -> rural (乡村, 三农)" in text
    assert "（二）加强文化创新 -> (no match)   [innovation: 创新 inside 文化创新 ignored]" in text


def test_taxonomy_fields_are_validated(tmp_path: Path):
    with pytest.raises(TaxonomyError, match="'exclude' must be a list of non-empty strings"):
        make_domain({"id": "x", "name_zh": "某", "name_en": "X", "keywords": ["某"], "exclude": "文化创新"}, "t")
    with pytest.raises(TaxonomyError, match="unknown field 'keyword'"):
        make_domain({"id": "x", "name_zh": "某", "name_en": "X", "keyword": ["某"]}, "t")
    (tmp_path / "taxonomy.toml").write_text('[[domain]]\nid = "x"\nname_zh = "某"\nname_en = "X"\nkeywords = ["某"]\n'
                                             '[bootstrap]\nunmatched_negatives = "yes"\n', encoding="utf-8")
    with pytest.raises(TaxonomyError, match="unmatched_negatives = true or false"):
        load_taxonomy(tmp_path)


def test_domain_round_trips_through_its_dict():
    domain = Domain("ecology", "生态", "Ecology", ("生态",), ("绿色",), ("生态农业",))
    assert make_domain(domain.to_dict(), "t") == domain
    assert Taxonomy([domain]).match("发展生态农业") == []
