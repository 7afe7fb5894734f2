"""The evaluation report (`evaluate.evaluate`) as one self-contained HTML page: tables, a confusion heatmap
and a reliability diagram (matplotlib, imported when called), images inlined."""
from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from model.atomic import write_atomic
from model.tagging import term_label
from service.eval_text import CONFUSION_MEANS, FIGURES, fmt, keyword_lines, share

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
        [[c, fmt(d["precision"]), fmt(d["recall"]), fmt(d["f1"]), d["support"], d["predicted"],
          f"{report['thresholds'][c]:.2f}"] for c, d in report["per_domain"].items()])
    mi, ma = report["micro"], report["macro"]
    averages = _html_table(["average", "precision", "recall", "F1"],
                           [["micro", fmt(mi["precision"]), fmt(mi["recall"]), fmt(mi["f1"])],
                            ["macro", fmt(ma["precision"]), fmt(ma["recall"]), fmt(ma["f1"])]])
    conf = report["confusion"]
    confusion = _html_table(["true \\ predicted", *conf["labels"]],
                            [[name, *row] for name, row in zip(conf["labels"], conf["matrix"])])
    cal = report["calibration"]
    calibration = _html_table(["bin", "count", "mean p", "observed"],
                              [[f"{b['lower']:.2f}–{b['upper']:.2f}", b["count"], fmt(b["mean_predicted"]),
                                fmt(b["observed"])] for b in cal["bins"]])
    brier = _html_table(["domain", "Brier score"], [[c, f"{v:.4f}"] for c, v in cal["brier"].items()])
    mode = "per-domain thresholds" if report["threshold"] is None else f"threshold {report['threshold']}"
    mistakes = "".join(_html_mistake(i, m) for i, m in enumerate(report["worst"], start=1)) or "<p>(none)</p>"
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>policytag evaluation</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head><body>
<h1>policytag evaluation</h1>
<p>{report['n_texts']} texts ({report['n_labelled']} with domains, {report['n_unlabelled']} about none);
{html.escape(mode)}. Exact tag set: <b>{share(report.get('exact_tag_set'))}</b>;
in-domain first tag right: <b>{share(report.get('in_domain_first_tag'))}</b>;
top-scoring domain right: <b>{share(report['in_domain_top1'])}</b>;
out-of-domain left untagged: <b>{share(report['out_of_domain_untagged'])}</b>.</p>
<p class="muted">{html.escape(FIGURES)}</p>
<h2>Per domain</h2>{per_domain}
<h2>Averages</h2>{averages}
<p class="muted">Macro average over domains present in the evaluation file.</p>
{"".join(f"<p>{html.escape(line)}</p>" for line in keyword_lines(report))}
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
