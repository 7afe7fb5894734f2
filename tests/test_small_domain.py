"""A curator's new domain, taught with about ten short labelled paragraphs, is learned: its held-out
paragraphs are tagged and text about none of the domains stays untagged (one fit on the seeds, ~1-2 s)."""
from __future__ import annotations

import pytest

from tests.conftest import SEEDS
from training.data.bootstrap import Example
from training.data.taxonomy import Taxonomy, load_taxonomy, make_domain
from training.learning.train import fit_tagger, load_training_data

# Written for this test, in the register of work reports; none is in the README or the seeds.
ECOLOGY = [
    "扎实推进黄河流域生态保护和高质量发展，加强水土流失综合治理。",
    "持续开展大规模国土绿化行动，科学推进荒漠化、石漠化综合治理。",
    "强化重点行业挥发性有机物治理，推动钢铁行业超低排放改造。",
    "推进城市黑臭水体治理，加强入河排污口排查整治。",
    "落实河湖长制和林长制，加强河湖岸线保护和水域空间管控。",
    "完善生态环境保护督察制度，严肃查处破坏生态环境的违法行为。",
    "加强重点海域综合治理，推进美丽海湾保护与建设。",
    "实施长江十年禁渔，加强珍稀濒危野生动植物保护。",
    "加强建设用地土壤污染风险管控，保障重点建设用地安全利用。",
    "积极稳妥推进碳达峰碳中和，完善能源消耗总量和强度调控。",
]
NEGATIVES = ["加快建设体育强国，广泛开展全民健身运动。", "办好人民满意的教育，促进义务教育优质均衡发展。"]
HELD_OUT_ECOLOGY = [
    "加强生态环境保护，推进美丽中国建设，持续改善生态环境质量。",
    "推进重点流域水生态保护修复，加强饮用水水源地保护。",
    "加强自然保护地和生态保护红线监管，提升生态系统多样性和稳定性。",
    "推进固体废物综合利用和污染治理，持续开展塑料污染治理。",
    "深入开展大气污染防治，加强细颗粒物和臭氧协同控制。",
]
HELD_OUT_NONE = [
    "深化医药卫生体制改革，提升基层医疗卫生服务能力。",
    "加强国防教育，巩固军政军民团结。",
    "坚持和发展新时代“枫桥经验”，完善社会矛盾纠纷多元预防调处化解机制。",
]


@pytest.fixture(scope="module")
def ecology_model():
    base = load_taxonomy(SEEDS)
    ecology = make_domain({"id": "ecology", "name_zh": "生态环境", "name_en": "Ecology",
                           "keywords": ["生态", "环境保护"]}, "test")
    taxonomy = Taxonomy([*base.domains, ecology], base.unmatched_negatives)
    examples = load_training_data(SEEDS, taxonomy).examples
    examples += [Example(t, ("ecology",), "store") for t in ECOLOGY] + [Example(t, (), "store") for t in NEGATIVES]
    return fit_tagger(examples, taxonomy)


def test_held_out_paragraphs_of_a_ten_paragraph_domain_are_tagged(ecology_model):
    tags = ecology_model.predict(HELD_OUT_ECOLOGY)
    assert sum(t[:1] == ["ecology"] for t in tags) >= 4, list(zip(HELD_OUT_ECOLOGY, tags))


def test_the_new_domain_does_not_take_other_prose(ecology_model):
    tags = ecology_model.predict(HELD_OUT_NONE)
    assert tags == [[] for _ in HELD_OUT_NONE], list(zip(HELD_OUT_NONE, tags))
