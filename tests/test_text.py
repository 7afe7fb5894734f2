"""Reading documents: page-break rejoining, headings, boilerplate, encodings."""
from __future__ import annotations

import pytest

from model.text import DecodeError, decode_bytes, parse_blocks, split_for_tagging
from tests.text_helpers import paragraphs, read_document

BROKEN = """# 标题

第一段在分页处被截断，全

力推进后续工作。

同时,

下一页继续这句话。

完整的一段。
"""


def test_paragraph_broken_by_page_break_is_rejoined():
    blocks = [b for b in parse_blocks(BROKEN) if b.kind == "paragraph"]
    assert [b.text for b in blocks] == ["第一段在分页处被截断，全力推进后续工作。", "同时,下一页继续这句话。", "完整的一段。"]
    assert [b.joined for b in blocks] == [1, 1, 0]


def test_closing_quote_and_ascii_punctuation_end_a_paragraph():
    assert paragraphs("他说：“要加快发展。”\n\n第二段.\n\nThird one!") == ["他说：“要加快发展。”", "第二段.", "Third one!"]


def test_latin_words_split_by_a_line_break_keep_their_space():
    assert paragraphs("support for small\nbusinesses is growing.") == ["support for small businesses is growing."]


@pytest.mark.parametrize("line, level", [
    ("# 标题", 1), ("## 小节", 2), ("一、总体要求", 10), ("（二）重点任务。", 11), ("(三)保障措施", 11),
    ("1. 加强组织领导", 12), ("2、强化考核", 12),
])
def test_headings_are_recognised_and_never_paragraphs(line, level):
    blocks = parse_blocks(line + "\n\n正文内容。")
    assert blocks[0].kind == "heading" and blocks[0].level == level
    assert [b.kind for b in blocks] == ["heading", "paragraph"]
    # Tagging skips markdown titles but tags enumerated sub-headings: they carry content.
    units, skipped = split_for_tagging(line + "\n\n正文内容。")
    assert units == (["正文内容。"] if level < 10 else [blocks[0].text, "正文内容。"])
    assert [b.text for b in skipped] == ([blocks[0].text] if level < 10 else [])


def test_long_enumerated_line_is_a_heading_followed_by_its_paragraph():
    line = "（一）加快建设现代化产业体系。" + "推动传统产业改造升级，培育壮大新兴产业，前瞻布局未来产业，提升产业链供应链韧性和安全水平。" * 2
    blocks = parse_blocks(line)
    assert [b.kind for b in blocks] == ["heading", "paragraph"]
    assert blocks[0].text == "（一）加快建设现代化产业体系。"
    assert blocks[1].text.startswith("推动传统产业")


@pytest.mark.parametrize("line", [
    "（一）扩大企业吸纳。对吸纳高校毕业生就业的中小企业，按每人2000元给予一次性扩岗补助。",
    "3.落实税费减免。对招用退役军人的企业，按规定扣减增值税。",
])
def test_short_run_in_item_is_a_heading_and_its_paragraph(line):
    # Notices write short items on one line; the text after the item's heading is content to train on.
    blocks = parse_blocks(line)
    assert [b.kind for b in blocks] == ["heading", "paragraph"]
    assert blocks[0].text + blocks[1].text == line
    # A heading alone, or with too little after it to be a paragraph, stays a heading.
    assert [b.kind for b in parse_blocks("（一）指导思想。")] == ["heading"]
    assert [b.kind for b in parse_blocks("（一）坚持稳中求进；以进促稳。")] == ["heading"]


def test_numbers_are_not_enumerated_headings():
    assert paragraphs("1.5万亿元超长期特别国债已经下达。") == ["1.5万亿元超长期特别国债已经下达。"]


@pytest.mark.parametrize("line, role", [
    ("□王叶军 李思坤", "byline"),
    ("【本文系某省课题阶段性成果】", "note"),
    ("(作者单位:河北经贸大学)", "affiliation"),
    ("（作者单位：某大学）", "affiliation"),
    ("投稿邮箱:someone@163.com", "contact"),
    ("联系我们 editor@example.org", "contact"),
    ("本措施自印发之日起施行，有效期至2027年12月31日。", "closing"),
    ("本实施意见自2025年5月1日起施行，有效期5年。此前我市相关政策与本意见不一致的，以本意见为准。", "closing"),
    ("本通知由市人力资源社会保障局负责解释。", "closing"),
    ("国务院", "signature"),
    ("中共中央　国务院", "signature"),
    ("（本文有删减）", "note"),
])
def test_boilerplate_is_dropped_and_reported(line, role):
    blocks = parse_blocks(f"正文第一段。\n\n{line}\n\n正文第二段。")
    assert [b.kind for b in blocks] == ["paragraph", "boilerplate", "paragraph"]
    assert blocks[1].role == role
    assert paragraphs(f"正文第一段。\n\n{line}\n\n正文第二段。") == ["正文第一段。", "正文第二段。"]


@pytest.mark.parametrize("line", [
    "◆加快关键核心技术攻关，推动科技成果转化。",
    "请将意见发送至 someone@example.org，我们将认真研究并推动科技成果转化和产业化。",
    "来源：新华社记者报道，乡村振兴取得新进展，农民收入持续增长，各地积极推进和美乡村建设。",
    "本措施实施以来，全市新增城镇就业岗位3.2万个，帮扶困难人员就业4100人。",
    "本方案自印发之日起实施，到2027年全市建成标准化零工市场12家。对吸纳就业困难人员的企业给予每人3000元补贴；对开展"
    "以工代赈的项目，劳务报酬占比不低于15%；对返乡创业人员给予最高20万元担保贷款，并按规定贴息。",
])
def test_content_that_looks_a_little_like_boilerplate_is_kept(line):
    assert paragraphs(f"推进高标准农田建设。\n\n{line}") == ["推进高标准农田建设。", line]


@pytest.mark.parametrize("text, encoding", [
    ("推動科技創新，促進農村發展，擴大內需消費。加強國防建設，維護國家安全。", "big5"),
    ("科学技術の振興と農村の発展を推進する。消費の拡大を図る。", "shift_jis"),
])
def test_other_cjk_encodings_are_refused_not_read_as_gibberish(text, encoding):
    with pytest.raises(DecodeError, match="Big5 or Shift-JIS"):
        decode_bytes(text.encode(encoding), "old.txt")


def test_bare_title_is_its_own_paragraph():
    assert paragraphs("# 扩大内需") == ["扩大内需"]


TEXT = "# 乡村振兴\n\n推进高标准农田建设。\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_reads_utf8_bom_and_gb_encodings(tmp_path, encoding):
    path = tmp_path / f"doc-{encoding}.md"
    path.write_bytes(TEXT.encode(encoding))
    assert read_document(path) == TEXT


def test_undecodable_file_names_the_file_and_the_fix(tmp_path):
    path = tmp_path / "scan.txt"
    path.write_bytes(b"\x80\x81\xfe\xfd\xff" * 20)
    with pytest.raises(DecodeError, match=r"scan\.txt.*re-save it as UTF-8"):
        read_document(path)


def test_binary_file_is_refused():
    with pytest.raises(DecodeError, match="binary"):
        decode_bytes(b"PK\x03\x04\x00\x00binary", "archive.zip")


def test_a_heading_s_path_holds_its_parents_not_the_sections_before_it():
    from model.text import heading_paths, parse_blocks

    blocks = parse_blocks("一、全面推进乡村振兴\n（一）稳定粮食生产\n推进高标准农田建设。\n二、扩大内需\n大力提振消费。\n")
    paths = dict(zip((b.text for b in blocks), heading_paths(blocks)))
    assert paths["二、扩大内需"] == ()  # not filed under 一、 (its earlier sibling) and its sub-section
    assert paths["（一）稳定粮食生产"] == ("一、全面推进乡村振兴",)
    assert paths["推进高标准农田建设。"] == ("一、全面推进乡村振兴", "（一）稳定粮食生产")
    assert paths["大力提振消费。"] == ("二、扩大内需",)


# A notice as a user saves it from a government web page: its title quotes and dates what it is about, is
# longer than a heading, and has the page's metadata lines right under it.
SAVED_NOTICE = """桐屿区人民政府办公室关于印发《桐屿区推进“一老一小”服务体系建设三年行动方案（2025—2027年）》的通知
时间：2025-05-20 10:17　来源：区政府办公室
【字号：大 中 小】　【打印】　【关闭】
桐区府办发〔2025〕14号
各街道办事处、镇人民政府，区政府各部门：
现将《行动方案》印发给你们，请认真贯彻落实。
"""


def test_a_saved_notice_s_long_quoted_title_is_its_title_and_the_page_lines_are_boilerplate():
    blocks = parse_blocks(SAVED_NOTICE)
    assert [(b.kind, b.level) for b in blocks[:4]] == [("heading", 9)] + [("boilerplate", 0)] * 3
    assert blocks[0].text.endswith("》的通知")
    # The title is not glued to the addressee and the opening paragraph.
    assert [b.text for b in blocks if b.kind == "paragraph"] == [
        "各街道办事处、镇人民政府，区政府各部门：现将《行动方案》印发给你们，请认真贯彻落实。"]


@pytest.mark.parametrize("title", ["云岭市国民经济和社会发展第十五个五年规划纲要（节选）",
                                   "梧川县人民政府关于学习运用“千万工程”经验扎实推进乡村全面振兴的实施意见",
                                   "关于印发芦湾县农村人居环境整治提升三年行动方案（2025—2027年）的通知",
                                   "关于2024年度全区安全生产工作考核情况的通报"],
                         ids=["note", "quotes", "dates", "report"])
def test_official_titles_with_quotes_dates_and_notes_stand_alone_as_titles(title):
    blocks = parse_blocks(f"{title}\n\n第一段正文。\n")
    assert (blocks[0].kind, blocks[0].level, blocks[0].text) == ("heading", 9, title)


def test_an_unfinished_sentence_that_ends_with_a_document_kind_is_still_joined_to_its_rest():
    # A paragraph broken by a page break may end a line with 通知 or 方案; its clause punctuation shows it
    # is a sentence, not a title.
    text = "各地要按照省里的统一部署，认真落实国务院办公厅的通知\n\n要求，抓好各项工作。\n"
    assert [(b.kind, b.text) for b in parse_blocks(text)] == [
        ("paragraph", "各地要按照省里的统一部署，认真落实国务院办公厅的通知要求，抓好各项工作。")]


# A notice that issues a document, saved from the site's page with its breadcrumb and QR-code lines, no
# blank lines: the wrapper's title, the issued document's own title, then the document.
ISSUING_NOTICE = """当前位置：首页 > 政务公开 > 政策文件
青禾市人民政府办公室关于印发《青禾市促进消费扩容提质若干措施》的通知
信息来源：市政府办公室　发布时间：2025-03-14　浏览次数：1286
扫一扫在手机打开当前页
各县（市、区）人民政府，市政府各部门：
《青禾市促进消费扩容提质若干措施》已经市政府同意，现印发给你们，请认真贯彻执行。
青禾市人民政府办公室
2025年3月12日
（此件公开发布）
青禾市促进消费扩容提质若干措施
为进一步释放消费潜力，制定以下措施。
一、扩大汽车消费
对个人消费者购买新能源汽车的，给予每台3000元补贴。
"""


def test_an_issuing_notice_s_two_titles_are_titles_and_its_page_lines_are_boilerplate():
    blocks = parse_blocks(ISSUING_NOTICE)
    titles = [b.text for b in blocks if b.kind == "heading" and b.level == 9]
    assert titles == ["青禾市人民政府办公室关于印发《青禾市促进消费扩容提质若干措施》的通知", "青禾市促进消费扩容提质若干措施"]
    assert [b.text for b in blocks if b.kind == "paragraph"] == [
        "各县（市、区）人民政府，市政府各部门：《青禾市促进消费扩容提质若干措施》已经市政府同意，现印发给你们，请认真贯彻执行。",
        "为进一步释放消费潜力，制定以下措施。", "对个人消费者购买新能源汽车的，给予每台3000元补贴。"]
    assert {b.text[:4] for b in blocks if b.kind == "boilerplate"} >= {"当前位置", "扫一扫在", "（此件公"}



SAVED_PAGE = """首页 | 政务公开 | 政务服务 | 互动交流 | 走进青禾
关于促进高校毕业生就业创业的若干措施
发布时间：2025-03-14 10:20 来源：市人社局
各区县人民政府，市政府各部门：
为做好高校毕业生就业工作，现提出如下措施。
一、拓宽就业渠道
对吸纳高校毕业生就业的中小企业，按每人2000元给予一次性扩岗补助。
附件：1.青禾市高校毕业生就业补贴申领指南
2.青禾市就业见习基地名单
青禾市人民政府办公室
2025年3月10日
上一篇：关于印发青禾市2025年民生实事项目的通知
下一篇：青禾市人民政府关于公布第二批市级非遗名录的通知
网站地图 | 联系我们 | 隐私声明
主办：青禾市人民政府办公室 承办：青禾市大数据发展中心
版权所有：青禾市人民政府 网站标识码：3301000001
浙ICP备05003431号 浙公网安备33010002000058号
地址：青禾市人民路1号 邮编：310000 联系电话：0571-12345678
"""


def test_a_whole_saved_page_s_menus_footer_and_attachment_list_are_boilerplate():
    # Saved whole, a page puts its menu right above the title (which was glued to it and lost) and its links,
    # footer and the notice's list of attachments below the text (which were glued into one long paragraph).
    blocks = parse_blocks(SAVED_PAGE)
    assert [(b.kind, b.level, b.text) for b in blocks if b.kind != "boilerplate"] == [
        ("heading", 9, "关于促进高校毕业生就业创业的若干措施"),
        ("paragraph", 0, "各区县人民政府，市政府各部门：为做好高校毕业生就业工作，现提出如下措施。"),
        ("heading", 10, "一、拓宽就业渠道"),
        ("paragraph", 0, "对吸纳高校毕业生就业的中小企业，按每人2000元给予一次性扩岗补助。")]
    assert [b.role for b in blocks if b.text.startswith(("附件", "2.青禾"))] == ["attachment", "attachment"]


@pytest.mark.parametrize("text", [
    "主办单位要落实安全主体责任，活动期间每日开展巡查。\n附件中的申请表由企业自行下载填写。\n",
    "上一篇报道提到的问题已经整改到位。\n1.对吸纳就业的企业给予补贴。\n",
    "附件：政策问答\n1.对吸纳就业的企业给予每人2000元补贴。\n",
], ids=["organiser", "previous article", "attachment with its text"])
def test_sentences_that_start_like_a_page_footer_or_an_attachment_list_stay_content(text):
    # An attachment's own heading, with its text after it, is not the list of attachments.
    blocks = parse_blocks(text)
    assert all(b.kind != "boilerplate" for b in blocks)
    assert "".join(b.text for b in blocks) == text.replace("\n", "")


@pytest.mark.parametrize("text", [
    "今年重点推进以下工作。\n——实施新一轮千亿斤粮食产能提升行动计划\n——完善城乡居民基本养老保险待遇调整办法\n",
    "全年新建高标准农田5万亩。\n按照市委市政府统一部署我们制定出台了稳就业若干措施\n发放一次性扩岗补助2300万元。\n",
    "出台了一系列政策文件。\n《桐屿区促进消费扩容提质若干措施》\n《桐屿区支持民营经济发展壮大若干措施》\n上述政策累计兑现资金2.3亿元。\n",
    "会议安排如下。\n时间：2025年5月20日（星期二）上午9:00\n地点：市政府第一会议室。\n",
    "推行不见面审批。\n企业扫一扫二维码即可在线申报补贴\n，审核结果当天反馈。\n",
], ids=["list items", "wrapped line", "quoted names", "meeting time", "qr sentence"])
def test_content_lines_that_end_like_a_title_or_start_like_a_page_line_stay_content(text):
    # Lines after a sentence that end in 计划/办法/措施 are list items or the first half of a wrapped sentence,
    # and a meeting's 时间 or a sentence about 扫一扫 is not the web page's: nothing here is dropped or a title.
    blocks = parse_blocks(text)
    assert {b.kind for b in blocks} == {"paragraph"}
    assert "".join(b.text for b in blocks) == text.replace("\n", "")
