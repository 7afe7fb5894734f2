"""The corpus report as one self-contained HTML file: inline CSS, charts as inline SVG images, a few lines of inline
script that re-sort the heatmap (the page reads fine without it), every piece of text escaped."""
from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from service.report.analysis import Report
from service.report.charts import colour, data_uri, group_chart

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;
margin:1.5em auto;max-width:1200px;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
h3{font-size:1.05em;margin:1.2em 0 .4em}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #d6d6d6;padding:.25em .55em}
th{background:#f3f3f3;font-weight:600;text-align:left}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#666}.small{font-size:.9em}.scroll{overflow-x:auto}
.heat td.cell{padding:0;min-width:5.5em}.heat td.cell a{display:block;padding:.25em .55em;color:inherit;
text-decoration:none;text-align:right;font-variant-numeric:tabular-nums}
.heat td.cell a:hover,.heat td.cell a:focus{outline:2px solid #222;outline-offset:-2px}
.heat th.doc{max-width:26em;font-weight:normal;background:#fff}
.sort button{margin:0 .3em .3em 0;padding:.2em .6em;border:1px solid #888;background:#fff;border-radius:3px;
cursor:pointer}.sort button[aria-pressed=true]{background:#222;color:#fff}
.figs{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}img.chart{max-width:100%;height:auto}
.legend span{display:inline-block;margin-right:1em}.swatch{display:inline-block;width:.9em;height:.9em;
vertical-align:-.1em;margin-right:.3em;border-radius:2px}
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(18em,1fr));gap:1em 2em}
.cell-detail{display:none;border:1px solid #bbb;border-radius:4px;padding:.6em 1em;margin:1em 0}
.cell-detail:target{display:block}
.para{border-top:1px solid #eee;padding:.5em 0}.para .text{white-space:pre-wrap}
.score{font-variant-numeric:tabular-nums;font-weight:600}
"""

# Re-sorts the heatmap's rows by the orders the report computed (data-order-*) or by a domain's share.
_SCRIPT = """
(function(){var body=document.getElementById('heat-body');var buttons=document.querySelectorAll('.sort button');
function sort(key){var rows=Array.prototype.slice.call(body.rows);rows.sort(function(a,b){
return key.charAt(0)==='s'?(+b.dataset[key]-+a.dataset[key])||(+a.dataset.orderName-+b.dataset.orderName)
:+a.dataset[key]-+b.dataset[key];});rows.forEach(function(r){body.appendChild(r);});
buttons.forEach(function(b){b.setAttribute('aria-pressed',String(b.dataset.key===key));});}
buttons.forEach(function(b){b.hidden=false;b.addEventListener('click',function(){sort(b.dataset.key);});});})();
"""

ORDER_LABELS = {"cluster": "聚类 clustered", "group": "按组 by group", "name": "按名称 by name"}


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _pct(share: float) -> str:
    return f"{100 * share:.0f}%" if share >= 0.005 or share == 0 else "<1%"


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha:.3f})"


def _domain_label(d: Mapping[str, str]) -> str:
    return f"{_e(d['name_zh'])} <span class=\"muted\">{_e(d['id'])}</span>" if d["name_zh"] != d["id"] else _e(d["id"])


def _heatmap(report: Report, default_order: str) -> str:
    ids = report.domain_ids()
    fields = report.fields
    position = {name: {doc: rank for rank, doc in enumerate(order)} for name, order in report.orders.items()}
    head = "".join(f'<th scope="col">{_e(f)}</th>' for f in fields)
    head += "".join(f'<th scope="col" class="n">{_domain_label(d)}</th>' for d in report.domains)
    rows = []
    for i in report.orders[default_order]:
        doc = report.documents[i]
        c = doc["composition"]
        data = " ".join(f'data-order-{name}="{position[name][i]}"' for name in report.orders)
        data += " " + " ".join(f'data-s{k}="{c["domains"][d]["share"]}"' for k, d in enumerate(ids))
        cells = "".join(f"<td>{_e(doc['groups'][f])}</td>" for f in fields)
        for k, d in enumerate(ids):
            cell = c["domains"][d]
            share = cell["share"]
            title = (f"{doc['name']} · {d}: {cell['paragraphs']} paragraphs, {cell['characters']} characters, "
                     f"{_pct(share)} of the tagged text")
            # At most 65% of the colour: the dark text keeps a contrast of 4.5:1 or more.
            style = f'style="background:{_rgba(colour(k), 0.65 * min(1.0, share))}"'
            mark = " ✓" if d in doc["tags"] else ""
            body = (f'<a href="#c{i}-{k}" title="{_e(title)}">{_pct(share)}{mark}</a>' if cell["paragraphs"]
                    else f'<a title="{_e(title)}" aria-disabled="true">–</a>')
            cells += f'<td class="cell" {style}>{body}</td>'
        tagged = c["tagged_characters"] / c["characters"] if c["characters"] else 0.0
        rows.append(f'<tr {data}><th scope="row" class="doc" title="{_e(doc["source"])}">{_e(doc["name"])}</th>'
                    f'{cells}<td class="n">{c["paragraphs"]}</td><td class="n">{_pct(tagged)}</td></tr>')
    buttons = "".join(f'<button type="button" hidden data-key="order{name.title()}" '
                      f'aria-pressed="{str(name == default_order).lower()}">{_e(ORDER_LABELS[name])}</button>'
                      for name in report.orders)
    buttons += "".join(f'<button type="button" hidden data-key="s{k}" aria-pressed="false">'
                       f'{_e(d["name_zh"])} {_e(d["id"])} ↓</button>' for k, d in enumerate(report.domains))
    return (f'<div class="sort" role="group" aria-label="排序 Sort documents">{buttons}</div>'
            f'<div class="scroll"><table class="heat" id="heatmap"><caption class="muted small">'
            f'每格：该领域占文档已标注文字的比例（✓ = 文档标签，占比 ≥ {_pct(report.min_share)}）；'
            f"点击查看段落。 Each cell: the domain's share of the "
            f"document's tagged text (✓ = a document tag, share ≥ {_pct(report.min_share)}); click for its "
            f'paragraphs.</caption><thead><tr><th scope="col">文档 Document</th>{head}'
            f'<th scope="col" class="n">段落 paragraphs</th><th scope="col" class="n">已标注 tagged</th></tr></thead>'
            f'<tbody id="heat-body">{"".join(rows)}</tbody></table></div>')


def _groups(report: Report) -> str:
    if not report.fields:
        return ("<p class=\"muted\">没有分组。 No groups: give <code>--group-by FIELD</code> (a field of the "
                "records) or <code>--name-pattern</code> with named groups, e.g. "
                "<code>(?P&lt;year&gt;\\d{4})年(?P&lt;region&gt;..)</code>.</p>")
    parts = []
    for name in report.fields:
        table = report.groups[name]
        chart = group_chart(name, table, report.domains)
        head = "".join(f'<th scope="col" class="n">{_domain_label(d)}</th>' for d in report.domains)
        body = "".join(
            f'<tr><th scope="row">{_e(row["value"])}</th><td class="n">{row["documents"]}</td>'
            f'<td class="n">{row["paragraphs"]}</td>'
            + "".join(f'<td class="n">{_pct(row["shares"][d])}</td>' for d in report.domain_ids()) + "</tr>"
            for row in table)
        parts.append(f'<h3>按 {_e(name)} 分组 By {_e(name)}</h3><div class="figs">'
                     f'<img class="chart" alt="domain shares by {_e(name)}" src="{data_uri(chart)}">'
                     f'<div class="scroll"><table><thead><tr><th scope="col">{_e(name)}</th>'
                     f'<th scope="col" class="n">文档 documents</th><th scope="col" class="n">段落 paragraphs</th>'
                     f'{head}</tr></thead><tbody>{body}</tbody></table></div></div>')
    return ('<p class="muted small">每组的占比：该组所有文档已标注文字中'
            "标注为该领域的比例（长文档权重更大）。 A group's share: of all its documents' tagged text, "
            "the part tagged with the domain (longer documents weigh "
            "more).</p>" + "".join(parts))


def _cooccurrence(report: Report) -> str:
    if report.cooccurrence is None:
        return ""
    matrix = report.cooccurrence
    ids = report.domain_ids()
    head = "".join(f'<th scope="col" class="n">{_domain_label(d)}</th>' for d in report.domains)
    rows = []
    for i, d in enumerate(report.domains):
        total = matrix[i][i]
        cells = []
        for j in range(len(ids)):
            count = matrix[i][j]
            share = count / total if total else 0.0
            note = "" if i == j else f' <span class="muted small">({_pct(share)})</span>'
            style = f' style="background:{_rgba("#555555", 0.35 * share)}"' if i != j else ""
            cells.append(f'<td class="n"{style}>{count}{note}</td>')
        rows.append(f'<tr><th scope="row">{_domain_label(d)}</th>{"".join(cells)}</tr>')
    return ('<p class="muted small">同时标注两个领域的段落数'
            "（对角线：标注该领域的段落数；括号：占该行领域段落的比例）。 "
            "Paragraphs tagged with both domains (diagonal: with the domain; in brackets: share of the row domain's "
            f'paragraphs).</p><div class="scroll"><table><thead><tr><th></th>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def _domains(report: Report) -> str:
    parts = []
    for k, d in enumerate(report.domains):
        top = report.top_documents.get(d["id"], [])
        items = "".join(
            f'<li><a href="#c{i}-{k}">{_e(report.documents[i]["name"])}</a> '
            f'<span class="score">{_pct(report.documents[i]["composition"]["domains"][d["id"]]["share"])}</span> '
            f'<span class="muted small">({report.documents[i]["composition"]["domains"][d["id"]]["paragraphs"]} '
            "段 paragraphs)</span></li>" for i in top) or "<li class=\"muted\">（没有 none）</li>"
        terms = (report.terms or {}).get(d["id"], [])
        words = "、".join(f'{_e(t["term"])}<span class="muted small">({t["paragraphs"]})</span>' for t in terms)
        parts.append(f'<div><h3><span class="swatch" style="background:{colour(k)}"></span>{_domain_label(d)}</h3>'
                     f"<p class=\"small\">占比最高的文档 Documents that give it most:</p><ol>{items}</ol>"
                     + (f'<p class="small">特征词 Characteristic terms <span class="muted">(paragraphs)</span>: '
                        f"{words or '（没有 none）'}</p>" if report.terms is not None else "") + "</div>")
    note = ('<p class="muted small">特征词：与其他段落相比，在该领域段落中出现得格外多的词'
            "（对数几率比的 z 值，带信息先验；"
            "每段只计一次；去掉标点、数字、单字和通用政策用语）。 Characteristic terms: words used far more in the "
            "domain's paragraphs than in the others (z-score of the log-odds ratio with an informative Dirichlet "
            "prior, counting a word once per paragraph; punctuation, numbers, single characters and generic policy "
            "words left out).</p>") if report.terms is not None else ""
    return note + f'<div class="cols">{"".join(parts)}</div>'


def _details(report: Report) -> str:
    parts = []
    for i, doc in enumerate(report.documents):
        for k, d in enumerate(report.domains):
            cell = doc["composition"]["domains"][d["id"]]
            if not cell["paragraphs"]:
                continue
            examples = doc["examples"].get(d["id"], [])
            paragraphs = "".join(
                f'<div class="para"><span class="score">{e["score"]:.2f}</span> '
                f'<span class="muted small">#{e["index"]}{(" · " + _e(e["heading"])) if e["heading"] else ""}'
                f'{" · " + _e("|".join(e["tags"])) if len(e["tags"]) > 1 else ""}</span>'
                f'<div class="text">{_e(e["text"])}</div></div>' for e in examples)
            shown = (f"得分最高的 {len(examples)} 段（共 {cell['paragraphs']} 段） the {len(examples)} best-scoring of "
                     f"{cell['paragraphs']} paragraphs" if len(examples) < cell["paragraphs"]
                     else f"全部 {cell['paragraphs']} 段 all {cell['paragraphs']} paragraphs")
            parts.append(f'<section class="cell-detail" id="c{i}-{k}"><h3>{_e(doc["name"])} · {_domain_label(d)} '
                         f'<span class="score">{_pct(cell["share"])}</span></h3><p class="muted small">{shown}'
                         f'; {cell["characters"]} 字 characters. <a href="#heatmap">↑ 返回热图 back to the heatmap</a>'
                         f"</p>{paragraphs}</section>")
    return "".join(parts)


def report_html(report: Report, title: str = "policytag corpus report", default_order: str | None = None,
                models: Sequence[str] = ()) -> str:
    """The whole report page. `default_order`: cluster, group or name (default: group when there are groups)."""
    order = default_order or ("group" if report.fields else "cluster")
    docs = len(report.documents)
    legend = "".join(f'<span><span class="swatch" style="background:{colour(k)}"></span>{_domain_label(d)}</span>'
                     for k, d in enumerate(report.domains))
    tags_count = {d: sum(d in doc["tags"] for doc in report.documents) for d in report.domain_ids()}
    tags_line = "，".join(f"{_e(d['name_zh'])} {tags_count[d['id']]}" for d in report.domains)
    model_line = f" · 模型 model {_e(', '.join(models))}" if models else ""
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{_e(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head><body>
<h1>{_e(title)}</h1>
<p>{docs} 篇文档 documents · {report.paragraphs} 段 paragraphs{model_line}</p>
<p class="legend">{legend}</p>
<p class="small">文档标签（占已标注文字 ≥ {_pct(report.min_share)} 的领域）Document tags (domains with at least
{_pct(report.min_share)} of a document's tagged text): {tags_line}.</p>
<h2 id="heat">文档 × 领域 Documents × domains</h2>
{_heatmap(report, order)}
<h2 id="groups">分组 Groups</h2>
{_groups(report)}
<h2 id="cooccurrence">领域共现 Domains together</h2>
{_cooccurrence(report) or '<p class="muted">（未统计 not counted）</p>'}
<h2 id="domains">各领域 Per domain</h2>
{_domains(report)}
<h2 id="paragraphs">段落 Paragraphs behind the cells</h2>
<p class="muted small">点击热图中的格子，在这里显示它背后的段落和得分。
Click a heatmap cell to show the paragraphs behind it here, with their scores.</p>
{_details(report)}
<script>{_SCRIPT}</script>
</body></html>
"""
