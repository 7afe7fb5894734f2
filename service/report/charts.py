"""The report's charts, drawn with matplotlib as SVG (text kept as text, so the browser draws the Chinese with
its own fonts): domain shares per group, as lines over years or numbers and as bars otherwise."""
from __future__ import annotations

import base64
import io
import logging
import warnings
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from service.report.groups import ordinal

# Colour-blind-safe (Okabe-Ito), the page's domain colours in the same order.
PALETTE = ["#0072b2", "#009e73", "#d55e00", "#cc79a7", "#e69f00", "#56b4e9", "#f0e442", "#8c8c8c"]
_CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", "SimHei",
              "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Noto Sans CJK JP")


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """A font with Chinese glyphs that matplotlib can measure text with, if the machine has one."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in _CJK_FONTS if name in installed), None)


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _svg(fig: Any) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    return buffer.getvalue()


def data_uri(svg: str) -> str:
    """An SVG as a data: URI, for an <img> (the page inserts no markup, and its CSP allows data: images)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def group_chart(field: str, table: Sequence[Mapping[str, Any]], domains: Sequence[Mapping[str, str]]) -> str:
    """SVG of each domain's share of the tagged text per value of a group field."""
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    values = [_printable(str(row["value"])) for row in table]
    field = _printable(field)
    font = cjk_font()
    labels = [f"{d['name_zh']} {d['id']}" if font else d["id"] for d in domains]
    lines = ordinal(values)
    height = 3.6 if lines else max(2.4, 0.32 * len(values) * max(1, len(domains)) / 2 + 1.2)
    with warnings.catch_warnings(), _quiet_fonts(), rcParams_context(font):
        warnings.simplefilter("ignore")  # glyphs missing from a fallback font: the browser draws the text
        fig = Figure(figsize=(7.2, min(height, 14)))
        FigureCanvasSVG(fig)
        ax = fig.add_subplot()
        if lines:
            x = [float(v) for v in values if v != "(none)"]
            for k, (d, label) in enumerate(zip(domains, labels)):
                y = [row["shares"][d["id"]] for row in table if str(row["value"]) != "(none)"]
                ax.plot(x, y, marker="o", color=colour(k), label=label, linewidth=2)
            ax.set_xticks(x, [v for v in values if v != "(none)"])
            ax.set_xlabel(field)
        else:
            n = max(1, len(domains))
            width = 0.8 / n
            for k, (d, label) in enumerate(zip(domains, labels)):
                ax.barh([i + (k - (n - 1) / 2) * width for i in range(len(values))],
                        [row["shares"][d["id"]] for row in table], height=width, color=colour(k), label=label)
            ax.set_yticks(range(len(values)), values)
            ax.invert_yaxis()
            ax.set_ylabel(field)
        axis = ax.yaxis if lines else ax.xaxis
        axis.set_major_formatter(_percent())
        (ax.set_ylim if lines else ax.set_xlim)(0, None)
        ax.set_title(f"{'各组领域占比' if font else 'Domain share'} by {field} "
                     "(share of the group's tagged text)", fontsize=10)
        ax.grid(axis="y" if lines else "x", color="#ddd")
        ax.set_axisbelow(True)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=9)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return _svg(fig)


def _printable(text: str) -> str:
    """`text` without control characters (XML, and so SVG, cannot hold most of them)."""
    return "".join(c for c in text if c.isprintable() or c == " ")


def _percent() -> Any:
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=1, decimals=0)


class _quiet_fonts:
    """Silence matplotlib's font manager while drawing (it logs each glyph it cannot find)."""

    def __enter__(self) -> None:
        self.logger = logging.getLogger("matplotlib.font_manager")
        self.level = self.logger.level
        self.logger.setLevel(logging.ERROR)

    def __exit__(self, *exc: object) -> None:
        self.logger.setLevel(self.level)


def rcParams_context(font: str | None) -> Any:
    """matplotlib settings for the report's SVGs: text as text, the CJK font first when there is one."""
    from matplotlib import rc_context

    families = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    # Text is data (file names, field values): never read `$...$` in it as mathematics.
    return rc_context({"svg.fonttype": "none", "font.family": "sans-serif", "font.sans-serif": families,
                       "axes.titlesize": 10, "svg.hashsalt": "policytag", "text.parse_math": False})
