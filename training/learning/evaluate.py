"""Evaluating a tagger on a held-out label file: per-domain scores, confusions, calibration, worst mistakes.

`evaluate` returns a JSON-ready dict; `format_report` renders it for a terminal and `write_html` as one
self-contained page. Only `write_html` needs matplotlib, and imports it when called.
"""
from __future__ import annotations

import base64
import html
import io
import unicodedata
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from sklearn.metrics import precision_recall_fscore_support

from model.atomic import write_atomic
from model.rules import cutoffs, tag_mask
from model.tagging import term_label
from training.data.importing import LabelFileError, by_line, check_items, read_examples
from training.errors import EvalFileError

__all__ = ["CALIBRATION_BINS", "EvalFileError", "Scorer", "evaluate", "format_report", "read_eval_file",
           "write_html"]

CALIBRATION_BINS = 15
NONE = "none"  # the confusion-matrix row/column for "about none of the domains"
TEXT_CHARS = 200
EXPLAIN_TERMS = 5


class Scorer(Protocol):
    """What `evaluate` needs from a model (`model.tagger.Tagger` has it)."""

    @property
    def classes_(self) -> Sequence[str]: ...

    @property
    def thresholds_(self) -> Sequence[float] | np.ndarray: ...

    def predict_proba(self, X: Sequence[str]) -> np.ndarray: ...

    def explain(self, text: str, label: str, top: int = 8) -> list[Any]: ...


# -- reading -------------------------------------------------------------------------------------------
def read_eval_file(path: Path, known: Collection[str]) -> list[tuple[str, list[str]]]:
    """Read labelled examples ({"text", "labels"}; [] = about none of the domains) from JSONL or CSV, the
    formats `policytag examples import` takes. Returns (text, labels) pairs with repeated labels dropped;
    raises EvalFileError listing every problem by line."""
    path = Path(path)
    problems: list[str] = []
    try:
        items = read_examples(path)
    except LabelFileError as exc:
        items, problems = exc.items, list(exc.problems)  # still check the well-formed lines
    known_list = list(known)
    examples: list[tuple[str, list[str]]] = []
    for item in items:
        # The store's validator, one item at a time: eval keeps repeated texts (the store would merge them).
        found = check_items([item], known_list)
        if found:
            problems.extend(f"{path.name} {p}" for p in found)
        else:
            text, labels = item["text"], item["labels"]
            assert isinstance(text, str) and isinstance(labels, list)
            examples.append((text.strip(), list(dict.fromkeys(labels))))  # first label = primary, kept in order
    if not examples and not problems:
        problems.append(f'{path.name}: no examples; expected one JSON object per line like '
                        f'{{"text": "...", "labels": ["{known_list[0] if known_list else "domain"}"]}}')
    if problems:
        raise EvalFileError(by_line(problems))
    return examples


# -- scoring -------------------------------------------------------------------------------------------
def _r(x: float) -> float:
    return round(float(x), 4)


def _terms(tagger: Scorer, text: str, label: str) -> list[dict[str, Any]]:
    return [{"term": c.term, "kind": c.kind, "weight": _r(c.weight)}
            for c in tagger.explain(text, label, top=EXPLAIN_TERMS)]


def _truncate(text: str) -> str:
    return text if len(text) <= TEXT_CHARS else text[:TEXT_CHARS - 1] + "…"


def evaluate(tagger: Scorer, texts: Sequence[str], labels: Sequence[Sequence[str]],
             threshold: float | None = None, worst: int = 10) -> dict[str, Any]:
    """Score `tagger` on texts with their true label lists; returns a JSON-ready report dict.

    Tags are domains whose probability reaches its own threshold (or `threshold` for all). Precision,
    recall and F1 are 0 where undefined; the macro average covers the domains present in `labels`.
    """
    classes = [str(c) for c in tagger.classes_]
    texts, labels = list(texts), [list(dict.fromkeys(ls)) for ls in labels]
    if len(texts) != len(labels):
        raise ValueError(f"got {len(texts)} texts but {len(labels)} label lists")
    if not texts:
        raise ValueError("no texts to evaluate")
    index = {c: k for k, c in enumerate(classes)}
    unknown = sorted({x for ls in labels for x in ls if x not in index})
    if unknown:
        raise ValueError(f"unknown domain {unknown[0]!r}; the model knows: {', '.join(classes)}")

    n, k_count = len(texts), len(classes)
    proba = np.asarray(tagger.predict_proba(texts), dtype=np.float64)
    if proba.shape != (n, k_count):
        raise ValueError(f"predict_proba gave shape {proba.shape}, expected {(n, k_count)}")
    cut = cutoffs(tagger.thresholds_, threshold)
    truth = np.zeros((n, k_count), dtype=bool)
    for row, ls in enumerate(labels):
        truth[row, [index[x] for x in ls]] = True
    pred = tag_mask(texts, proba, tagger.thresholds_, threshold)

    # Per-domain and averaged precision / recall / F1.
    tp = (pred & truth).sum(axis=0)
    fp = (pred & ~truth).sum(axis=0)
    fn = (~pred & truth).sum(axis=0)
    # Zero where undefined (nothing predicted / nothing to find): scikit-learn's zero_division=0.
    p, r, f, _ = precision_recall_fscore_support(truth, pred, average=None, zero_division=0)
    per_domain: dict[str, dict[str, Any]] = {}
    for k, c in enumerate(classes):
        per_domain[c] = {"precision": _r(p[k]), "recall": _r(r[k]), "f1": _r(f[k]), "support": int(truth[:, k].sum()),
                         "predicted": int(pred[:, k].sum()), "tp": int(tp[k]), "fp": int(fp[k]), "fn": int(fn[k])}
    mp, mr, mf, _ = precision_recall_fscore_support(truth, pred, average="micro", zero_division=0)
    micro = {"precision": _r(mp), "recall": _r(mr), "f1": _r(mf), "support": int(truth.sum())}
    # A domain absent from the eval file has no recall to measure; averaging its zeros in would mislead.
    present = [c for c in classes if per_domain[c]["support"] > 0]
    kept = [index[c] for c in present]
    macro: dict[str, Any] = {m: (_r(np.mean(values[kept])) if present else None)
                             for m, values in (("precision", p), ("recall", r), ("f1", f))}
    macro["domains"] = present

    # Primary-domain confusion: first true label vs the top-scoring domain if it passes its threshold.
    names = [*classes, NONE]
    top = proba.argmax(axis=1)
    top_passes = pred[np.arange(n), top]
    matrix = np.zeros((k_count + 1, k_count + 1), dtype=int)
    for row in range(n):
        true_i = index[labels[row][0]] if labels[row] else k_count
        pred_i = int(top[row]) if top_passes[row] else k_count
        matrix[true_i, pred_i] += 1
    confusion = {"labels": names, "matrix": matrix.tolist(), "rows": "true", "columns": "predicted"}

    # Calibration over every (text, domain) pair.
    flat_p, flat_y = proba.ravel(), truth.ravel().astype(np.float64)
    bin_of = np.clip(np.floor(flat_p * CALIBRATION_BINS).astype(int), 0, CALIBRATION_BINS - 1)
    bins, ece = [], 0.0
    for b in range(CALIBRATION_BINS):
        mask = bin_of == b
        count = int(mask.sum())
        mean_p = float(flat_p[mask].mean()) if count else None
        observed = float(flat_y[mask].mean()) if count else None
        if mean_p is not None and observed is not None:
            ece += count / flat_p.size * abs(mean_p - observed)
        bins.append({"lower": _r(b / CALIBRATION_BINS), "upper": _r((b + 1) / CALIBRATION_BINS), "count": count,
                     "mean_predicted": None if mean_p is None else _r(mean_p),
                     "observed": None if observed is None else _r(observed)})
    brier = {c: _r(float(np.mean((proba[:, k] - truth[:, k]) ** 2))) for k, c in enumerate(classes)}
    calibration = {"bins": bins, "ece": _r(ece), "brier": brier}

    labelled = truth.any(axis=1)
    top_right = truth[np.arange(n), top]
    in_domain = _r(top_right[labelled].mean()) if labelled.any() else None
    first_right = top_right & top_passes  # the first (best) tag given is a true domain
    in_domain_first = _r(first_right[labelled].mean()) if labelled.any() else None
    untagged = np.asarray(~pred.any(axis=1))
    out_domain = _r(untagged[~labelled].mean()) if (~labelled).any() else None
    exact = _r((pred == truth).all(axis=1).mean())

    # Worst mistakes: a miss costs 1 - p (confidently missed), a wrong tag costs p (confidently wrong).
    errors = np.where(truth & ~pred, 1.0 - proba, 0.0) + np.where(~truth & pred, proba, 0.0)
    text_error = errors.max(axis=1)
    order = sorted((row for row in range(n) if text_error[row] > 0), key=lambda row: (-text_error[row], row))
    mistakes = []
    for row in order[:max(worst, 0)]:
        tags = sorted(np.flatnonzero(pred[row]), key=lambda k: (-proba[row, k], k))
        mistakes.append({
            "index": row,
            "text": _truncate(texts[row]),
            "true": labels[row],
            "predicted": [{"domain": classes[k], "score": _r(proba[row, k])} for k in tags],
            "error": _r(text_error[row]),
            "wrong": [{"domain": classes[k], "score": _r(proba[row, k]),
                       "terms": _terms(tagger, texts[row], classes[k])}
                      for k in tags if not truth[row, k]],
            "missed": [{"domain": c, "score": _r(proba[row, index[c]]), "terms": _terms(tagger, texts[row], c)}
                       for c in labels[row] if not pred[row, index[c]]],
        })

    return {
        "n_texts": n, "n_labelled": int(labelled.sum()), "n_unlabelled": int((~labelled).sum()),
        "threshold": threshold, "thresholds": {c: _r(cut[k]) for k, c in enumerate(classes)},
        "per_domain": per_domain, "micro": micro, "macro": macro, "confusion": confusion,
        "calibration": calibration, "in_domain_top1": in_domain, "in_domain_first_tag": in_domain_first,
        "out_of_domain_untagged": out_domain, "exact_tag_set": exact, "worst": mistakes,
    }


# -- terminal ------------------------------------------------------------------------------------------
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


def _f(x: float | None, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _share(x: float | None) -> str:
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
    return (f"exact tag set: {_share(report.get('exact_tag_set'))}   "
            f"in-domain first tag right: {_share(report.get('in_domain_first_tag'))}   "
            f"top-scoring domain right: {_share(report['in_domain_top1'])}   "
            f"out-of-domain left untagged: {_share(report['out_of_domain_untagged'])}")


def _keyword_lines(report: dict[str, Any]) -> list[str]:
    """Keyword search beside the model, when the report has it."""
    keywords = report.get("keywords")
    if not keywords:
        return []
    return [f"keyword search (a tag for every domain one of whose keywords occurs): micro-F1 "
            f"{_f(keywords['micro_f1'])} (model {_f(report['micro']['f1'])}), macro-F1 {_f(keywords['macro_f1'])} "
            f"(model {_f(report['macro']['f1'])}), exact tag set {_share(keywords['exact'])} "
            f"(model {_share(report['exact_tag_set'])})"]


def format_report(report: dict[str, Any]) -> str:
    """The report as aligned plain-text tables for a terminal."""
    out = [f"{report['n_texts']} texts ({report['n_labelled']} with domains, {report['n_unlabelled']} about none); "
           + ("per-domain thresholds" if report["threshold"] is None else f"threshold {report['threshold']}"), ""]
    rows = [[c, _f(d["precision"]), _f(d["recall"]), _f(d["f1"]), str(d["support"]), str(d["predicted"]),
             f"{report['thresholds'][c]:.2f}"] for c, d in report["per_domain"].items()]
    out += ["Per domain", *_table(["domain", "precision", "recall", "f1", "support", "tagged", "threshold"], rows), ""]
    mi, ma = report["micro"], report["macro"]
    out += ["Averages", *_table(["average", "precision", "recall", "f1"],
                                [["micro", _f(mi["precision"]), _f(mi["recall"]), _f(mi["f1"])],
                                 ["macro", _f(ma["precision"]), _f(ma["recall"]), _f(ma["f1"])]]),
            _headline(report), f"({FIGURES})", *_keyword_lines(report), ""]
    conf = report["confusion"]
    out += [f"Primary domain confusion ({CONFUSION_MEANS})",
            *_table(["true \\ pred", *conf["labels"]],
                    [[name, *map(str, row)] for name, row in zip(conf["labels"], conf["matrix"])]), ""]
    cal = report["calibration"]
    out += [f"Calibration (all text x domain pairs; ECE {cal['ece']:.3f})",
            *_table(["bin", "count", "mean p", "observed"],
                    [[f"{b['lower']:.2f}-{b['upper']:.2f}", str(b["count"]), _f(b["mean_predicted"]),
                      _f(b["observed"])] for b in cal["bins"]]),
            "Brier score: " + ", ".join(f"{c} {v:.3f}" for c, v in cal["brier"].items()), ""]
    out.append(f"Worst mistakes ({len(report['worst'])}; terms marked [word] are jieba words or word pairs, "
               "[chars] character n-grams)")
    for i, m in enumerate(report["worst"], start=1):
        out += _mistake_lines(i, m)
    if not report["worst"]:
        out.append("(none)")
    return "\n".join(out) + "\n"


# -- HTML ----------------------------------------------------------------------------------------------
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;margin:2em auto;
max-width:1100px;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.25em .6em}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
.figs{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}img{max-width:100%}
.mistake{border:1px solid #ddd;border-radius:4px;padding:.6em .8em;margin:.8em 0}
.text{background:#fafafa;padding:.4em;white-space:pre-wrap}.muted{color:#666}
"""


def _ascii(label: str) -> str:
    # Matplotlib may have no CJK font; keep image text ASCII even if a domain id is not.
    return label if label.isascii() else label.encode("ascii", "backslashreplace").decode("ascii")


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _heatmap_png(confusion: dict[str, Any]) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    names = [_ascii(x) for x in confusion["labels"]]
    counts = np.asarray(confusion["matrix"], dtype=float)
    # Colour by share of each true row so a small domain's confusions show as clearly as a big one's.
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    size = max(4.0, 0.7 * len(names) + 2.0)
    fig = Figure(figsize=(size + 1, size))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("predicted primary domain")
    ax.set_ylabel("true primary domain")
    ax.set_title("Primary domain confusion (colour: share of row)")
    for i in range(len(names)):
        for j in range(len(names)):
            ax.text(j, i, str(int(counts[i, j])), ha="center", va="center",
                    color="white" if shares[i, j] > 0.6 else "black")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return _png(fig)


def _reliability_png(calibration: dict[str, Any]) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import ScalarFormatter

    bins = calibration["bins"]
    filled = [b for b in bins if b["count"]]
    fig = Figure(figsize=(6, 6.5))
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    top.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    top.plot([b["mean_predicted"] for b in filled], [b["observed"] for b in filled], marker="o", label="model")
    top.set_xlim(0, 1)
    top.set_ylim(-0.03, 1.03)  # keep points at 0 and 1 whole
    top.set_ylabel("observed frequency")
    top.set_title(f"Reliability diagram (ECE {calibration['ece']:.3f})")
    top.legend(loc="lower right")
    width = 1 / len(bins)
    bottom.bar([b["lower"] for b in bins], [b["count"] for b in bins], width=width, align="edge",
               color="#8fb3d9", edgecolor="white")
    if max(b["count"] for b in bins) > 50:
        # Most (text, domain) pairs sit in the low bins; a log scale keeps the high bins visible.
        bottom.set_yscale("symlog", linthresh=1)
        bottom.yaxis.set_major_formatter(ScalarFormatter())
    bottom.set_xlabel("predicted probability")
    bottom.set_ylabel("pairs")
    return _png(fig)


def _html_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], left: int = 1) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" if i < left else f'<td class="n">{html.escape(str(c))}</td>'
                         for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _html_mistake(i: int, m: dict[str, Any]) -> str:
    e = html.escape
    tags = ", ".join(f"{e(p['domain'])} {p['score']:.2f}" for p in m["predicted"]) or "(none)"
    parts = [f'<div class="mistake"><b>{i}.</b> error {m["error"]:.2f} &middot; true: '
             f'{e(", ".join(m["true"])) or "(none)"} &middot; tagged: {tags}',
             f'<div class="text">{e(m["text"])}</div><ul>']
    for kind in ("wrong", "missed"):
        for d in m[kind]:
            terms = ", ".join(f"{e(term_label(t))} <span class=\"muted\">{t['weight']:+.3f}</span>"
                              for t in d["terms"])
            parts.append(f"<li>{kind} <b>{e(d['domain'])}</b> ({d['score']:.2f}): "
                         f"{terms or '<span class=muted>(no positive terms)</span>'}</li>")
    parts.append("</ul></div>")
    return "".join(parts)


def write_html(report: dict[str, Any], path: Path) -> None:
    """Write the report as one self-contained UTF-8 HTML page (inline CSS, images as data URIs), atomically."""
    path = Path(path)
    heatmap = _heatmap_png(report["confusion"])
    reliability = _reliability_png(report["calibration"])
    per_domain = _html_table(
        ["domain", "precision", "recall", "F1", "support", "tagged", "threshold"],
        [[c, _f(d["precision"]), _f(d["recall"]), _f(d["f1"]), d["support"], d["predicted"],
          f"{report['thresholds'][c]:.2f}"] for c, d in report["per_domain"].items()])
    mi, ma = report["micro"], report["macro"]
    averages = _html_table(["average", "precision", "recall", "F1"],
                           [["micro", _f(mi["precision"]), _f(mi["recall"]), _f(mi["f1"])],
                            ["macro", _f(ma["precision"]), _f(ma["recall"]), _f(ma["f1"])]])
    conf = report["confusion"]
    confusion = _html_table(["true \\ predicted", *conf["labels"]],
                            [[name, *row] for name, row in zip(conf["labels"], conf["matrix"])])
    cal = report["calibration"]
    calibration = _html_table(["bin", "count", "mean p", "observed"],
                              [[f"{b['lower']:.2f}–{b['upper']:.2f}", b["count"], _f(b["mean_predicted"]),
                                _f(b["observed"])] for b in cal["bins"]])
    brier = _html_table(["domain", "Brier score"], [[c, f"{v:.4f}"] for c, v in cal["brier"].items()])
    mode = "per-domain thresholds" if report["threshold"] is None else f"threshold {report['threshold']}"
    mistakes = "".join(_html_mistake(i, m) for i, m in enumerate(report["worst"], start=1)) or "<p>(none)</p>"
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>policytag evaluation</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head><body>
<h1>policytag evaluation</h1>
<p>{report['n_texts']} texts ({report['n_labelled']} with domains, {report['n_unlabelled']} about none);
{html.escape(mode)}. Exact tag set: <b>{_share(report.get('exact_tag_set'))}</b>;
in-domain first tag right: <b>{_share(report.get('in_domain_first_tag'))}</b>;
top-scoring domain right: <b>{_share(report['in_domain_top1'])}</b>;
out-of-domain left untagged: <b>{_share(report['out_of_domain_untagged'])}</b>.</p>
<p class="muted">{html.escape(FIGURES)}</p>
<h2>Per domain</h2>{per_domain}
<h2>Averages</h2>{averages}
<p class="muted">Macro average over domains present in the evaluation file.</p>
{"".join(f"<p>{html.escape(line)}</p>" for line in _keyword_lines(report))}
<h2>Primary domain confusion</h2>
<p class="muted">{html.escape(CONFUSION_MEANS[0].upper() + CONFUSION_MEANS[1:])}.</p>
<div class="figs">{confusion}<img alt="confusion matrix heatmap" src="data:image/png;base64,{heatmap}"></div>
<h2>Calibration</h2>
<p>Expected calibration error over all text &times; domain pairs: <b>{cal['ece']:.4f}</b></p>
<div class="figs"><img alt="reliability diagram" src="data:image/png;base64,{reliability}">{calibration}{brier}</div>
<h2>Worst mistakes</h2>{mistakes}
</body></html>
"""
    write_atomic(path, page.encode("utf-8"))
