"""The evaluation report (`evaluate.evaluate`) as aligned plain-text tables for a terminal."""
from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from model.tagging import term_label


def _width(s: str) -> int:
    # CJK characters take two terminal columns.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> list[str]:
    """Aligned columns; the first `left` columns are left-aligned (labels), the rest right (numbers)."""
    widths = [max(_width(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            pad = " " * (widths[i] - _width(str(cell)))
            out.append(f"{cell}{pad}" if i < left else f"{pad}{cell}")
        return "  ".join(out).rstrip()

    return [line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def fmt(x: float | None, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def share(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


# How the confusion matrix counts, said once for the terminal and the HTML page (it counts differently from
# the headline figures: a reader seeing mistakes in its in-domain rows next to "100%" must know why).
CONFUSION_MEANS = ("rows: a paragraph's first label or none; columns: its highest-scoring domain if that passes "
                   "its threshold, else none")


def _mistake_lines(i: int, m: dict[str, Any]) -> list[str]:
    tags = ", ".join(f"{p['domain']} {p['score']:.2f}" for p in m["predicted"]) or "(none)"
    lines = [f"{i}. error {m['error']:.2f}  true: {', '.join(m['true']) or '(none)'}  tagged: {tags}",
             f"   {_one_line(m['text'])}"]
    for kind in ("wrong", "missed"):
        for d in m[kind]:
            terms = ", ".join(f"{term_label(t)} {t['weight']:+.3f}" for t in d["terms"]) or "(no positive terms)"
            lines.append(f"   {kind} {d['domain']} ({d['score']:.2f}): {terms}")
    return lines


# What each headline figure counts; printed under them so nobody has to guess.
FIGURES = ("exact tag set: texts whose tags are exactly their true domains (none for a text about none); "
           "first tag right: texts with domains whose best tag is one of them (untagged counts as wrong); "
           "top-scoring domain right: the same without the thresholds; "
           "out-of-domain left untagged: texts about none of the domains that got no tag; "
           "micro/macro F1: over (text, domain) tags.")


def _headline(report: dict[str, Any]) -> str:
    return (f"exact tag set: {share(report.get('exact_tag_set'))}   "
            f"in-domain first tag right: {share(report.get('in_domain_first_tag'))}   "
            f"top-scoring domain right: {share(report['in_domain_top1'])}   "
            f"out-of-domain left untagged: {share(report['out_of_domain_untagged'])}")


def keyword_lines(report: dict[str, Any]) -> list[str]:
    """Keyword search beside the model, when the report has it."""
    keywords = report.get("keywords")
    if not keywords:
        return []
    return [f"keyword search (a tag for every domain one of whose keywords occurs): micro-F1 "
            f"{fmt(keywords['micro_f1'])} (model {fmt(report['micro']['f1'])}), macro-F1 {fmt(keywords['macro_f1'])} "
            f"(model {fmt(report['macro']['f1'])}), exact tag set {share(keywords['exact'])} "
            f"(model {share(report['exact_tag_set'])})"]


def format_report(report: dict[str, Any]) -> str:
    """The report as aligned plain-text tables for a terminal."""
    out = [f"{report['n_texts']} texts ({report['n_labelled']} with domains, {report['n_unlabelled']} about none); "
           + ("per-domain thresholds" if report["threshold"] is None else f"threshold {report['threshold']}"), ""]
    rows = [[c, fmt(d["precision"]), fmt(d["recall"]), fmt(d["f1"]), str(d["support"]), str(d["predicted"]),
             f"{report['thresholds'][c]:.2f}"] for c, d in report["per_domain"].items()]
    out += ["Per domain", *_table(["domain", "precision", "recall", "f1", "support", "tagged", "threshold"], rows), ""]
    mi, ma = report["micro"], report["macro"]
    out += ["Averages", *_table(["average", "precision", "recall", "f1"],
                                [["micro", fmt(mi["precision"]), fmt(mi["recall"]), fmt(mi["f1"])],
                                 ["macro", fmt(ma["precision"]), fmt(ma["recall"]), fmt(ma["f1"])]]),
            _headline(report), f"({FIGURES})", *keyword_lines(report), ""]
    conf = report["confusion"]
    out += [f"Primary domain confusion ({CONFUSION_MEANS})",
            *_table(["true \\ pred", *conf["labels"]],
                    [[name, *map(str, row)] for name, row in zip(conf["labels"], conf["matrix"])]), ""]
    cal = report["calibration"]
    out += [f"Calibration (all text x domain pairs; ECE {cal['ece']:.3f})",
            *_table(["bin", "count", "mean p", "observed"],
                    [[f"{b['lower']:.2f}-{b['upper']:.2f}", str(b["count"]), fmt(b["mean_predicted"]),
                      fmt(b["observed"])] for b in cal["bins"]]),
            "Brier score: " + ", ".join(f"{c} {v:.3f}" for c, v in cal["brier"].items()), ""]
    out.append(f"Worst mistakes ({len(report['worst'])}; terms marked [word] are jieba words or word pairs, "
               "[chars] character n-grams)")
    for i, m in enumerate(report["worst"], start=1):
        out += _mistake_lines(i, m)
    if not report["worst"]:
        out.append("(none)")
    return "\n".join(out) + "\n"


