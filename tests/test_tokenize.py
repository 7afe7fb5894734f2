"""Word segmentation: the fast backend (rjieba, when installed) must give jieba's tokens, token for token."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from model import tokenize
from model.features import prepare

ROOT = Path(__file__).resolve().parent.parent

# Varied on purpose: policy prose, news titles, digits and decimals, percentages, dates, latin words and
# acronyms, full-width forms, punctuation of both widths, quotes and brackets, URLs and e-mail, whitespace
# of several kinds, traditional characters, other scripts, emoji (outside the BMP) and empty input.
SAMPLE = [
    "加快建设科技强国，推动高水平科技自立自强。",
    "全面推进乡村振兴，加快建设农业强国，扎实推动乡村产业、人才、文化、生态、组织振兴。",
    "实施消费品以旧换新，培育壮大新型消费，扩大服务消费。",
    "2023年GDP增长5.2%，CPI同比上涨0.2%，第四季度环比增长1.0%。",
    "中华女子学院：本科层次仅1专业招男生",
    "东5环海棠公社230-290平2居准现房98折优惠",
    "iPhone 15 Pro Max售价9999元起，5G手机出货量同比增长",
    "A股三大指数集体收涨 沪指涨1.5% 创业板指涨2.3%",
    "Ｆｕｌｌ－ｗｉｄｔｈ ＡＢＣ１２３ 全角字符测试",
    "《中华人民共和国乡村振兴促进法》第二十条规定：“国家……”",
    "【组图】“双11”来了！你准备好了吗？(图)",
    "详见 https://www.gov.cn/zhengce/2024-01/01/content_123.htm?from=a&b=1 或来信 policy@example.com",
    "  前后有空格\t中间有制表符\n还有换行  ",
    "第十四个五年规划和2035年远景目标纲要",
    "3.14159和1,000,000以及-42、+7、1/2、3:30",
    "中英mixed文本test123测试CamelCase和snake_case",
    "——……《》【】〔〕「」『』·～！＠＃￥％……＆＊（）",
    "臺灣與香港的繁體字，還有乡村振兴的简体字",
    "日本語のテキストとカタカナ、한국어 텍스트, русский текст",
    "表情符号😀👍🏻和𠮷野家（扩展区汉字）",
    "①②③ⅠⅡⅢ㈠㈡ 特殊编号",
    "α β γ 希腊字母与数学符号 ≥ ≤ ± × ÷",
    "",
    " ",
    "a",
    "中",
]


def _corpus() -> list[str]:
    texts = list(SAMPLE)
    for line in (ROOT / "tests" / "fixtures" / "policy_eval.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            texts.append(json.loads(line)["text"])
    return texts + [prepare(t) for t in texts]  # the form features are built from, too


# Both comparisons load jieba's own dictionary (over a second), which nothing else in the quick set needs.
@pytest.mark.slow
def test_words_is_jiebas_segmentation_with_hmm_off():
    for text in _corpus():
        assert tokenize.words(text) == tokenize.jieba_words(text), text


@pytest.mark.slow
def test_rjieba_gives_jiebas_tokens_token_for_token():
    rjieba = pytest.importorskip("rjieba")
    for text in _corpus():
        assert rjieba.cut(text, False) == tokenize.jieba_words(text), text


def test_rjieba_is_used_when_installed_unless_jieba_is_asked_for(monkeypatch):
    monkeypatch.delenv("POLICYTAG_TOKENIZER", raising=False)
    installed = tokenize._rjieba is not None
    assert (tokenize._choose() is tokenize._rjieba_words) == installed
    monkeypatch.setenv("POLICYTAG_TOKENIZER", "jieba")
    assert tokenize._choose() is tokenize.jieba_words
    assert tokenize.backend() in ("jieba", "rjieba")


def test_jieba_reference_is_used_when_rjieba_is_missing(monkeypatch):
    monkeypatch.setattr(tokenize, "_rjieba", None)
    monkeypatch.delenv("POLICYTAG_TOKENIZER", raising=False)
    assert tokenize._choose() is tokenize.jieba_words
