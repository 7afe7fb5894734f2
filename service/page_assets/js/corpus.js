// The Corpus tab: several documents (each uploaded and tagged without explanations) or `policytag tag` JSONL
// files, analysed by POST /v1/report (the analysis `policytag report` draws): a heatmap of each domain's share
// of each document's tagged text, domain shares per group, drill-down from a cell to its paragraphs (a
// paragraph's explanation is fetched when it is opened), and the tidy table as CSV.
import { api, explain } from "./api.js";
import { byId, clear, el, fmt, say } from "./dom.js";
import { colourClass, nameZh, state } from "./domains.js";
import { highlighted } from "./evidence.js";
import { download, tableCsv } from "./export.js";

const DOCUMENT = /\.(txt|md|docx|pdf|html?)$/i;
const corpus = { documents: [], report: null, order: null };
const pct = (share) => `${Math.round(100 * share)}%`;

class CorpusFileError extends Error {}

/** The documents of a `policytag tag` JSONL output: paragraph rows grouped by (source, record). */
export function parseTagOutput(text, name) {
  const documents = new Map();
  text.replace(/^\ufeff/, "").split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    let row;
    try {
      row = JSON.parse(line);
    } catch {
      throw new CorpusFileError(`${name}：第 ${i + 1} 行不是 JSON line ${i + 1} is not JSON`);
    }
    if (row && row.kind === "document") return;  // --doc-summary rows: the report recomputes documents
    if (!row || typeof row.text !== "string" || !Array.isArray(row.tags) || typeof row.source !== "string") {
      throw new CorpusFileError(`${name}：第 ${i + 1} 行不是 policytag tag 的输出（需要 source、text、tags）。` +
        ` Line ${i + 1} is not a policytag tag row; run \`policytag tag\` on the file first, or upload the documents.`);
    }
    const record = Number.isInteger(row.record) ? row.record : null;
    const key = `${row.source}\u0000${record ?? ""}`;
    if (!documents.has(key)) {
      documents.set(key, { source: row.source, record, meta: scalars(row.meta), paragraphs: [] });
    }
    const doc = documents.get(key);
    doc.paragraphs.push({ index: Number.isInteger(row.index) ? row.index : doc.paragraphs.length, text: row.text,
                          heading: Array.isArray(row.heading) ? row.heading.join(" > ") : String(row.heading || ""),
                          tags: row.tags.map((t) => (typeof t === "string" ? t : t.domain)), scores: row.scores || {} });
  });
  return [...documents.values()];
}

function scalars(meta) {
  const out = {};
  for (const [k, v] of Object.entries(meta && typeof meta === "object" ? meta : {})) {
    if (v !== null && typeof v !== "object" && String(v).trim()) out[k] = String(v).trim();
  }
  return out;
}

/** A Python-style pattern ((?P<year>\d{4})年) as a JS RegExp; the page matches file names itself. */
export function namePattern(source) {
  if (!source.trim()) return null;
  try {
    return new RegExp(source.replace(/\(\?P</g, "(?<"));
  } catch (error) {
    throw new CorpusFileError(`文件名模式有误 The file name pattern is not a regular expression: ${error.message}`);
  }
}

const fileName = (source) => source.split(/[\\/]/).pop();

async function readFiles(files) {
  const status = byId("corpus-status");
  const problems = [];
  const documents = [];
  let done = 0;
  for (const file of files) {
    say(status, `正在读取 ${done + 1} / ${files.length}：${file.name}… Reading…`);
    try {
      if (/\.jsonl$/i.test(file.name)) documents.push(...parseTagOutput(await file.text(), file.name));
      else if (DOCUMENT.test(file.name)) {
        const form = new FormData();
        form.append("file", file);
        form.append("explain", "false");  // any length the budget allows; explanations come per paragraph
        const body = await api("POST", "/v1/upload", form);
        const result = body.results[0];
        documents.push({ source: body.source || file.name, record: null, meta: {},
                         paragraphs: result.paragraphs.map((p) => ({ index: p.index, text: p.text,
                           heading: p.heading || "", tags: p.tags.map((t) => t.domain), scores: p.scores })) });
      } else {
        problems.push(`${file.name}：只能读 .txt .md .docx .pdf .html 文档或 policytag tag 的 .jsonl。 Unsupported type.`);
      }
    } catch (error) {
      problems.push(error instanceof CorpusFileError ? error.message : `${file.name}：${explain(error)}`);
    }
    done++;
  }
  return { documents, problems };
}

function groupFields(pattern) {
  const typed = byId("corpus-group-by").value.split(/[\s,，、]+/).filter(Boolean);
  if (typed.length || !pattern) return typed;
  return [...pattern.source.matchAll(/\(\?<([A-Za-z_]\w*)>/g)].map((m) => m[1]);
}

/** POST /v1/report with the documents' paragraph lengths, tags and group values; then draw it. */
async function analyse() {
  const status = byId("corpus-status");
  if (!corpus.documents.length) return;
  let pattern;
  try {
    pattern = namePattern(byId("corpus-pattern").value);
  } catch (error) {
    return say(status, error.message, "error");
  }
  const fields = groupFields(pattern);
  const documents = corpus.documents.map((d) => {
    const found = pattern ? fileName(d.source).match(pattern)?.groups || {} : {};
    const meta = {};
    for (const f of fields) {
      const value = found[f] ?? d.meta[f];
      if (value !== undefined && String(value).trim()) meta[f] = String(value).trim().slice(0, 200);
    }
    return { source: d.source, ...(d.record !== null ? { record: d.record } : {}), meta,
             paragraphs: d.paragraphs.map((p) => ({ characters: [...p.text].length, tags: p.tags })) };
  });
  say(status, "正在分析… Analysing…");
  try {
    corpus.report = await api("POST", "/v1/report", { documents, group_by: fields });
  } catch (error) {
    return say(status, `分析失败 ${explain(error)}`, "error");
  }
  const r = corpus.report;
  corpus.order = corpus.order || (r.fields.length ? "group" : "cluster");
  say(status, `${r.documents.length} 篇文档 documents，${r.paragraphs} 段 paragraphs` +
              (r.fields.length ? `；分组 groups: ${r.fields.join(", ")}` : "") + "。", "ok");
  render();
}

function order() {
  const r = corpus.report;
  if (r.orders[corpus.order]) return r.orders[corpus.order];
  const ids = r.documents.map((d) => d.id);
  const share = (i) => r.documents[i].composition.domains[corpus.order]?.share ?? 0;
  return ids.sort((a, b) => share(b) - share(a) || r.orders.name.indexOf(a) - r.orders.name.indexOf(b));
}

function heatmap() {
  const r = corpus.report;
  const head = el("tr", {}, el("th", { scope: "col" }, "文档 Document"),
                  r.fields.map((f) => el("th", { scope: "col" }, f)),
                  r.domains.map((d) => el("th", { scope: "col" }, `${d.name_zh} `, el("span", { class: "id" }, d.id))),
                  el("th", { scope: "col" }, "段落 paragraphs"));
  const rows = order().map((i) => {
    const doc = r.documents[i];
    const cells = r.domains.map((d) => {
      const cell = doc.composition.domains[d.id];
      const tagged = doc.tags.includes(d.id);
      const td = el("td", { class: `share ${colourClass(d.id)}` });
      td.style.setProperty("--share", cell.share.toFixed(3));  // CSSOM, allowed under the page's CSP
      if (cell.paragraphs) {
        td.append(el("button", { type: "button", class: "cell", dataset: { testid: "corpus-cell", doc: i, domain: d.id },
                                 title: `${doc.name} · ${d.name_zh} ${d.id}: ${cell.paragraphs} 段, ${cell.characters} 字`,
                                 onclick: () => drill(i, d.id) }, pct(cell.share), tagged ? " ✓" : ""));
      } else td.append("–");
      return td;
    });
    return el("tr", {}, el("th", { scope: "row", title: doc.source }, doc.name),
              r.fields.map((f) => el("td", { class: "left" }, doc.groups[f])), cells,
              el("td", {}, String(doc.composition.paragraphs)));
  });
  clear(byId("corpus-heatmap")).append(el("thead", {}, head), el("tbody", {}, rows));
}

function groups() {
  const r = corpus.report;
  const box = clear(byId("corpus-groups"));
  if (!r.fields.length) {
    box.append(el("p", { class: "muted" }, "没有分组：填写分组字段或文件名模式后点“应用”。 No groups: give a group field " +
                                           "or a file name pattern with named groups, then Apply."));
    return;
  }
  for (const f of r.fields) {
    const rows = r.groups[f].map((g) => el("tr", {}, el("th", { scope: "row" }, g.value), el("td", {}, String(g.documents)),
                                           r.domains.map((d) => el("td", {}, pct(g.shares[d.id])))));
    box.append(el("section", { class: "group", dataset: { testid: "corpus-group", field: f } },
      el("h3", {}, `按 ${f} 分组 By ${f}`),
      r.charts[f] ? el("img", { class: "chart", src: r.charts[f], alt: `各组领域占比 domain shares by ${f}` }) : null,
      el("div", { class: "scroll" }, el("table", { class: "grid" },
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, f), el("th", { scope: "col" }, "文档 documents"),
                           r.domains.map((d) => el("th", { scope: "col" }, `${d.name_zh} ${d.id}`)))),
        el("tbody", {}, rows)))));
  }
}

function together() {
  const r = corpus.report;
  const m = r.cooccurrence || [];
  clear(byId("corpus-cooccurrence")).append(
    el("thead", {}, el("tr", {}, el("th", {}, ""), r.domains.map((d) => el("th", { scope: "col" }, `${d.name_zh} ${d.id}`)))),
    el("tbody", {}, r.domains.map((d, i) => el("tr", {}, el("th", { scope: "row" }, `${d.name_zh} ${d.id}`),
      r.domains.map((_, j) => el("td", {}, i === j ? String(m[i][j])
                                                 : `${m[i][j]} (${pct(m[i][i] ? m[i][j] / m[i][i] : 0)})`))))));
  clear(byId("corpus-top")).append(...r.domains.map((d) => el("div", {},
    el("h4", {}, `${d.name_zh} ${d.id}`),
    el("ol", {}, (r.top_documents[d.id] || []).map((i) => el("li", {},
      el("button", { type: "button", class: "link", onclick: () => drill(i, d.id) }, r.documents[i].name),
      ` ${pct(r.documents[i].composition.domains[d.id].share)}`))))));
}

function render() {
  byId("corpus-results").hidden = false;
  byId("corpus-order").value = corpus.order;
  heatmap();
  groups();
  together();
}

async function openParagraph(details, p) {
  if (!details.open || p.explained) return;
  const body = details.querySelector('[data-testid="corpus-evidence"]');
  say(body, "正在取证据词… Fetching the words behind the tags…");
  try {
    const result = await api("POST", "/v1/tag", { text: p.text, explain: true });
    const found = result.results[0].paragraphs;
    p.explanations = found.length === 1 ? found[0].explanations || {} : {};
    p.explained = true;
    clear(details.querySelector(".text")).append(...highlighted(p.text, p.explanations, p.tags));
    const terms = Object.entries(p.explanations).map(([d, list]) =>
      `${nameZh(d)} ${d}: ${list.slice(0, 6).map((t) => t.term).join("、") || "（没有明确的词 no clear words）"}`);
    say(body, terms.length ? `证据词 Evidence — ${terms.join("；")}` : "没有证据词 No evidence words.");
  } catch (error) {
    say(body, explain(error), "error");
  }
}

function drill(i, domain) {
  const doc = corpus.documents[i];
  const cell = corpus.report.documents[i].composition.domains[domain];
  const paragraphs = doc.paragraphs.filter((p) => p.tags.includes(domain))
    .sort((a, b) => (b.scores[domain] ?? 0) - (a.scores[domain] ?? 0) || a.index - b.index);
  const title = el("h3", { tabindex: "-1" }, `${corpus.report.documents[i].name} · ${nameZh(domain)} ${domain} ` +
                                              `${pct(cell.share)}（${cell.paragraphs} 段 paragraphs）`);
  const items = paragraphs.map((p) => {
    const details = el("details", { class: "card", dataset: { testid: "corpus-paragraph", index: p.index } },
      el("summary", {}, el("strong", {}, fmt(p.scores[domain])), ` · #${p.index}`,
         p.heading ? el("span", { class: "muted" }, ` · ${p.heading}`) : null,
         ` · ${p.text.length > 60 ? `${p.text.slice(0, 60)}…` : p.text}`),
      el("p", { class: "text" }, p.text),
      el("p", { class: "muted" }, "得分 Scores: ",
         Object.entries(p.scores).map(([d, s]) => `${d} ${fmt(s)}`).join(" · ")),
      el("p", { class: "status", dataset: { testid: "corpus-evidence" } }));
    details.addEventListener("toggle", () => openParagraph(details, p));
    return details;
  });
  clear(byId("corpus-detail")).append(title, el("p", { class: "muted" },
    "展开一段查看它的证据词（按需获取）。 Open a paragraph to fetch the words behind its tags."), ...items);
  title.focus();
  title.scrollIntoView({ block: "start" });
}

function exportCsv() {
  const r = corpus.report;
  if (!r) return;
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
  download(tableCsv(r.tidy.columns, r.tidy.rows), `policytag-corpus-${stamp}.csv`, "text/csv");
}

export function initCorpus() {
  byId("corpus-input").addEventListener("change", async (event) => {
    const files = [...event.target.files];
    event.target.value = "";  // choosing the same files again reads them again
    if (!files.length) return;
    const { documents, problems } = await readFiles(files);
    const status = byId("corpus-status");
    corpus.documents = documents;
    corpus.order = null;
    clear(byId("corpus-problems")).append(...problems.map((p) => el("li", {}, p)));
    if (!documents.length) {
      byId("corpus-results").hidden = true;
      return say(status, "没有读到任何文档。 No document could be read (see below).", "error");
    }
    await analyse();
  });
  byId("corpus-apply").addEventListener("click", () => analyse());
  byId("corpus-order").addEventListener("change", (event) => {
    corpus.order = event.target.value;
    heatmap();
  });
  byId("corpus-export").addEventListener("click", exportCsv);
  document.addEventListener("model-loaded", () => {
    const select = byId("corpus-order");
    const keep = select.value;
    clear(select).append(el("option", { value: "cluster" }, "聚类 clustered"), el("option", { value: "group" }, "按组 by group"),
                         el("option", { value: "name" }, "按名称 by name"),
                         ...state.domains.map((d) => el("option", { value: d.id }, `${d.name_zh} ${d.id} ↓`)));
    if (keep) select.value = keep;
  });
}
