"""Saved web pages (.html/.htm, lxml): the main text, headings from <h1>-<h6>, page furniture dropped."""
from __future__ import annotations

import re
from collections.abc import Iterator

from model.readers import limits
from model.readers.document import Document, ReadError, require_text, units_document
from model.text import DecodeError, decode_bytes

SUFFIXES = (".html", ".htm")

# Never content: code, styling, navigation, page header/footer, forms and side bars.
_DROP = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "iframe", "svg",
         "button", "select", "textarea", "head")
_BLOCK = {"p", "div", "li", "ul", "ol", "td", "th", "tr", "table", "section", "article", "main", "blockquote",
          "pre", "dd", "dt", "dl", "figcaption", "caption", "center", "body", "h1", "h2", "h3", "h4", "h5", "h6"}
_HEADING = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w-]+)", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# Source line breaks inside Chinese text become spaces in HTML rendering; between two CJK characters they
# are noise.
_CJK = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"
_CJK_SPACE = re.compile(rf"(?<={_CJK})\s+(?={_CJK})")


def _parse(data: bytes, name: str):  # noqa: ANN202 - lxml element
    import lxml.html

    declared = _CHARSET.search(data[:4096])
    try:
        if declared:
            encoding = declared.group(1).decode("ascii").lower()
            # Pages that say gb2312/gbk are written with the superset's characters more often than not.
            encoding = "gb18030" if encoding in ("gb2312", "gbk", "x-gbk") else encoding
            text = data.decode(encoding, errors="replace")
        else:
            text = decode_bytes(data, name)
    except LookupError:
        text = decode_bytes(data, name)
    except DecodeError as exc:
        raise ReadError(str(exc)) from None
    text = _XML_DECLARATION.sub("", text.lstrip("\ufeff"))
    if not text.strip():
        raise ReadError(f"{name}: empty (no text found); give a saved page with text in it")
    try:
        return lxml.html.document_fromstring(text)
    except Exception as exc:  # lxml raises ParserError/XMLSyntaxError for pages it cannot repair
        raise ReadError(f"{name}: not readable as HTML ({exc}); save the page again as 'HTML only'") from None


def _clean(text: str) -> str:
    return _CJK_SPACE.sub("", " ".join(text.split()))


def _units(root) -> Iterator[tuple[str, int]]:  # noqa: ANN001 - lxml element
    buffer: list[str] = []
    budget = limits.active()

    def flush(level: int = 0) -> Iterator[tuple[str, int]]:
        text = _clean("".join(buffer))
        buffer.clear()
        if text:
            budget.charge_chars(len(text) + 1)
            yield text, level

    def walk(element) -> Iterator[tuple[str, int]]:  # noqa: ANN001
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _DROP or not tag or element.get("role") == "navigation":
            return
        block = tag in _BLOCK
        if block or tag == "br":
            yield from flush()
        if element.text:
            buffer.append(element.text)
        for child in element:
            yield from walk(child)
            if child.tail:
                buffer.append(child.tail)
        if block:
            yield from flush(_HEADING.get(tag, 0))

    main = root.find(".//main")
    if main is None:
        articles = root.findall(".//article")
        main = max(articles, key=lambda a: len(a.text_content())) if articles else root.find("body")
    yield from walk(main if main is not None else root)


def read_html(data: bytes, name: str) -> Document:
    """One document from a saved page; ReadError if it cannot be decoded or holds no text."""
    root = _parse(data, name)
    return require_text(units_document(_units(root), name, "html"), "the page has no text outside navigation")
