"""Explanations people can read: the words of a text that pushed a domain's score, not the model's raw features.

The model's features are jieba words, word pairs and character 1-3 grams (with punctuation and text
boundaries), and the same characters count several ways: `科技` as a word, as a character bigram and through
`科` and `技`. Shown as they are, a tag's top features are often `、`, `等`, single characters or
fragments such as `技创`. Here every feature's contribution is gathered onto the words of the text it came
from: a word feature onto its word, a word pair half onto each word, a character n-gram onto the words its
characters belong to, in proportion to the characters (spread over its occurrences). Each word then has one
weight, the sum of everything the model saw of it, and the list leaves out what carries no domain meaning:
punctuation, numbers, single characters, and the function words and policy boilerplate in `GENERIC_WORDS`
(`经济`, `发展`, `推进`, ...). What is left out is never reassigned, so a tag resting on boilerplate alone gets
a short or empty list rather than a misleading one.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from model.features import BOS, EOS, prepare
from model.tagger import Tagger
from model.tokenize import words

# How many terms an explanation lists per tag.
EXPLAIN_TERMS = 8

# Words that occur throughout policy prose whatever it is about, and function words: true contributions to a
# score, but no reason a reader would accept for a domain. Chosen from the register of work reports, plans and
# theory pages (not from any model's output); a word that names a subject (科技, 农村, 消费, 企业 is not one)
# never belongs here.
GENERIC_WORDS = frozenset("""
发展 经济 建设 推进 推动 加快 加强 坚持 全面 深入 实施 完善 健全 提升 提高 促进 支持 实现 持续 积极 不断 进一步
着力 大力 扎实 切实 统筹 重点 重要 主要 工作 任务 体系 机制 制度 政策 措施 能力 水平 质量 高质量 领域 方面 问题
要求 目标 作用 地位 意见 方案 规划 计划 行动 项目 全省 全市 全县 全区 全国 我省 我市 我县 我区 我国 我们 国家
地方 各地 各级 政府 部门 单位 社会 群众 人民 企业 产业 行业 市场 服务 管理 保障 安全 稳定 增长 增加 扩大 优化
改革 开放 合作 协同 融合 创造 打造 培育 构建 形成 强化 深化 落实 开展 组织 引导 鼓励 规范 保护 治理 稳步 有序
有效 有力 显著 明显 不断 更加 更好 新型 现代 现代化 战略 战略性 关键 核心 基础 基本 总体 整体 综合 系统 一体化
资金 投入 投资 规模 结构 布局 功能 环境 条件 基层 中心 平台 载体 示范 试点 标准 指导 机构 主体 力度 效率 效益
成效 成果 经验 做法 模式 路径 方式 举措 手段 途径 渠道 资源 要素 动力 活力 潜力 优势 特色 品质 亿元 万元 万人
年度 今年 去年 全年 过去 当前 目前 未来 近年来 以来 期间 同时 以及 通过 进行 对于 关于 按照 围绕 聚焦 面向 依托
其中 以上 以下 左右 一个 一批 一些 这些 这个 那些 各类 各项 多元 多样 一系列 第一 首先 其次 最后 并且 而且 但是
可以 能够 需要 必须 应当 已经 正在 还是 就是 不是 没有 作为 成为 具有 实际 真正 始终 主动 全力 共同 广大 领导
党委 党组织 责任 考核 监管 监督 执行 问责 生产 经营 运行 发挥 带动 加大 用好 抓好 办好 做好 搞好 取得 达到
""".split())

_HAS_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HAS_LETTER = re.compile(r"[^\W\d_]")  # a letter of any script (Han included), not a digit or punctuation


def meaningful(term: str) -> bool:
    """Whether a word may stand in an explanation: two or more characters, a letter in it (not punctuation or a
    number alone) and not generic (GENERIC_WORDS)."""
    return len(term) >= 2 and bool(_HAS_LETTER.search(term)) and term not in GENERIC_WORDS


# Characters that are words of their own (particles, prepositions, measure words): they end a run of single
# characters that is otherwise read as one word.
_FUNCTION_CHARS = frozenset("的了和与及等在是对把为将以从向于由被让使之其并而或也都就又还要到给地得着过所个各每该此这那"
                            "有无不没很更最较已再才即如若则但且乃系")


def _units(prepared: str) -> tuple[list[str], list[int], list[str], list[int]]:
    """How the text's words are shown: (the jieba tokens; per token, the shown word it belongs to; the shown
    words; per character of `prepared`, its shown word or -1 for a space).

    Tokens are the featurizer's (jieba, HMM off, spaces dropped). jieba without its HMM leaves a word missing
    from its dictionary as single characters (`算力` -> `算`, `力`), so a run of single Han characters that are
    not function characters is shown as one word.
    """
    owner = [-1] * len(prepared)
    tokens: list[str] = []
    token_unit: list[int] = []
    shown: list[str] = []
    at, joinable, last_end = 0, False, -1
    for token in words(prepared):
        start = prepared.find(token, at)
        if start < 0 or not token.strip():  # a space (the featurizer drops those), or never expected: a gap
            joinable = False
            continue
        at = start + len(token)
        single = len(token) == 1 and bool(_HAS_HAN.match(token)) and token not in _FUNCTION_CHARS
        if single and joinable and start == last_end:
            shown[-1] += token
        else:
            shown.append(token)
        joinable, last_end = single, at
        for i in range(start, at):
            owner[i] = len(shown) - 1
        tokens.append(token)
        token_unit.append(len(shown) - 1)
    return tokens, token_unit, shown, owner


def display_words(text: str) -> list[str]:
    """The words of `text` as explanations show them, in order: normalised as the model sees it, spaces dropped,
    runs of single characters joined as in `_units` (filter them with `meaningful`)."""
    return paragraph_words([text])[0]


def paragraph_words(texts: Sequence[str]) -> list[list[str]]:
    """`display_words` of many texts, segmented in one call of the tokenizer (its per-call cost dominates short
    paragraphs): the same words, text by text."""
    out: list[list[str]] = []
    shown: list[str] = []
    joinable = False
    # A line break never occurs inside a prepared text (whitespace is collapsed), so it marks the boundaries.
    for token in words("\n".join(prepare(t) for t in texts) + "\n"):
        if "\n" in token:  # one boundary per line break (an empty text gives two in a row)
            for _ in range(token.count("\n")):
                out.append(shown)
                shown = []
            joinable = False
            continue
        if not token.strip():
            joinable = False
            continue
        single = len(token) == 1 and bool(_HAS_HAN.match(token)) and token not in _FUNCTION_CHARS
        if single and joinable:
            shown[-1] += token
        else:
            shown.append(token)
        joinable = single
    return out


def _occurrences(items: Sequence[str], gram: Sequence[str]) -> list[int]:
    """Where `gram` starts in `items` (overlapping occurrences too): a string in a string, or tokens in tokens."""
    if isinstance(items, str) and isinstance(gram, str):
        found, at = [], items.find(gram)
        while at >= 0:
            found.append(at)
            at = items.find(gram, at + 1)
        return found
    n = len(gram)
    return [i for i in range(len(items) - n + 1) if items[i] == gram[0] and list(items[i:i + n]) == list(gram)]


def word_weights(contributions: Iterable[tuple[str, float]], text: str) -> dict[str, float]:
    """Every feature contribution (name, value) of `text` gathered onto the words it is shown as: {word: weight}.

    A feature's value is spread evenly over its occurrences in the text, and within an occurrence over its
    tokens (word n-grams) or characters (character n-grams); text boundaries and spaces take no share.
    """
    prepared = prepare(text)
    tokens, token_unit, shown, owner = _units(prepared)
    framed_tokens = [BOS, *tokens, EOS]
    framed_chars = BOS + prepared + EOS
    token_owner, char_owner = [-1, *token_unit, -1], [-1, *owner, -1]
    weights: defaultdict[int, float] = defaultdict(float)
    for name, value in contributions:
        gram: Sequence[str]
        if name.startswith("w:"):
            gram = name[2:].split(" ")
            places, where = _occurrences(framed_tokens, gram), token_owner
        else:
            gram = name[2:]
            places, where = _occurrences(framed_chars, gram), char_owner
        for at in places:
            inside = [where[i] for i in range(at, at + len(gram)) if where[i] >= 0]
            for unit in inside:
                weights[unit] += value / (len(inside) * len(places))
    merged: defaultdict[str, float] = defaultdict(float)
    for unit, weight in weights.items():
        merged[shown[unit]] += weight
    return dict(merged)


def explain_terms(tagger: Tagger, text: str, domain: str, top: int = EXPLAIN_TERMS) -> list[dict[str, Any]]:
    """The `top` words of `text` that pushed `domain`'s score most, best first: [{"term", "kind": "word",
    "weight"}] with positive weights only, meaningless words left out (see the module docstring)."""
    weights = word_weights(tagger.contributions(text, domain), text)
    ranked = sorted(((w, t) for t, w in weights.items() if w > 0 and meaningful(t)), key=lambda x: (-x[0], x[1]))
    return [{"term": term, "kind": "word", "weight": round(weight, 4)} for weight, term in ranked[:top]]
