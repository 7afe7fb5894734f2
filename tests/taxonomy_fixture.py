"""The ten-domain fixture (`tests/fixtures/taxonomy10/`) turned into the folder a user would have.

The source documents are our own writing in a light markup: `# title` on the first line, headings and
paragraphs one a line, a bold run-in lead sentence written `**稳定和扩大就业。**` at a paragraph's start. Here
they become what users actually have: work reports and plans as Word files (title a centred bold `Normal`
paragraph, `一、`/`（一）` headings as `Normal` paragraphs, bold lead runs), one report printed to PDF by
Chromium when it is installed, and notices as plain text saved from web pages (scraped metadata lines kept,
some with Windows line ends). Nothing generated is committed.
"""
from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

FIXTURE = Path(__file__).parent / "fixtures" / "taxonomy10"
DOCS = FIXTURE / "docs"
EVAL = FIXTURE / "eval.jsonl"
TAXONOMY = FIXTURE / "taxonomy.toml"
CHROMIUM = Path("/usr/bin/chromium")
_BOLD = re.compile(r"^\*\*(.+?)\*\*(.*)$")
_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|第[一二三四五六七八九十]+章)")
# Which documents are Word files, which one is a browser-printed PDF; the rest stay text.
_AS_DOCX = ("report_jiangchuan", "report_yunling", "report_chenghai", "plan_fifteenth_fyp", "plan_minsheng")
_AS_PDF = ("report_nanping",)
_CRLF = ("notice_employment", "notice_health", "notice_opening", "notice_county_economy")


def _lines(path: Path) -> tuple[str, list[str]]:
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    title = lines[0].removeprefix("#").strip()
    return title, [line for line in lines[1:] if line]


def _plain(line: str) -> str:
    return line.replace("**", "")


def write_docx(source: Path, dest: Path) -> Path:
    """A Word file as an office writes a government document: everything `Normal`, the title centred and
    bold, `一、` headings bold, paragraphs indented two characters, lead sentences as bold runs."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    title, lines = _lines(source)
    document = docx.Document()
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(title)
    run.bold = True
    run.font.size = Pt(18)
    for line in lines:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(24)
        if match := _BOLD.match(line):
            paragraph.add_run(match.group(1)).bold = True
            paragraph.add_run(match.group(2))
        else:
            paragraph.add_run(_plain(line)).bold = bool(re.match(r"^[一二三四五六七八九十]+、", line))
    document.save(dest)
    return dest


def write_text(source: Path, dest: Path, crlf: bool = False) -> Path:
    """Plain text as saved from a web page: the title line, then the lines, bold markers gone."""
    title, lines = _lines(source)
    text = "\n".join([title, "", *(_plain(line) for line in lines)]) + "\n"
    dest.write_bytes(text.replace("\n", "\r\n" if crlf else "\n").encode("utf-8"))
    return dest


def write_pdf(source: Path, dest: Path) -> Path | None:
    """The document as an HTML page printed to PDF by Debian's Chromium (None when it is not installed):
    centred title, indented paragraphs with bold leads, wrapped lines and page breaks as a browser makes them."""
    if not CHROMIUM.exists():
        return None
    title, lines = _lines(source)
    body = []
    for line in lines:
        if match := _BOLD.match(line):
            body.append(f"<p><b>{html.escape(match.group(1))}</b>{html.escape(match.group(2))}</p>")
        elif _HEADING.match(line) and len(line) < 40:
            body.append(f'<p class="h">{html.escape(line)}</p>')
        else:
            body.append(f"<p>{html.escape(line)}</p>")
    page = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title><style>'
            "body{font-family:'Noto Serif CJK SC','Noto Sans CJK SC',serif;font-size:16px;line-height:1.8}"
            "h1{text-align:center;font-size:26px}p{text-indent:2em;margin:0}p.h{font-weight:bold}"
            f"</style></head><body><h1>{html.escape(title)}</h1>{''.join(body)}</body></html>")
    with tempfile.TemporaryDirectory() as tmp:
        page_path = Path(tmp) / "page.html"
        page_path.write_text(page, encoding="utf-8")
        subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer", f"--print-to-pdf={dest}",
                        page_path.as_uri()], check=True, capture_output=True, timeout=120)
    return dest


def write_training_folder(dest: Path, pdf: bool = True) -> Path:
    """The user's seeds folder: the fixture's taxonomy and its documents in the formats users have.
    `pdf=False` writes the browser-printed report as a Word file instead (no Chromium needed)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(TAXONOMY, dest / "taxonomy.toml")
    for source in sorted(DOCS.glob("*.txt")):
        name = source.stem
        if name in _AS_PDF and pdf and write_pdf(source, dest / f"{name}.pdf"):
            continue
        if name in _AS_DOCX or name in _AS_PDF:
            write_docx(source, dest / f"{name}.docx")
        else:
            write_text(source, dest / f"{name}.txt", crlf=name in _CRLF)
    return dest
