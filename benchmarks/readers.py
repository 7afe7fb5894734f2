"""PDF reading benchmark: speed and character accuracy per producer, against the reader this one replaced.

    python benchmarks/readers.py [--json] [--seconds 3] [--keep DIR] [--baseline-rev REV]

It makes the test document of tests/pdfgen.py with every producer installed here (Chromium's print to PDF
with and without its header and footer, LibreOffice's export of the .docx) plus the line-by-line reportlab
report of tests/docgen.py (20 pages), then reads each PDF with `model.readers.pdf.read_pdf` and with the
reader at --baseline-rev (the one that grouped character boxes by their tops, loaded from git into a
temporary module), the two taking turns read by read until each has read for --seconds, and reports per
producer and reader: pages_per_s and paragraphs_per_s (units to tag) from the median read, and accuracy
(1 - edit distance / length of the source units, unmatched rows and units counted as wrong, floored at 0;
tests/pdfgen.py's `score`). `speed_ratio` is this reader's pages/s over the baseline's on the same PDFs in
the same run; the target is >= 0.7. "all" sums the median read times over the producers.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The last main commit with the reader that grouped PDFium's text rectangles into lines by their tops.
BASELINE_REV = "7f406a70a40391dc6b0bc8115f2f86e80a27cd3b"
TARGET_RATIO = 0.7


def baseline_reader(rev: str) -> Callable[[bytes, str], Any] | None:
    """read_pdf as it was at `rev`, imported from a temporary file; None when git cannot give it."""
    try:
        source = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:model/readers/pdf.py"], check=True,
                                capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"no baseline: git show {rev}:model/readers/pdf.py failed ({exc})", file=sys.stderr)
        return None
    folder = Path(tempfile.mkdtemp(prefix="pdf-baseline-"))
    path = folder / "baseline_pdf.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("baseline_pdf", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["baseline_pdf"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module.read_pdf


def producers(folder: Path) -> dict[str, tuple[Path, list[str]]]:
    """name -> (PDF, source units in reading order) for every producer installed."""
    from tests.docgen import ACROSS_PAGES, RURAL, make_pdf
    from tests.pdfgen import SOURCE, chromium, export_docx_pdf, print_html_pdf, soffice

    source = [text for _, text in SOURCE]
    made: dict[str, tuple[Path, list[str]]] = {}
    if chromium() is not None:
        made["chromium"] = (print_html_pdf(folder / "chromium.pdf", header_footer=False), source)
        made["chromium-header-footer"] = (print_html_pdf(folder / "chromium-header-footer.pdf", True), source)
    else:
        print("chromium not installed: its PDFs are left out", file=sys.stderr)
    if soffice() is not None:
        made["libreoffice"] = (export_docx_pdf(folder / "libreoffice.pdf"), source)
    else:
        print("soffice not installed: LibreOffice's PDF is left out", file=sys.stderr)
    pages = 20
    report: list[str] = []
    for page in range(pages):
        report += [f"{'一二三四五六七八九十'[page % 10]}、全面推进乡村振兴第{page + 1}部分", RURAL]
        if page < pages - 1:
            report.append(ACROSS_PAGES)
    made["reportlab"] = (make_pdf(folder / "reportlab.pdf", pages=pages), report)
    return made


def measure(readers: list[tuple[str, Callable[[bytes, str], Any]]], data: bytes, seconds: float
            ) -> dict[str, tuple[float, Any]]:
    """label -> (median seconds per read, the last document): the readers take turns, one read each, until
    every one has read for `seconds` (and at least three times), so load from other work hits them alike."""
    times: dict[str, list[float]] = {label: [] for label, _ in readers}
    documents: dict[str, Any] = {}
    while any(len(times[label]) < 3 or sum(times[label]) < seconds for label, _ in readers):
        for label, read in readers:
            started = time.perf_counter()
            documents[label] = read(data, "benchmark.pdf")
            times[label].append(time.perf_counter() - started)
    return {label: (statistics.median(times[label]), documents[label]) for label, _ in readers}


def run(seconds: float, keep: Path | None, rev: str) -> dict[str, Any]:
    import pypdfium2 as pdfium

    from model.readers.pdf import read_pdf
    from tests.pdfgen import score

    baseline = baseline_reader(rev)
    folder = keep or Path(tempfile.mkdtemp(prefix="pdf-producers-"))
    folder.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    results: dict[str, Any] = {}
    totals = {"reader": [0.0, 0], "baseline": [0.0, 0]}  # seconds, pages
    for name, (path, source) in producers(folder).items():
        data = path.read_bytes()
        document = pdfium.PdfDocument(data)
        pages = len(document)
        document.close()
        row: dict[str, Any] = {"pages": pages, "source_units": len(source)}
        readers = [("reader", read_pdf)] + ([("baseline", baseline)] if baseline else [])
        for label, (took, read_document) in measure(readers, data, seconds).items():
            rows = [block.text for block in read_document.blocks]
            row[label] = {"pages_per_s": pages / took, "paragraphs_per_s": len(read_document.units()) / took,
                          "accuracy": score(source, rows).accuracy, "rows": len(rows)}
            totals[label][0] += took
            totals[label][1] += pages
            print(f"{name} {label}: {pages / took:.1f} pages/s, accuracy {row[label]['accuracy']:.4f}",
                  file=sys.stderr)
        if baseline:
            row["speed_ratio"] = row["reader"]["pages_per_s"] / row["baseline"]["pages_per_s"]
        results[name] = row
    summary: dict[str, Any] = {"reader_pages_per_s": totals["reader"][1] / totals["reader"][0]}
    if baseline:
        summary["baseline_pages_per_s"] = totals["baseline"][1] / totals["baseline"][0]
        summary["speed_ratio"] = summary["reader_pages_per_s"] / summary["baseline_pages_per_s"]
        summary["target_speed_ratio"] = TARGET_RATIO
        summary["meets_target"] = summary["speed_ratio"] >= TARGET_RATIO
    return {"producers": results, "all": summary, "baseline_rev": rev if baseline else None,
            "seconds_per_measurement": seconds, "pdfs": str(folder),
            "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)], "cores": os.cpu_count()}


def table(report: dict[str, Any]) -> str:
    lines = [f"{report['cores']} cores, load average {report['load_average'][0]} before, "
             f"{report['load_average'][1]} after; baseline {report['baseline_rev'] or '(none)'}",
             f"{'producer':24}{'pages':>6}{'pages/s':>10}{'base p/s':>10}{'ratio':>7}{'par/s':>9}"
             f"{'accuracy':>10}{'base acc':>10}"]
    for name, row in report["producers"].items():
        base = row.get("baseline", {})
        lines.append(f"{name:24}{row['pages']:>6}{row['reader']['pages_per_s']:>10.1f}"
                     f"{base.get('pages_per_s', float('nan')):>10.1f}{row.get('speed_ratio', float('nan')):>7.2f}"
                     f"{row['reader']['paragraphs_per_s']:>9.0f}{row['reader']['accuracy']:>10.4f}"
                     f"{base.get('accuracy', float('nan')):>10.4f}")
    summary = report["all"]
    if "speed_ratio" in summary:
        lines.append(f"all: {summary['reader_pages_per_s']:.1f} pages/s against the baseline's "
                     f"{summary['baseline_pages_per_s']:.1f}: {summary['speed_ratio']:.2f}x "
                     f"(target >= {TARGET_RATIO}x: {'met' if summary['meets_target'] else 'NOT met'})")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout instead of a table")
    parser.add_argument("--seconds", type=float, default=3.0, help="time each reader at least this long per PDF")
    parser.add_argument("--keep", type=Path, help="write the generated PDFs here (and keep them)")
    parser.add_argument("--baseline-rev", default=BASELINE_REV, help="git revision of the baseline reader")
    args = parser.parse_args()
    report = run(args.seconds, args.keep, args.baseline_rev)
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else table(report))


if __name__ == "__main__":
    main()
