"""PDFs from real producers read back as the documents they were made from.

Chromium's print to PDF and LibreOffice's export (slow: each starts a program; skipped with the reason where
it is not installed) of one policy document written here (tests/pdfgen.py): first-line indents, CJK
punctuation, numbers and Latin words inside Chinese lines, a paragraph longer than a page, running headers
and footers, a table and a two-column appendix. reportlab PDFs cover what those producers do not: columns
drawn row by row across the page, and a page of scattered labels. A report written as a Word file that names no
fonts and exported by LibreOffice (its quotes set in a Western font) reads as the Word file does.

For each: character accuracy >= 0.995, every source unit found as one row, no row made only of punctuation,
no row that is not in the source (page furniture), and the source order.
"""
from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path

import pytest

from model.readers import Document, ReadError, read_path
from service.cli import main
from tests.docgen import ACROSS_PAGES, RURAL, make_indented_pdf, make_pdf
from tests.pdfgen import (
    COLUMNS,
    LONG,
    SOURCE,
    TABLE,
    TITLE,
    chromium,
    export_docx_pdf,
    make_columns_pdf,
    make_infographic_pdf,
    make_rotated_pdf,
    print_html_pdf,
    score,
    soffice,
)
from tests.taxonomy_fixture import DOCS, write_docx

SOURCE_TEXTS = [text for _, text in SOURCE]
NEEDS_CHROMIUM = pytest.mark.skipif(chromium() is None, reason="needs Debian's chromium (apt-get install -y "
                                    "chromium fonts-noto-cjk; .ci/run does this)")
NEEDS_SOFFICE = pytest.mark.skipif(soffice() is None, reason="needs LibreOffice's soffice (apt-get install -y "
                                   "libreoffice-writer-nogui fonts-noto-cjk; .ci/run does this)")


@pytest.fixture(scope="session")
def producer_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The source document from each installed producer, made once per test session."""
    folder = tmp_path_factory.mktemp("producers")
    made: dict[str, Path] = {}
    if chromium() is not None:
        made["chromium"] = print_html_pdf(folder / "chromium.pdf", header_footer=False)
        made["chromium-header-footer"] = print_html_pdf(folder / "chromium-header-footer.pdf", header_footer=True)
    if soffice() is not None:
        made["libreoffice"] = export_docx_pdf(folder / "libreoffice.pdf")
    return made


def read_one(path: Path) -> Document:
    [document] = read_path(path)
    return document


def assert_reads_as(document: Document, source: list[str]) -> None:
    result = score(source, [block.text for block in document.blocks])
    assert result.ok and not result.extra, result.report()


def assert_source_structure(document: Document) -> None:
    """The title is a title, 一、/（一） lines are headings at their depth, everything else a paragraph."""
    kinds = {block.text: (block.kind, block.level) for block in document.blocks}
    assert kinds[TITLE] == ("heading", 9)
    for kind, text in SOURCE:
        if kind == "heading":
            assert kinds[text] == ("heading", 10 if "、" in text[:2] else 11), text
        elif kind != "title":
            assert kinds[text] == ("paragraph", 0), text
    units = [block.text for block, _ in document.units()]
    assert LONG in units and all(text in units for _, text in TABLE)


@pytest.mark.slow
@NEEDS_CHROMIUM
@pytest.mark.parametrize("variant", ["chromium", "chromium-header-footer"])
def test_chromium_print_reads_as_the_page(producer_pdfs, variant):
    document = read_one(producer_pdfs[variant])
    assert_reads_as(document, SOURCE_TEXTS)
    assert_source_structure(document)
    # The paragraph longer than a page was mended across the page break.
    assert [block.joined for block in document.blocks if block.text == LONG] == [1]
    # Chromium's own header and footer (date, title, file address, "2/6") are dropped; the title is kept once.
    assert "file://" not in document.text and document.text.count(TITLE) == 1
    assert not any("/" in block.text and block.text.replace("/", "").isdigit() for block in document.blocks)


@pytest.mark.slow
@NEEDS_SOFFICE
def test_libreoffice_export_reads_as_the_document(producer_pdfs):
    document = read_one(producer_pdfs["libreoffice"])
    assert_reads_as(document, SOURCE_TEXTS)
    assert_source_structure(document)
    assert [block.joined for block in document.blocks if block.text == LONG] in ([1], [2])
    # The running header and the "— 3 —" page numbers are dropped.
    assert "某省人民政府办公厅文件" not in document.text
    assert not any(re.fullmatch(r"—\s*\d+\s*—", block.text) for block in document.blocks)


def _font_of(path: Path, char: str) -> str:
    """The font PDFium reports for the first `char` of the PDF."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    pdf = pdfium.PdfDocument(path)
    try:
        for page in pdf:
            textpage = page.get_textpage()
            at = textpage.get_text_range().find(char)
            if at >= 0:
                name = ctypes.create_string_buffer(256)
                pdfium_c.FPDFText_GetFontInfo(textpage.raw, at, name, 256, None)
                return name.value.decode("latin-1")
        return ""
    finally:
        pdf.close()


@pytest.mark.slow
@NEEDS_SOFFICE
def test_libreoffice_export_with_quotes_in_a_western_font_reads_as_the_word_file(tmp_path):
    # A Word file that names no fonts (as python-docx writes it) gets the quotes “” in a Western font, and
    # LibreOffice writes a line's text font by font: 。“ ” and then 云岭办事通 between them. Read in that order,
    # every line with quotes broke into pieces and its paragraph into several (448 paragraphs for 162).
    word = write_docx(DOCS / "report_yunling.txt", tmp_path / "report.docx")
    subprocess.run([soffice(), f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(word)], check=True, capture_output=True,
                   timeout=300)
    pdf = tmp_path / "report.pdf"
    if _font_of(pdf, "“") == _font_of(pdf, "省"):
        pytest.skip("no Western font installed: LibreOffice set the quotes in the Chinese font")
    expected = [block.text for block in read_one(word).blocks]
    assert "“" in "".join(expected)
    found = [block.text for block in read_one(pdf).blocks]
    # The signature line 云岭省人民政府省长　许某某 is two pieces either side of its full-width space.
    assert [text for text in found if text not in expected] == ["云岭省人民政府省长", "许某某"]
    assert [text for text in expected if text not in found] == ["云岭省人民政府省长\u3000许某某"]


@pytest.mark.slow
@pytest.mark.skipif(chromium() is None and soffice() is None, reason="needs chromium or LibreOffice")
def test_policytag_tag_rows_read_as_the_documents(producer_pdfs, runner, home, tmp_path):
    folder = tmp_path / "pdfs"
    folder.mkdir()
    for name, path in producer_pdfs.items():
        (folder / f"{name}.pdf").write_bytes(path.read_bytes())
    result = runner.invoke(main, ["tag", "--home", str(home), str(folder), "-j", "1"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    for name in producer_pdfs:
        texts = [row["text"] for row in rows if row["source"].endswith(f"{name}.pdf")]
        # Rows are what gets tagged: everything but the title (headings 一、/（一） are tagged too).
        assert_reads_as_rows(texts, SOURCE_TEXTS[1:])


def assert_reads_as_rows(rows: list[str], source: list[str]) -> None:
    result = score(source, rows)
    assert result.ok and not result.extra, result.report()


def test_reportlab_report_pdf_reads_as_drawn(tmp_path):
    """The line-by-line reportlab report: headers, page numbers, a sentence broken by each page break."""
    document = read_one(make_pdf(tmp_path / "report.pdf", pages=3))
    source = []
    for page in range(3):
        source += [f"{'一二三'[page]}、全面推进乡村振兴第{page + 1}部分", RURAL]
        if page < 2:
            source.append(ACROSS_PAGES)
    assert_reads_as(document, source)


def test_reportlab_indented_notice_reads_as_drawn(tmp_path):
    full = "推进高标准农田建设，加强农田水利基础设施建设，提高粮食综合生产能力。"
    rest = "促进农民持续增收，加快建设农业强国，确保国家粮食安全和重要农产品稳定安全"
    document = read_one(make_indented_pdf(tmp_path / "notice.pdf", [
        ("关于全面推进乡村振兴的实施意见", -1, 16), ("各市人民政府，省直各部门：", 0, 12),
        (full, 24, 12), (rest, 0, 12), ("供给。", 0, 12)]))
    assert_reads_as(document, ["关于全面推进乡村振兴的实施意见", "各市人民政府，省直各部门：", full + rest + "供给。"])


def test_columns_drawn_row_by_row_are_read_column_by_column(tmp_path):
    """reportlab draws each row across both columns (left line, right line): the reader still reads down the
    left column, then the right one, and mends the paragraph that runs from one column into the next."""
    paragraphs = [text for _, text in COLUMNS[1:]] + [RURAL]
    document = read_one(make_columns_pdf(tmp_path / "columns.pdf", paragraphs))
    assert_reads_as(document, paragraphs)


@pytest.mark.parametrize(("angle", "page_rotation"), [(0, 90), (0, 180), (90, 270), (270, 90), (180, 0)])
def test_turned_pages_read_like_upright_ones(tmp_path, angle, page_rotation):
    """Landscape pages: text drawn turned and shown upright by /Rotate, or an upright page given a /Rotate."""
    paragraphs = [text for _, text in COLUMNS[1:]]
    document = read_one(make_rotated_pdf(tmp_path / "turned.pdf", paragraphs, angle, page_rotation))
    assert_reads_as(document, paragraphs)


def test_page_of_scattered_text_is_left_out_with_a_warning(tmp_path):
    body = SOURCE_TEXTS[2]
    document = read_one(make_infographic_pdf(tmp_path / "brief.pdf", body))
    assert [block.text for block in document.blocks] == [body]
    [warning] = document.warnings
    assert warning.startswith(f"{tmp_path / 'brief.pdf'}: page 2 left out: 19 pieces of text scattered")


def test_left_out_page_reaches_the_user_of_tag(runner, home, tmp_path):
    path = make_infographic_pdf(tmp_path / "brief.pdf", SOURCE_TEXTS[2])
    result = runner.invoke(main, ["tag", "--home", str(home), str(path), "-j", "1"])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["text"] for line in result.stdout.splitlines()] == [SOURCE_TEXTS[2]]
    assert f"warning: {path}: page 2 left out" in result.stderr
    assert "1 part(s) of files read were left out:" in result.stderr


def test_only_scattered_text_is_an_error_not_an_empty_document(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "chart.pdf"
    sheet = canvas.Canvas(str(path), pagesize=A4)
    for index in range(20):
        sheet.setFont("STSong-Light", 9 + index % 4 * 5)
        sheet.drawString(40 + (index * 97) % 470, 80 + (index * 263) % 680, f"指标{index}")
    sheet.showPage()
    sheet.save()
    with pytest.raises(ReadError, match=r"chart\.pdf: no page reads as running text .*charts or infographics"):
        read_one(path)


def test_left_out_page_is_listed_in_an_upload_result(client, tmp_path):
    from tests.test_api import conforms

    path = make_infographic_pdf(tmp_path / "brief.pdf", SOURCE_TEXTS[2])
    response = client.post("/v1/upload", data={"file": (io.BytesIO(path.read_bytes()), "brief.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    [result] = response.get_json()["results"]
    assert [p["text"] for p in result["paragraphs"]] == [SOURCE_TEXTS[2]]
    assert result["skipped"] == [{"text": "brief.pdf: page 2 left out: 19 pieces of text scattered over the page "
                                          "(a chart or an infographic?) have no reading order", "reason": "left out"}]
    conforms(response.get_json(), "UploadResponse")
