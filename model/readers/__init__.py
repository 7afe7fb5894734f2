"""One reader for every format: a file (or uploaded bytes) becomes `Document`s of blocks with offsets.

    for path in iter_paths(["reports/", "extra.pdf"], glob="*.docx"):
        try:
            for document in read_path(path):
                for block, headings in document.units(): ...
        except ReadError as exc:
            print(exc)  # one line: file, reason, fix

Formats: .md/.markdown/.txt, .docx, .pdf (text layer), .html/.htm, .jsonl, .csv/.tsv (one Document per
record). Callers never ask which format a document came from.
"""
from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from model.readers import html, pdf, records, textfile, word
from model.readers.document import Document, ReadError, UnsupportedFormat
from model.readers.limits import CLI_LIMITS, ReadLimits, TooLarge, in_force, reading
from model.text import Block

__all__ = ["Block", "Document", "ReadError", "UnsupportedFormat", "TooLarge", "ReadLimits", "CLI_LIMITS",
           "DOCUMENT_SUFFIXES", "RECORD_SUFFIXES", "SUPPORTED_SUFFIXES", "iter_paths", "read_bytes", "read_path"]

_SINGLE: dict[str, Callable[[bytes, str], Document]] = {}
for _module, _reader in ((textfile, textfile.read_text), (word, word.read_docx), (pdf, pdf.read_pdf),
                         (html, html.read_html)):
    _SINGLE.update(dict.fromkeys(_module.SUFFIXES, _reader))
_RECORDS: dict[str, Callable[[bytes, str, str], Iterator[Document]]] = {
    ".jsonl": records.read_jsonl,
    ".csv": lambda data, name, field: records.read_table(data, name, field, ","),
    ".tsv": lambda data, name, field: records.read_table(data, name, field, "\t"),
}

DOCUMENT_SUFFIXES: tuple[str, ...] = tuple(_SINGLE)  # one document per file
RECORD_SUFFIXES: tuple[str, ...] = tuple(_RECORDS)  # one document per record
SUPPORTED_SUFFIXES: tuple[str, ...] = DOCUMENT_SUFFIXES + RECORD_SUFFIXES


def read_bytes(data: bytes, name: str, *, text_field: str = "text", suffix: str | None = None,
               limits: ReadLimits | None = None) -> Iterator[Document]:
    """Documents in `data`, the format chosen by `suffix` or else `name`'s (e.g. an HTTP upload's file name;
    stdin: `read_bytes(data, "<stdin>", suffix=".txt")`), each read within `limits` (default: those in force,
    `model.readers.limits.using`).

    Raises ReadError (one line: name, reason, fix) for an unsupported suffix or a file that cannot be read,
    whatever went wrong inside the reader; TooLarge (a ReadError) at the first limit a document is over.
    For record files it may be raised after earlier records were yielded: treat the whole file as failed.
    """
    suffix = (suffix or Path(name).suffix).lower()
    if suffix in _RECORDS:
        yield from _RECORDS[suffix](data, name, text_field)
        return
    reader = _SINGLE.get(suffix)
    if reader is None:
        hint = "; save it as .docx" if suffix in (".doc", ".wps", ".rtf") else ""
        raise UnsupportedFormat(f"{name}: unsupported format {suffix or '(no suffix)'!r}{hint}; "
                        f"supported: {', '.join(SUPPORTED_SUFFIXES)}")
    if not data.strip():
        raise ReadError(f"{name}: empty file (no text); nothing to read")
    if reader is textfile.read_text and data.lstrip()[:5] == b"%PDF-":
        reader = pdf.read_pdf  # a PDF saved under a text name: read what it is, not its raw bytes
    with reading(limits or in_force(), name):
        try:
            document = reader(data, name)
        except ReadError:
            raise
        except (Exception, RecursionError) as exc:  # noqa: BLE001 - a damaged file must never be a crash
            raise ReadError(f"{name}: could not be read ({type(exc).__name__}: {str(exc)[:200]}); the file is "
                            "damaged or not what its name says: re-save or re-export it") from None
    yield document


def read_path(path: str | Path, *, text_field: str = "text", limits: ReadLimits | None = None) -> Iterator[Document]:
    """Documents in the file at `path` (source = the path as given); ReadError if it cannot be read."""
    path = Path(path)
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        list(read_bytes(b"", str(path)))  # raises the unsupported-format error without reading the file
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ReadError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise ReadError(f"{path}: is a folder; pass it to iter_paths to read the files inside") from None
    except OSError as exc:
        raise ReadError(f"{path}: cannot be read ({exc.strerror}); check its permissions") from None
    yield from read_bytes(data, str(path), text_field=text_field, limits=limits)


def iter_paths(inputs: Iterable[str | Path], glob: str | None = None,
               suffixes: Iterable[str] = SUPPORTED_SUFFIXES) -> Iterator[Path]:
    """Files to read, in a deterministic order: each input file as given (whatever its suffix, so the reader
    reports it), and for each folder every file below it with one of `suffixes` whose name matches `glob`,
    sorted by relative path. Hidden files/folders and Word lock files (~$x.docx) are skipped, and so is a
    symbolic link that leads out of the folder (a link to /etc/passwd is not a document of it). A missing input
    is yielded too: reading it raises a ReadError naming it."""
    wanted = tuple(s.lower() for s in suffixes)
    for given in inputs:
        path = Path(given)
        if not path.is_dir():
            yield path
            continue
        found = []
        root = path.resolve()
        for candidate in path.rglob("*"):
            relative = candidate.relative_to(path)
            if any(part.startswith(".") for part in relative.parts) or candidate.name.startswith("~$"):
                continue
            if candidate.suffix.lower() not in wanted or not candidate.is_file():
                continue
            if glob and not fnmatch.fnmatch(candidate.name, glob) and not fnmatch.fnmatch(relative.as_posix(), glob):
                continue
            if not candidate.resolve().is_relative_to(root):
                continue
            found.append((relative.as_posix(), candidate))
        yield from (candidate for _, candidate in sorted(found))
