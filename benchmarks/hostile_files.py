"""Hostile documents for benchmarks/hostile.py: small files that inflate, repeat or loop, and damaged ones.

Every builder returns bytes made here (no third-party document); sizes are parameters so a test can make
small ones.
"""
from __future__ import annotations

import io
import json
import zipfile

_CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                  '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                  '<Default Extension="xml" ContentType="application/xml"/>'
                  '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                  'wordprocessingml.document.main+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         'officeDocument" Target="word/document.xml"/></Relationships>')
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_HEAD = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{_W}"><w:body>'
_TAIL = "</w:body></w:document>"
PARAGRAPH = "<w:p><w:r><w:t>加快关键核心技术攻关，推动科技成果转化。</w:t></w:r></w:p>"


def _docx(document: bytes | None = None, *, body_pieces: tuple[bytes, int] | None = None,
          content_types: str = _CONTENT_TYPES, extra: dict[str, bytes] | None = None) -> bytes:
    """A .docx whose word/document.xml is `document`, or `body_pieces` (piece, times) streamed into it."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", content_types)
        zf.writestr("_rels/.rels", _RELS)
        if body_pieces is None:
            zf.writestr("word/document.xml", document if document is not None else
                        (_HEAD + PARAGRAPH + _TAIL).encode())
        else:
            piece, times = body_pieces
            with zf.open("word/document.xml", "w", force_zip64=True) as part:
                part.write(_HEAD.encode())
                block = piece * 4096
                for _ in range(times // 4096):
                    part.write(block)
                part.write(piece * (times % 4096))
                part.write(_TAIL.encode())
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return out.getvalue()


def docx_inflating(inflated_bytes: int) -> bytes:
    """One paragraph whose text inflates to `inflated_bytes` (a 1.1 GB part packs into ~1.1 MB)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        with zf.open("word/document.xml", "w", force_zip64=True) as part:
            part.write((_HEAD + "<w:p><w:r><w:t>").encode())
            block = b"a" * (1 << 20)
            for _ in range(inflated_bytes >> 20):
                part.write(block)
            part.write(("</w:t></w:r></w:p>" + _TAIL).encode())
    return out.getvalue()


def docx_many_paragraphs(inflated_bytes: int) -> bytes:
    """Short paragraphs adding up to `inflated_bytes` of XML (100 MB pack into a few hundred KB)."""
    piece = PARAGRAPH.encode()
    return _docx(body_pieces=(piece, inflated_bytes // len(piece)))


def docx_many_members(members: int) -> bytes:
    """A valid .docx with `members` extra (empty) zip members."""
    return _docx(extra={f"customXml/item{i}.xml": b"" for i in range(members)})


def docx_malformed_xml() -> bytes:
    return _docx((_HEAD + "<w:p><w:r><w:t>未闭合的段落" + _TAIL).encode())


def docx_entities() -> bytes:
    """Entity declarations (a billion-laughs ladder and an external entity) in word/document.xml."""
    ladder = '<!ENTITY l0 "哈哈">' + "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    doctype = f'<!DOCTYPE w:document [{ladder}<!ENTITY ext SYSTEM "file:///etc/passwd">]>'
    body = '<w:p><w:r><w:t>&l9;&ext;</w:t></w:r></w:p>'
    return _docx(('<?xml version="1.0" encoding="UTF-8"?>' + doctype + _HEAD.split("?>", 1)[1] + body + _TAIL)
                 .encode())


def docx_bad_content_types() -> bytes:
    return _docx(content_types="<Types><this is not xml")


def docx_zip_slip() -> bytes:
    return _docx(extra={"../../../../tmp/policytag-zip-slip.xml": b"<x/>", "/etc/cron.d/evil": b"x"})


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF with these objects (numbered from 1; object 1 is the catalog) and a correct xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def pdf_shared_stream(pages: int, lines: int = 40) -> bytes:
    """`pages` pages that all draw one content stream of `lines` lines of text (100 KB for 1,000 pages)."""
    text = b"BT /F1 11 Tf 72 770 Td 14 TL " + b" ".join(
        f"(Line {i} of a page that every page shares, repeated to cost the reader time.) '".encode()
        for i in range(lines)) + b" ET"
    first_page = 5
    kids = " ".join(f"{first_page + i} 0 R" for i in range(pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               b"<< /Length " + str(len(text)).encode() + b" >>\nstream\n" + text + b"\nendstream"]
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> " \
           b"/Contents 4 0 R >>"
    return _pdf(objects + [page] * pages)


def pdf_cyclic_pages() -> bytes:
    """A page tree whose Pages node lists itself among its kids."""
    text = b"BT /F1 11 Tf 72 770 Td (A page under a looping tree.) Tj ET"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [2 0 R 5 0 R] /Count 2 >>",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               b"<< /Length " + str(len(text)).encode() + b" >>\nstream\n" + text + b"\nendstream",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
               b"/Contents 4 0 R >>"]
    return _pdf(objects)


def jsonl_deep(depth: int) -> bytes:
    return ('{"text": "加快关键核心技术攻关。", "meta": ' + "[" * depth + "]" * depth + "}\n").encode()


def jsonl_big_number(digits: int) -> bytes:
    return ('{"text": "加快关键核心技术攻关。", "n": ' + "9" * digits + "}\n").encode()


def jsonl_line(text: str) -> bytes:
    return (json.dumps({"text": text}, ensure_ascii=False) + "\n").encode()
