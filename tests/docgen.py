"""Test documents generated on the fly (nothing binary is committed): .docx, text-layer PDFs, HTML pages.

Shared by the reader tests and any test that needs real files of each format; all text is our own.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

RURAL = ("推进高标准农田建设，加强农田水利基础设施建设，提高粮食综合生产能力，促进农民持续增收，"
         "全面推进乡村振兴，加快建设农业强国，确保国家粮食安全和重要农产品稳定安全供给。")
INNOVATION = "加快关键核心技术攻关，推动科技成果转化和产业化，培育发展新质生产力。"
CONSUMPTION = "扩大服务消费，培育消费新场景，推动消费品以旧换新，增强消费对经济增长的拉动作用。"
HEADER = "某省人民政府工作报告"
# A sentence that a page break splits: its first 36 characters fill the last line of a page.
ACROSS_PAGES = "推进农业科技创新，加强农业基础设施建设，提高农业综合效益和竞争力，促进农民收入持续较快增长。"


def make_docx(path: Path, styled: bool = True) -> Path:
    """Styled: Heading 1/2 styles. Plain: everything Normal, '一、'/'（一）' written as text, plus a table."""
    import docx

    document = docx.Document()
    if styled:
        document.add_heading("科技创新引领高质量发展", level=1)
        document.add_paragraph(INNOVATION)
        document.add_heading("全面推进乡村振兴", level=2)
        document.add_paragraph(RURAL)
        document.add_heading("提振消费", level=2)
        document.add_paragraph(CONSUMPTION)
    else:
        document.add_paragraph("一、全面推进乡村振兴")
        document.add_paragraph("（一）稳定粮食生产")
        document.add_paragraph(RURAL)
        document.add_paragraph("二、扩大内需")
        table = document.add_table(rows=2, cols=2)
        table.cell(0, 0).text = "重点任务"
        table.cell(0, 1).text = "责任单位"
        merged = table.cell(1, 0).merge(table.cell(1, 1))
        merged.text = CONSUMPTION
        document.add_paragraph(INNOVATION)
    document.save(path)
    return path


def make_pdf(path: Path, pages: int = 2, width_chars: int = 36) -> Path:
    """A text-layer PDF (reportlab's built-in STSong-Light CID font): per page a running header, a section
    heading, a paragraph wrapped over several lines, and a page number; the last body paragraph of each page
    but the last runs on over the page break."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    page_width, page_height = A4
    sheet = canvas.Canvas(str(path), pagesize=A4)
    numerals = "一二三四五六七八九十"
    for page in range(pages):
        sheet.setFont("STSong-Light", 9)
        sheet.drawString(72, page_height - 40, HEADER)
        sheet.setFont("STSong-Light", 12)
        y = page_height - 90
        if page > 0:  # the end of the sentence broken by the previous page break
            sheet.drawString(72, y, ACROSS_PAGES[width_chars:])
            y -= 28
        sheet.drawString(72, y, f"{numerals[page % 10]}、全面推进乡村振兴第{page + 1}部分")
        y -= 24
        for line in textwrap.wrap(RURAL, width_chars):
            sheet.drawString(72, y, line)
            y -= 18
        y -= 10
        if page < pages - 1:  # a full-width line without final punctuation at the foot of the body
            sheet.drawString(72, y, ACROSS_PAGES[:width_chars])
        sheet.setFont("STSong-Light", 9)
        sheet.drawString(page_width / 2, 30, f"- {page + 1} -")
        sheet.showPage()
    sheet.save()
    return path


def make_scanned_pdf(path: Path) -> Path:
    """A PDF whose page holds only drawing, like a scan without OCR."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    sheet = canvas.Canvas(str(path), pagesize=A4)
    sheet.rect(72, 72, 300, 500, fill=1)
    sheet.showPage()
    sheet.save()
    return path


PAGE = """<!DOCTYPE html>
<html><head><meta charset="{charset}"><title>政策解读</title>
<style>p {{ color: red; }}</style><script>var menu = "首页 政策 解读";</script></head>
<body><nav><a href="/">首页</a> | <a href="/zc">政策文件</a></nav>
<header>某省人民政府门户网站</header>
<article><h1>全面推进乡村振兴</h1>
<p>　　{rural}</p>
<h2>科技创新</h2>
<div>{innovation}<br>第二行内容，另起一段。</div>
<ul><li>{consumption}</li></ul></article>
<footer>版权所有 联系我们 网站地图</footer></body></html>
"""


def make_html(path: Path, charset: str = "utf-8") -> Path:
    """A saved web page with navigation, scripts and a footer around the article; written in `charset`."""
    text = PAGE.format(charset=charset, rural=RURAL[:40] + "\n" + RURAL[40:], innovation=INNOVATION,
                       consumption=CONSUMPTION)
    path.write_bytes(text.encode("gb18030" if charset.lower() in ("gb2312", "gbk", "gb18030") else charset))
    return path


def make_indented_pdf(path: Path, lines: list[tuple[str, int, float]]) -> Path:
    """A one-page PDF from (text, x offset from the left margin in points, font size) lines, top to bottom;
    x = -1 centres the line."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    page_width, page_height = A4
    sheet = canvas.Canvas(str(path), pagesize=A4)
    y = page_height - 90
    for text, x, size in lines:
        sheet.setFont("STSong-Light", size)
        if x < 0:
            sheet.drawCentredString(page_width / 2, y, text)
        else:
            sheet.drawString(72 + x, y, text)
        y -= size * 1.6
    sheet.showPage()
    sheet.save()
    return path


def long_report(path: Path, paragraphs: int = 600) -> Path:
    """A markdown work report of `paragraphs` paragraphs under `一、`…`十、` sections, drawn in a fixed order from
    the project's own labelled writing (benchmarks/data and the evaluation fixtures), each at most once."""
    import json

    root = Path(__file__).resolve().parent.parent
    texts: list[str] = []
    for source in (root / "benchmarks" / "data" / "al_pool.jsonl", root / "tests" / "fixtures" / "hard_eval.jsonl",
                   root / "tests" / "fixtures" / "policy_eval.jsonl"):
        for line in source.read_text(encoding="utf-8").splitlines():
            text = json.loads(line)["text"].strip() if line.strip() else ""
            if text and text[-1] in "。！？；" and text not in texts:
                texts.append(text)
    if len(texts) < paragraphs:
        raise ValueError(f"only {len(texts)} distinct paragraphs to draw from, {paragraphs} asked for")
    lines = ["# 某市2025年政府工作报告", ""]
    per_section = -(-paragraphs // 10)
    for number, start in enumerate(range(0, paragraphs, per_section)):
        lines += [f"{'一二三四五六七八九十'[number]}、第{number + 1}部分工作", ""]
        for text in texts[start:min(start + per_section, paragraphs)]:
            lines += [text, ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
