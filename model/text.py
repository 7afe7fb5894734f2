"""Reading documents: decoding, normalisation and splitting markdown/plain text into blocks.

A document becomes a list of `Block`s: headings (markdown `#` and enumerated sub-headings), content
paragraphs (with paragraphs broken by page breaks joined back together) and boilerplate (bylines, project
notes, affiliations, contact lines) that is kept aside so callers can report it.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from model.cjk_radicals import fold_radicals
from model.errors import PolicytagError


class DecodeError(PolicytagError, ValueError):
    """A file is not text in an encoding policytag reads."""


# Sentence-final punctuation: a line ending in one of these is a complete paragraph. A line that does not
# (e.g. "…全" before a page break) continues in the next paragraph.
SENTENCE_END = "。！？；…”’」』.!?;\""

# "Blank" text is made only of these: every character Python's str.isspace() accepts plus U+FEFF (a stray BOM).
# That is the union of the whitespace of Python, of JSON Schema patterns (ECMA-262 \s) and of pydantic (Rust
# regex \s), so the API's published schema, its validation and the store agree on what is empty.
BLANK_CHARS = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
               + "\u2028\u2029\u202f\u205f\u3000\ufeff")
# A regular expression (same meaning in Python, ECMA-262 and Rust) that matches text with a non-blank character.
NOT_BLANK_PATTERN = "[^" + "".join(f"\\u{ord(c):04x}" for c in BLANK_CHARS) + "]"


def is_blank(text: str) -> bool:
    """True when `text` has no character outside BLANK_CHARS (empty, spaces, line breaks, ideographic spaces)."""
    return not text.strip(BLANK_CHARS)


_MD_HEADING = re.compile(r"^(#{1,6})\s*(.+?)\s*#*\s*$")
# Enumerated sub-headings with the heading depth they open (deeper than any markdown heading).
_ENUMERATED = (
    (re.compile(r"^[一二三四五六七八九十百]+、"), 10),
    (re.compile(r"^[（(][一二三四五六七八九十百]+[)）]"), 11),
    (re.compile(r"^\d{1,2}[.．、](?!\d)"), 12),
    (re.compile(r"^[（(]\d{1,2}[)）]"), 13),
)
# A plain-text title (a short unpunctuated line alone before a blank line): below markdown headings, above
# enumerated sub-headings.
TITLE_LEVEL = 9
# A stand-alone enumerated line longer than this is a paragraph that opens with its own sub-heading.
_MAX_HEADING_CHARS = 60
_SENTENCE_SPLIT = re.compile(r"(?<=[。！？；!?;])")

_ATTACHMENT_ITEM = re.compile(r"^\d{1,2}\s*[.．、]\s*[^。！？；]{1,60}$")
_EMAIL_LINE = re.compile(r"^.{0,30}[\w.+-]+@[\w-]+(\.[\w-]+)+.{0,10}$")  # a short line around an e-mail
# Whole-line patterns only, so a content paragraph is never mistaken for boilerplate.
_BOILERPLATE = (
    ("byline", re.compile(r"^[□■]\s*[^。！？；，,.!?;:：]{1,24}$")),  # □王叶军 李思坤
    ("note", re.compile(r"^【[^】]*】$")),
    ("affiliation", re.compile(r"^[（(]\s*作者(单位|系|为)[^）)]*[）)]$")),
    ("contact", re.compile(r"^(投稿邮箱|联系电话|联系方式|责任编辑|本版编辑|来源)\s*[:：][^。！？]{0,40}$")),
    ("contact", _EMAIL_LINE),
    # Lines a web page wraps around a notice, kept when it is saved or scraped as text.
    # A bare 时间： line only with a web page's dashed date after it: a meeting notice's 时间：5月20日上午 is content.
    ("metadata", re.compile(r"^(发布时间|时间(?=\s*[:：]\s*\d{4}-)|发布日期|成文日期|印发日期|更新时间|信息来源"
                            r"|索引号|文号|发文字号|发文机关|发布机构|主题分类|公文种类|浏览次数|点击数|阅读次数)\s*[:：][^。！？]{0,120}$")),
    ("metadata", re.compile(r"^(?:【[^】]{1,12}】\s*){2,}$"  # 【字号：大 中 小】　【打印】　【关闭】
                            r"|^【?字体\s*[:：]?\s*[【\[]?大.{0,60}$"
                            r"|^.{0,40}(打印本页|关闭窗口|分享到)[^。！？]{0,40}$")),
    # The issuing body under a notice, on a line of its own.
    ("signature", re.compile(r"^[^\s，,。；;：:！？、]{2,30}(人民政府|办公室|办公厅|委员会|管委会|管理局)$"
                             r"|^(?:中共中央|国务院)(?:\s+(?:中共中央|国务院))?$")),  # a national opinion's: 国务院
    ("date", re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")),
    # Where the page sits on the site, and its QR-code line: 当前位置：首页 > 政务公开 > 政策文件.
    ("metadata", re.compile(r"^(?:(?:当前位置|您的位置|你的位置|您现在的位置)\s*[:：]|首页\s*[>＞»/→]).{0,80}$"
                            r"|^(?:手机|微信)?扫一扫(?:在手机上?)?(?:打开|查看|阅读|浏览)?(?:当前页面?|本页|此页)?(?:分享)?$")),
    # The site's menus and its footer, kept when a whole page is saved as text: 首页 | 政务公开 | 政务服务,
    # 上一篇：…, 版权所有：…, 网站标识码：…, 浙ICP备05003431号, 地址：… 邮编：….
    ("metadata", re.compile(r"^[^。！？；，|｜]{1,12}(?:\s*[|｜]\s*[^。！？；，|｜]{1,12}){2,}$"
                            r"|^(?:上一篇|下一篇|上一条|下一条|相关链接|相关文件|相关阅读|相关新闻|相关解读)\s*(?:[:：][^。！？]{0,80})?$"
                            r"|^(?:版权所有|主办单位|主办|承办单位|承办|技术支持|网站标识码|网站地图|联系我们|隐私声明|免责声明)"
                            r"(?:\s*[:：|｜]|\s*$)[^。！？]{0,100}$"
                            r"|^[^。！？]{0,60}(?:ICP备|公网安备)[^。！？]{0,60}$"
                            r"|^(?:地址|通讯地址|邮编|邮政编码)\s*[:：][^。！？]{1,60}$")),
    # A notice's numbered list of attachments (附件：1.…指南), not its text. An attachment's own heading
    # (附件：政策问答) stays: the attachment's text follows it.
    ("attachment", re.compile(r"^附件\s*[:：]\s*\d{1,2}\s*[.．、][^。！？；]{1,60}$")),
    # The publication note under a notice's signature: （此件公开发布）.
    ("note", re.compile(r"^[（(](?:此件|本文)[^）)]{1,12}[)）]$")),  # （此件公开发布）, （本文有删减）
    # A notice's closing clause: when it takes effect and lapses, who interprets it, which rule wins (本措施自印发之日起
    # 施行，有效期至2027年12月31日。…以本措施为准。). It is about no topic, and labelled by the notice's title it
    # taught every domain the words 施行 and 有效期.
    ("closing", re.compile(r"^本(?:实施)?(?:措施|意见|通知|办法|方案|规定|细则|政策|计划|规划|决定|指引|指南|清单)"
                           r"(?:自[^。！？，；]{1,20}(?:施行|执行|实施|生效)(?:[，,]有效期[^。！？，；]{1,20})?"
                           r"|由[^。！？，；]{1,30}负责解释)。(?:[^。！？；]{1,60}。){0,2}$")),
    # A document number on a line of its own under the title: 桐区府办发〔2025〕14号.
    ("metadata", re.compile(r"^[^\s，,。；;：:！？]{1,16}[〔\[［【(（]\d{4}[〕\]］】)）]\s*\d{1,4}\s*号$")),
)


@dataclass(frozen=True)
class Block:
    """One unit of a document: kind is 'heading', 'paragraph' or 'boilerplate'."""

    kind: str
    text: str
    line: int
    level: int = 0  # headings: 1-6 markdown/Word/HTML, 9 a plain-text title line, 10+ enumerated sub-headings
    role: str = ""  # boilerplate: byline / note / affiliation / contact
    joined: int = 0  # paragraphs: how many page breaks were mended to build it
    start: int = 0  # character offsets into the document's text: text[start:end] is where the block came from
    end: int = 0  # (a mended paragraph's span includes the line breaks it was mended across)
    lead: str = ""  # paragraphs: a run-in lead set apart by the document itself (bold in Word), else ""


def decode_bytes(data: bytes, name: str = "<input>") -> str:
    """Decode UTF-8 (BOM or not), UTF-16 with BOM, or GB18030/GBK bytes; raise DecodeError naming `name` otherwise."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")  # the BOM gives the byte order and is consumed
        except UnicodeDecodeError:
            raise DecodeError(f"{name}: starts like UTF-16 but does not decode as UTF-16; "
                              "re-save it as UTF-8") from None
        if "\x00" in text:
            raise DecodeError(f"{name}: looks like a binary file (NUL characters); give a text file")
        return text
    if b"\x00" in data[:8192]:
        raise DecodeError(f"{name}: looks like a binary file (NUL bytes); give a UTF-8 or GB18030 text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise DecodeError(f"{name}: not UTF-8 or GB18030/GBK text (Latin-1 or another encoding?); "
                          "re-save it as UTF-8") from None
    if not _plausible_chinese(text):
        raise DecodeError(f"{name}: not UTF-8, and as GB18030 it reads as gibberish (Latin-1, Big5 or Shift-JIS?); "
                          "re-save it as UTF-8")
    return text


def _plausible_chinese(text: str) -> bool:
    """GB18030 decodes almost any bytes, so bytes that are not UTF-8 must read as real Chinese to be accepted.

    Big5, Shift-JIS or Latin-1 read as GB18030 give private-use characters or mostly rare ones (Latin-1
    "Zürich" -> "Z黵ich": an accented letter plus the next ASCII byte makes one rare character). Real Chinese
    text is dominated by the 3,755 common characters (GB2312 level 1), however short it is.
    """
    if any("\ue000" <= c <= "\uf8ff" for c in text):
        return False
    cjk = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not cjk:
        # Not UTF-8 and not one Chinese character: only GB punctuation/full-width forms would get here.
        return not any(unicodedata.category(c).startswith(("L", "S")) and ord(c) > 0x7F
                       and not 0xFF00 <= ord(c) <= 0xFFEF for c in text)
    common = 0
    for c in cjk:
        try:
            common += 0xB0 <= c.encode("gb2312")[0] <= 0xD7
        except UnicodeEncodeError:
            pass
    return common / len(cjk) >= 0.5


def normalize(text: str) -> str:
    """Canonical form used for features and identity: CJK radicals folded, NFKC (full-width -> ASCII), lower case."""
    return unicodedata.normalize("NFKC", fold_radicals(text)).lower()


def split_sentences(text: str) -> list[str]:
    """Split a paragraph after sentence-final punctuation; keeps the punctuation."""
    return [s.strip() for s in _SENTENCE_SPLIT.split(text) if s.strip()]


# A paragraph's run-in lead sentence names its topic in work reports and plans (`稳定和扩大就业。全年……`):
# a first sentence this short, followed by more text, is read as one.
_LEAD_MAX_CHARS = 30
_LEAD_MIN_REST = 10
_LEAD_END = re.compile(r"[。！？；!?;]")


def lead_sentence(block: Block) -> str:
    """The run-in lead of a paragraph: the one its document set apart (bold), else a short first sentence
    followed by at least a clause more; '' when it has none."""
    if block.lead:
        return block.lead
    end = _LEAD_END.search(block.text)
    if end is None or end.end() > _LEAD_MAX_CHARS or len(block.text) - end.end() < _LEAD_MIN_REST:
        return ""
    return block.text[:end.end()]


def _boilerplate_role(line: str) -> str:
    for role, pattern in _BOILERPLATE:
        if pattern is _EMAIL_LINE and "@" not in line:
            continue  # the e-mail pattern backtracks over a whole long paragraph before failing
        if pattern.search(line):
            return role
    return ""


def _heading_level(line: str) -> tuple[int, str]:
    match = _MD_HEADING.match(line)
    if match:
        return len(match.group(1)), match.group(2)
    for pattern, level in _ENUMERATED:
        if pattern.match(line):
            return level, line
    return 0, line


def join_lines(a: str, b: str) -> str:
    """`a` and `b` as one line: no space between Chinese characters, one between Latin words."""
    # Latin words broken across lines need their space back; Chinese text has none.
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return a + " " + b
    return a + b


# A short line with no punctuation at all, standing alone between blank lines, is a title ("全面推进乡村振兴"),
# not the first half of a paragraph broken by a page break: those halves are long or carry a comma.
_TITLE_MAX_CHARS = 40
_ANY_PUNCTUATION = re.compile(r"[，、,：:；;。.！!？?…“”\"（）()《》—-]")
# An official document's title is longer and may quote (《》“”) or date ((2025—2027年)) what it is about, but it
# names its kind at the end, can carry a note in brackets after it, and has no clause or sentence punctuation:
# 关于印发《…行动方案（2025—2027年）》的通知, …规划纲要（节选）, …关于推进“一老一小”服务体系建设的通知.
_DOCUMENT_TITLE_MAX_CHARS = 100
_CLAUSE_PUNCTUATION = re.compile(r"[，,：:；;。！!？?]")
_DOCUMENT_KIND = re.compile(
    r"(通知|通告|通报|公告|公报|意见|措施|政策|方案|办法|细则|规定|决定|决议|规划|纲要|报告|计划|要点|条例|指引|指南"
    r"|清单|批复|函)"
    r"[》”]?(?:[（(][^（()）]{1,16}[)）])?$")


# A list item (——…行动计划, ①…办法, - …方案) or a name quoted alone (《…若干措施》) ends like a title but is content.
_LIST_ITEM = re.compile(r"^(?:[-*+•·●○◆◇■▪►▶√]|——|[①-⑳]|\d{1,2}[)）])|^《[^》]*》$")


def looks_like_document_title(line: str) -> bool:
    """An official document's title: `_DOCUMENT_KIND` at its end, no clause punctuation, not a list item."""
    return (len(line) <= _DOCUMENT_TITLE_MAX_CHARS and not _CLAUSE_PUNCTUATION.search(line)
            and not _LIST_ITEM.search(line) and _DOCUMENT_KIND.search(line) is not None)


def looks_like_title(line: str) -> bool:
    """A short line without any punctuation, or an official document's title: a title when it also stands
    alone."""
    return (len(line) <= _TITLE_MAX_CHARS and not _ANY_PUNCTUATION.search(line)) or looks_like_document_title(line)


def classify_unit(text: str, start: int = 0, line: int = 0, level: int = 0) -> list[Block]:
    """Blocks of one unit that is already known to be whole (a Word, PDF or HTML paragraph): a heading when
    `level` says so (a style or tag), else boilerplate, an enumerated heading (plus its body) or a paragraph."""
    text = text.strip()
    if not text:
        return []
    end = start + len(text)
    if level:
        return [Block("heading", text, line, level=level, start=start, end=end)]
    role = _boilerplate_role(text)
    if role:
        return [Block("boilerplate", text, line, role=role, start=start, end=end)]
    found, heading = _heading_level(text)
    if not found:
        return [Block("paragraph", text, line, start=start, end=end)]
    if found >= 10:
        first, *rest = split_sentences(text) or [text]
        # A run-in sub-heading (（一）扩大企业吸纳。对吸纳高校毕业生就业的……) heads the paragraph that follows it on
        # its line: long or short, the line is both, or its text would never be trained on.
        if rest and (len(text) > _MAX_HEADING_CHARS or len(text) - len(first) >= _LEAD_MIN_REST):
            body_at = start + text.find(rest[0], len(first))
            return [Block("heading", first, line, level=found, start=start, end=start + len(first)),
                    Block("paragraph", "".join(rest), line, start=body_at, end=end)]
    heading_at = start + text.find(heading) if found < 10 else start
    return [Block("heading", heading, line, level=found, start=heading_at, end=heading_at + len(heading))]


def parse_blocks(text: str) -> list[Block]:
    """Split a markdown or plain-text document into heading, paragraph and boilerplate blocks.

    Every non-empty line is a unit; a paragraph line that lacks sentence-final punctuation is joined with
    the next paragraph line (page breaks in PDF extractions, soft-wrapped plain text), except a line that
    `looks_like_title` standing alone before a blank or boilerplate line, which is a title (level 9); an
    official document's title (`looks_like_document_title`) need not stand alone where it opens the text or
    follows page lines or another title. Offsets index `text` with its
    line breaks as given ("\r\n" counts two characters).
    """
    blocks: list[Block] = []
    # text, first line, joins so far, start offset, end offset
    pending: tuple[str, int, int, int, int] | None = None

    def flush() -> None:
        nonlocal pending
        if pending is not None:
            blocks.append(Block("paragraph", pending[0], pending[1], joined=pending[2], start=pending[3],
                                end=pending[4]))
            pending = None

    lines = re.split(r"(\r\n|\r|\n)", text)
    raws = lines[0::2]
    offset = 0
    for number, raw in enumerate(raws, start=1):
        line_at = offset
        offset += len(raw) + (len(lines[2 * number - 1]) if 2 * number - 1 < len(lines) else 0)
        line = raw.strip().lstrip("\ufeff").strip()
        if not line:
            continue
        start = line_at + raw.find(line)
        end = start + len(line)
        role = _boilerplate_role(line)
        if not role and blocks and blocks[-1].role == "attachment" and _ATTACHMENT_ITEM.match(line):
            role = "attachment"  # the next names in the list of attachments (2.…名单)
        if role:
            flush()
            blocks.append(Block("boilerplate", line, number, role=role, start=start, end=end))
            continue
        level, heading = _heading_level(line)
        if not level and pending is None and line[-1] not in SENTENCE_END and looks_like_title(line):
            following = (raws[number] if number < len(raws) else "").strip()
            # Saved web pages put the page's metadata lines (发布时间, 文号) right under the title, and a notice
            # that issues a document (关于印发《…措施》的通知) runs on into that document's own title and text:
            # an official title needs no blank line after it where it opens the text or follows page lines or
            # another title. After a sentence, a line ending in 措施 is more likely the first half of the next.
            opens = not blocks or blocks[-1].kind == "boilerplate" or blocks[-1].level == TITLE_LEVEL
            if not following or _boilerplate_role(following) or (opens and looks_like_document_title(line)):
                blocks.append(Block("heading", line, number, level=TITLE_LEVEL, start=start, end=end))
                continue
        if level:
            parts = classify_unit(line, start, number)
            heading_blocks = [b for b in parts if b.kind == "heading"]
            if heading_blocks:
                flush()
                blocks += heading_blocks
            body = [b for b in parts if b.kind == "paragraph"]
            if not body:
                continue
            line, start = body[0].text, body[0].start
        if pending is None:
            pending = (line, number, 0, start, end)
        else:
            pending = (join_lines(pending[0], line), pending[1], pending[2] + 1, pending[3], end)
        if line[-1] in SENTENCE_END:
            flush()
    flush()
    return blocks


def select_units(blocks: list[Block]) -> tuple[list[Block], list[Block]]:
    """(blocks to tag, blocks left out): paragraphs and enumerated sub-headings are tagged; markdown and
    plain-text titles only when there is nothing else; boilerplate never."""
    units = [b for b in blocks if b.kind == "paragraph" or (b.kind == "heading" and b.level >= 10)]
    if not units:
        units = [b for b in blocks if b.kind == "heading"]
    chosen = {id(b) for b in units}
    return units, [b for b in blocks if id(b) not in chosen]


def heading_paths(blocks: list[Block]) -> list[tuple[str, ...]]:
    """For each block, the headings above it, outermost first. A heading's own path is its parents only:
    `二、` follows `一、`'s sub-sections in the stack but is not inside them."""
    stack: list[tuple[int, str]] = []
    paths = []
    for block in blocks:
        if block.kind == "heading":
            stack = [(lvl, h) for lvl, h in stack if lvl < block.level]
            paths.append(tuple(h for _, h in stack))
            stack.append((block.level, block.text))
        else:
            paths.append(tuple(h for _, h in stack))
    return paths


def split_for_tagging(text: str) -> tuple[list[str], list[Block]]:
    """(units to tag, skipped blocks): what `paragraphs` returns, and the boilerplate and titles left out."""
    units, skipped = select_units(parse_blocks(text))
    return [b.text for b in units], skipped
