"""PDFs from real producers, generated on the fly from text of our own, and how to score a reader on them.

- `print_html_pdf`: Debian's Chromium prints an HTML page (fonts-noto-cjk) to PDF, with or without its own
  running header and footer (date, title, address, page numbers);
- `export_docx_pdf`: LibreOffice Writer (headless) exports a .docx written with python-docx;
- `make_columns_pdf`, `make_infographic_pdf`: reportlab draws a two-column page line by line across both
  columns, and a page of scattered labels.

`SOURCE` is the document every producer sets: (kind, text) units in reading order. `score` compares what a
reader extracted with it: character accuracy (1 - edit distance / length), source units found as one row,
rows made only of punctuation, and order.
"""
from __future__ import annotations

import html
import shutil
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

TITLE = "关于加快科技创新推动产业高质量发展的实施意见"
SALUTATION = "各市人民政府，省直各部门："

LONG = ("过去五年，全省上下坚持把科技创新作为推动发展的第一动力，创新投入持续加大，创新能力显著增强。"
        "全社会研发经费投入从2019年的1200亿元增加到2023年的1850亿元，年均增长11.4%，研发投入强度由2.1%提高到"
        "2.6%；每万人口高价值发明专利拥有量达到12.3件，技术合同成交额突破2000亿元，比2019年翻了一番。"
        "重大创新平台加快布局，新建省实验室8家、国家级技术创新中心3家，累计建成国家重点实验室21家、"
        "省级以上企业技术中心1100余家，大科学装置实现零的突破。企业创新主体地位不断巩固，高新技术企业数量由"
        "6000家增长到1.3万家，科技型中小企业超过3万家，涌现出一批在细分领域具有全球竞争力的“隐形冠军”。"
        "关键核心技术攻关取得积极进展，在高端芯片设计、工业母机、新型储能、生物育种等领域突破了一批“卡脖子”技术，"
        "30余项成果获国家科学技术奖。科技成果转化机制逐步完善，职务科技成果赋权改革试点扩大到全部省属高校和科研"
        "院所，“先用后转”“先投后股”等新模式落地见效，一大批实验室成果走上了生产线。创新生态持续优化，"
        "出台科技创新“20条”、人才发展“30条”等政策文件，设立总规模100亿元的科技创新基金，科技信贷余额突破"
        "3000亿元，科创板上市企业达到45家。人才队伍不断壮大，全省研发人员总量达到38万人，引进高层次人才团队"
        "260个，“一站式”人才服务平台覆盖全部市（州）。区域创新格局加快形成，省会城市创新策源功能持续增强，"
        "沿江科技创新走廊初具规模，县域创新能力明显提升，国家创新型县（市）达到9个。开放创新迈出新步伐，"
        "与40多个国家和地区建立科技合作关系，建成国际联合研究中心35家，承办全球创新创业大会等重大活动。"
        "产业创新能力稳步提升，集成电路、新型显示、智能网联汽车、现代中药等产业集群规模不断扩大，"
        "战略性新兴产业增加值占地区生产总值的比重达到17.8%，高技术制造业增加值年均增长13.2%，数字经济核心产业"
        "增加值突破5000亿元。农业科技支撑作用更加突出，主要农作物良种覆盖率稳定在97%以上，农业科技进步贡献率"
        "达到63%，建成国家现代农业产业园12个，科技特派员实现脱贫县全覆盖。社会民生领域科技应用不断深化，"
        "在重大疾病防治、生态环境治理、防灾减灾、食品安全等方面取得一批实用成果，远程医疗服务覆盖所有县级医院，"
        "“互联网+政务服务”让群众办事更加便捷。科普工作扎实推进，公民具备科学素质的比例达到14.5%，"
        "建成科普教育基地420个，青少年科技创新活动蓬勃开展，全社会崇尚科学、尊重创新的氛围日益浓厚。"
        "科技管理体制改革持续深化，项目评审、人才评价、机构评估改革有序推进，科研经费“包干制”试点范围不断扩大，"
        "为科研人员松绑减负的各项措施落地生效，科研人员的积极性、主动性和创造性得到进一步激发。"
        "同时也要清醒看到，我省科技创新还存在不少短板：基础研究投入占比偏低，原始创新能力不强；企业研发投入"
        "分布不均，中小企业创新能力有待提升；科技成果就地转化率不高，产学研协同不够紧密；高端人才特别是战略"
        "科学家和领军人才依然紧缺；科技体制机制改革还需进一步深化。对此，我们必须增强忧患意识，坚持问题导向，"
        "以更大力度、更实举措推动科技创新工作再上新台阶，为全省经济社会高质量发展提供更加有力的科技支撑。")

# (kind, text): kind is title, heading (一、 / （一）), para, cell (one table cell; rows of _TABLE_COLUMNS),
# column (a paragraph of the two-column appendix) or column-heading (the appendix's own heading).
BODY: list[tuple[str, str]] = [
    ("para", "为深入实施创新驱动发展战略，加快建设现代化产业体系，推动经济实现质的有效提升和量的合理增长，"
             "结合我省实际，现提出如下实施意见。"),
    ("heading", "一、总体要求"),
    # Longer than a page of 16 pt text (~900 characters): a page break always falls inside it.
    ("para", LONG),
    ("para", "坚持以科技创新引领产业创新，以“四个面向”为导向，聚焦集成电路、生物医药、新能源汽车和人工智能"
             "（AI）等重点领域，统筹推进教育强省、科技强省、人才强省建设。到2027年，全省研发经费投入强度达到"
             "2.8%以上，高新技术企业突破1.5万家，规模以上工业企业研发机构覆盖率达到55%；到2030年，"
             "基本建成具有全国影响力的区域科技创新中心。"),
    ("para", "坚持有效市场和有为政府更好结合，强化企业科技创新主体地位，支持领军企业牵头组建创新联合体，"
             "推动产学研用深度融合。坚持开放合作，主动融入全球创新网络，积极参与国际大科学计划和大科学工程，"
             "营造鼓励创新、宽容失败的良好氛围！"),
    ("heading", "二、重点任务"),
    ("heading", "（一）强化基础研究和关键核心技术攻关"),
    ("para", "实施基础研究十年行动，省级财政对基础研究的投入年均增长不低于10%。围绕高端芯片、工业软件、"
             "先进材料等“卡脖子”环节，采取“揭榜挂帅”“赛马制”等方式组织攻关，每年实施重大科技专项30项左右，"
             "单个项目支持额度最高可达3000万元。鼓励企业与高校共建联合实验室，对新认定的国家重点实验室给予一次性"
             "奖励1000万元。"),
    ("para", "加快建设国家级和省级技术创新中心，推动5G、IoT、区块链等新一代信息技术与制造业深度融合。"
             "支持科研人员以“技术入股+现金入股”方式参与成果转化，职务科技成果转化收益中用于奖励研发团队的比例"
             "不低于70%。"),
    ("heading", "（二）培育壮大创新型企业"),
    ("para", "完善“科技型中小企业—高新技术企业—专精特新企业—单项冠军企业”梯度培育体系，对首次认定的高新技术"
             "企业给予30万元奖励。落实研发费用加计扣除政策，制造业企业研发费用按100%在税前加计扣除；"
             "对年度研发投入超过5000万元且增幅超过15%的企业，按增量部分的10%给予补助。"),
    ("para", "深化科技金融结合，设立规模100亿元的省级科技创新基金，引导社会资本投早、投小、投长期、投硬科技。"
             "扩大知识产权质押融资规模，力争到2027年质押融资额突破500亿元。鼓励保险机构开发首台（套）重大技术"
             "装备、首批次新材料和首版次软件保险产品。"),
    ("heading", "（三）推动产业数字化和绿色化转型"),
    ("para", "实施制造业数字化转型行动，每年推动1万家以上规模以上工业企业开展智能化改造和数字化转型，"
             "建设智能工厂200家、数字化车间1000个。推进工业互联网平台建设，打造5个以上国家级跨行业跨领域平台，"
             "带动上云企业超过10万家。"),
    ("para", "加快绿色低碳技术研发和推广应用，支持光伏、储能、氢能等新能源产业集群发展，单位GDP能耗比2020年"
             "下降13.5%，PM2.5平均浓度持续下降。推动钢铁、石化、建材等重点行业节能降碳改造，创建国家级绿色工厂"
             "150家以上……"),
    ("heading", "三、保障措施"),
    ("para", "加强组织领导。省科技创新委员会统筹协调全省科技创新重大事项，各市（州）要建立相应工作机制，"
             "明确责任分工，细化工作举措，确保各项任务落地见效。省直有关部门要按照职责分工，抓紧制定配套政策，"
             "形成工作合力。"),
    ("para", "强化人才支撑。深入实施“引才聚才”工程，对顶尖人才及其团队给予最高1亿元综合资助；"
             "完善科研人员职称评审、薪酬激励和容错纠错机制，赋予科学家更大技术路线决定权和经费使用权。"),
    ("para", "加强监测评估。建立科技创新统计监测和绩效评价制度，将研发投入、高新技术企业数量、技术合同成交额等"
             "指标纳入高质量发展考核，每年向社会公布评估结果。"),
]
_TABLE_COLUMNS = 3
TABLE: list[tuple[str, str]] = [("cell", text) for text in (
    "重点任务", "责任单位", "完成时限",
    "建设省实验室3家，推进重大科技基础设施和创新平台建设，形成一批标志性成果", "省科技厅", "2025年12月",
    "培育专精特新企业500家", "省工业和信息化厅", "2026年底",
    "设立省级科技创新基金", "省财政厅、省科技厅", "2024年起",
)]
COLUMNS: list[tuple[str, str]] = [
    ("column-heading", "附件：政策问答"),
    ("column", "问：哪些企业可以申请研发费用补助？答：在本省注册、具有独立法人资格，上年度研发投入超过5000万元"
               "且增幅超过15%的企业，均可按程序申请补助，补助资金按增量部分的10%核定。"),
    ("column", "问：科技创新基金如何运作？答：基金采取“母基金+子基金”模式，由省级财政出资引导，吸引社会资本"
               "共同参与，重点投向集成电路、生物医药、人工智能等战略性新兴产业的早期项目。"),
    ("column", "问：科研人员参与成果转化有哪些激励？答：职务科技成果转化收益中，用于奖励研发团队的比例不低于70%，"
               "科研人员可以“技术入股+现金入股”方式参与转化，并享受相关税收优惠政策。"),
    ("column", "问：政策从何时开始实施？答：本意见自印发之日起施行，有效期5年。各地各部门可结合实际制定具体"
               "实施办法，实施中遇到的问题请及时向省科技厅反映。"),
]
SOURCE: list[tuple[str, str]] = [("title", TITLE), ("para", SALUTATION), *BODY, *TABLE, *COLUMNS]

_CSS = """
@page { size: A4; }
body { font-family: "Noto Serif CJK SC", serif; font-size: 16pt; line-height: 1.75; margin: 0; }
h1 { font-family: "Noto Sans CJK SC", sans-serif; font-size: 22pt; text-align: center; margin: 0 0 24px; }
h2, h3 { font-family: "Noto Sans CJK SC", sans-serif; font-size: 17pt; margin: 14px 0 6px; }
h3 { font-size: 16pt; text-indent: 2em; }
p { margin: 0; text-indent: 2em; text-align: justify; }
p.salutation { text-indent: 0; }
table { border-collapse: collapse; margin: 16px 0; width: 100%; }
td, th { border: 1px solid #333; padding: 4px 8px; vertical-align: top; }
td:first-child { width: 45%; }
.appendix { break-before: page; }
.columns { column-count: 2; column-gap: 2.5em; }
"""


def source_html() -> str:
    """SOURCE as a web page: a centred title, first-line indents, headings, a table and a two-column appendix."""
    def text(value: str) -> str:
        return html.escape(value, quote=False)

    parts = [f"<h1>{text(TITLE)}</h1>", f'<p class="salutation">{text(SALUTATION)}</p>']
    for kind, value in BODY:
        if kind == "heading":
            parts.append(f"<h2>{text(value)}</h2>" if "、" in value[:3] else f"<h3>{text(value)}</h3>")
        else:
            parts.append(f"<p>{text(value)}</p>")
    cells = [value for _, value in TABLE]
    rows = [cells[i:i + _TABLE_COLUMNS] for i in range(0, len(cells), _TABLE_COLUMNS)]
    parts.append("<table>" + "".join(
        "<tr>" + "".join(f"<{'th' if r == 0 else 'td'}>{text(c)}</{'th' if r == 0 else 'td'}>" for c in row)
        + "</tr>" for r, row in enumerate(rows)) + "</table>")
    parts.append(f'<section class="appendix"><h2>{text(COLUMNS[0][1])}</h2><div class="columns">'
                 + "".join(f"<p>{text(value)}</p>" for _, value in COLUMNS[1:]) + "</div></section>")
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{text(TITLE)}</title>'
            f"<style>{_CSS}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n")


def chromium() -> str | None:
    """Debian's Chromium, if installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def soffice() -> str | None:
    """LibreOffice's soffice, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def print_html_pdf(path: Path, header_footer: bool) -> Path:
    """SOURCE printed to PDF by headless Chromium; `header_footer` keeps Chromium's date, title, address and
    page numbers in the page margins."""
    binary = chromium()
    if binary is None:
        raise FileNotFoundError("chromium")
    page = path.with_suffix(".html")
    page.write_text(source_html(), encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   f"--user-data-dir={profile}", f"--print-to-pdf={path}"]
        if not header_footer:
            command.append("--no-pdf-header-footer")
        subprocess.run([*command, page.resolve().as_uri()], check=True, capture_output=True, timeout=180)
    return path


def make_source_docx(path: Path) -> Path:
    """SOURCE as a Word file the way offices write them: everything in Normal style (headings are `一、` text),
    first-line indents of two characters, bold lead sentences, a running header, page numbers, a table and an
    appendix set in two columns."""
    import docx
    from docx.enum.section import WD_SECTION
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = "Noto Serif CJK SC"
    normal.font.size = Pt(16)  # 三号, the size of official documents' body text
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "Noto Serif CJK SC")
    section = document.sections[0]
    section.header.paragraphs[0].text = "某省人民政府办公厅文件"
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("— ")
    field_run = footer.add_run()._r
    for kind, value in (("begin", ""), ("", " PAGE "), ("end", "")):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = value
        field_run.append(element)
    footer.add_run(" —")

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(TITLE).font.size = Pt(22)
    document.add_paragraph(SALUTATION)
    for kind, value in BODY:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(32)
        if kind == "heading":
            paragraph.add_run(value).bold = True
            continue
        lead, dot, rest = value.partition("。")
        if dot and len(lead) <= 12:  # a bold lead sentence ("加强组织领导。") then the body in the same paragraph
            paragraph.add_run(lead + dot).bold = True
            paragraph.add_run(rest)
        else:
            paragraph.add_run(value)
    cells = [value for _, value in TABLE]
    table = document.add_table(rows=len(cells) // _TABLE_COLUMNS, cols=_TABLE_COLUMNS)
    table.style = "Table Grid"
    for index, value in enumerate(cells):
        table.cell(index // _TABLE_COLUMNS, index % _TABLE_COLUMNS).text = value
    # The appendix: a heading across the page, then a section of two columns on the same page.
    heading = document.add_paragraph()
    heading.add_run(COLUMNS[0][1]).bold = True
    heading.paragraph_format.page_break_before = True
    columns = document.add_section(WD_SECTION.CONTINUOUS)
    grid = columns._sectPr.find(qn("w:cols"))
    if grid is None:
        grid = OxmlElement("w:cols")
        columns._sectPr.append(grid)
    grid.set(qn("w:num"), "2")
    grid.set(qn("w:space"), "425")
    for _, value in COLUMNS[1:]:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(32)
        paragraph.add_run(value)
    document.save(path)
    return path


def export_docx_pdf(path: Path) -> Path:
    """SOURCE written as .docx, exported to PDF by LibreOffice Writer (headless)."""
    binary = soffice()
    if binary is None:
        raise FileNotFoundError("soffice")
    source = make_source_docx(path.with_suffix(".docx"))
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([binary, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(path.parent), str(source)], check=True, capture_output=True, timeout=300)
    return path.with_suffix(".pdf")


def _wrap(text: str, width: float, indent: float, size: float) -> list[tuple[str, float]]:
    """`text` broken into (line, x offset) that fill `width` points of STSong-Light at `size`, the first line
    indented by `indent` points, as a typesetter wraps CJK text (at any character)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[tuple[str, float]] = []
    start, room = 0, width - indent
    for end in range(1, len(text) + 1):
        if stringWidth(text[start:end], "STSong-Light", size) > room:
            lines.append((text[start:end - 1], width - room))
            start, room = end - 1, width
    lines.append((text[start:], width - room))
    return lines


def make_columns_pdf(path: Path, paragraphs: list[str], width: float = 200) -> Path:
    """One A4 page of two text columns `width` points wide, drawn by reportlab row by row across both columns
    (the left column's line, then the right column's line beside it), each paragraph with a two-character
    indent; the left column gets the first half of the paragraphs."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    size = 11
    half = (len(paragraphs) + 1) // 2
    left = [line for text in paragraphs[:half] for line in _wrap(text, width, 2 * size, size)]
    right = [line for text in paragraphs[half:] for line in _wrap(text, width, 2 * size, size)]
    sheet = canvas.Canvas(str(path), pagesize=A4)
    sheet.setFont("STSong-Light", size)
    y = A4[1] - 90
    for row in range(max(len(left), len(right))):
        for lines, x in ((left, 60), (right, 60 + width + 30)):
            if row < len(lines):
                text, indent = lines[row]
                sheet.drawString(x + indent, y, text)
        y -= size * 1.7
    sheet.showPage()
    sheet.save()
    return path


def make_rotated_pdf(path: Path, paragraphs: list[str], angle: int, page_rotation: int = 0) -> Path:
    """One A4 page whose text runs at `angle` degrees (a landscape page drawn turned), shown turned by
    `page_rotation` degrees (/Rotate); paragraphs wrapped by width with a two-character indent."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    sheet = canvas.Canvas(str(path), pagesize=A4)
    sheet.setPageRotation(page_rotation)
    width, height = A4 if angle in (0, 180) else A4[::-1]
    sheet.translate(A4[0] / 2, A4[1] / 2)
    sheet.rotate(angle)
    sheet.translate(-width / 2, -height / 2)
    sheet.setFont("STSong-Light", 12)
    y = height - 60
    for text in paragraphs:
        for line, indent in _wrap(text, width - 120, 24, 12):
            sheet.drawString(60 + indent, y, line)
            y -= 20
    sheet.showPage()
    sheet.save()
    return path


def make_infographic_pdf(path: Path, body: str) -> Path:
    """Two pages: `body` as a normal paragraph, then a page of labels and figures scattered like an infographic."""
    import random

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    sheet = canvas.Canvas(str(path), pagesize=A4)
    sheet.setFont("STSong-Light", 12)
    y = A4[1] - 90
    for start in range(0, len(body), 36):
        sheet.drawString(72, y, body[start:start + 36])
        y -= 20
    sheet.showPage()
    labels = ["研发投入", "2.8%", "高新技术企业", "1.5万家", "增长", "10%", "专精特新", "500家", "科技基金",
              "100亿元", "人才", "1亿元", "数字化车间", "1000个", "绿色工厂", "150家", "↑", "目标", "2027年"]
    shuffle = random.Random(7)
    for label in labels:
        sheet.setFont("STSong-Light", shuffle.choice((9, 12, 16, 22, 30)))
        sheet.drawString(shuffle.uniform(40, 480), shuffle.uniform(80, 760), label)
    sheet.showPage()
    sheet.save()
    return path


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions and substitutions of one character)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        previous = current
    return previous[-1]


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)} or {text}


@dataclass
class Score:
    """How well extracted rows reproduce the source units."""

    # 1 - (edit distance of matched pairs + characters of unmatched rows and units) / source characters, at least 0
    accuracy: float
    matched: list[tuple[int, int]] = field(default_factory=list)  # (source index, row index), both ascending
    missing: list[str] = field(default_factory=list)  # source units not found as one row
    extra: list[str] = field(default_factory=list)  # rows that match no source unit
    punctuation_rows: list[str] = field(default_factory=list)  # rows with no letter or digit

    @property
    def ok(self) -> bool:
        return self.accuracy >= 0.995 and not self.missing and not self.punctuation_rows

    def report(self) -> str:
        return (f"accuracy {self.accuracy:.4f}; missing {self.missing!r}; extra {self.extra!r}; "
                f"punctuation-only {self.punctuation_rows!r}")


def score(source: list[str], rows: list[str], found_at: float = 0.9) -> Score:
    """Align `rows` (in order) with `source` units (in order): each unit is matched to the first row at or after
    the previous match whose own accuracy is at least `found_at` (a unit split over two rows is not found)."""
    matched: list[tuple[int, int]] = []
    missing: list[str] = []
    distance = 0
    cursor = 0
    for index, unit in enumerate(source):
        grams = _bigrams(unit)
        best: tuple[float, int] | None = None
        for at in range(cursor, len(rows)):
            overlap = len(grams & _bigrams(rows[at])) / len(grams | _bigrams(rows[at]))
            if overlap > 0.5 and (best is None or overlap > best[0]):
                best = (overlap, at)
        if best is not None:
            cost = edit_distance(unit, rows[best[1]])
            if 1 - cost / len(unit) >= found_at:
                matched.append((index, best[1]))
                distance += cost
                cursor = best[1] + 1
                continue
        missing.append(unit)
        distance += len(unit)
    used = {row for _, row in matched}
    extra = [row for at, row in enumerate(rows) if at not in used]
    distance += sum(len(row) for row in extra)
    total = sum(len(unit) for unit in source)
    punctuation = [row for row in rows if not any(unicodedata.category(c)[0] in "LN" for c in row)]
    return Score(max(0.0, 1 - distance / total) if total else 0.0, matched, missing, extra, punctuation)
