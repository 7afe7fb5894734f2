// The Tag tab: paste or upload, paragraphs with chips and evidence, summary chart, filter, threshold, export,
// and each paragraph's correction toggles (saved to POST /v1/examples).
import { api, explain } from "./api.js";
import { append, byId, clear, el, fmt, say } from "./dom.js";
import { colourClass, nameZh, state } from "./domains.js";
import { highlighted } from "./evidence.js";
import { download, toCsv, toJsonl } from "./export.js";
import { labelToggles } from "./labels.js";
import { logCorrection } from "./correct.js";

const HAN = /\p{Script=Han}/u;  // text without Chinese characters never gets tags (as on the server)
// origin: what the shown result came from ({kind: "upload", file} or {kind: "paste", text}), for the pool.
const view = { doc: null, threshold: null, filter: "", origin: null };
// Paragraphs explained per request: well under the server's budget (POLICYTAG_MAX_EXPLAIN_PARAGRAPHS, 200 by
// default), so a document of any length that the server tags at all also gets its evidence, a batch at a time.
const EXPLAIN_BATCH = 50;
const PASTE_NAME = "粘贴文本 pasted text.txt";
let generation = 0;  // bumped for every new result: explanations still arriving for an older one are dropped

/** The domains a paragraph is tagged with now: the server's tags, or its scores against the slider. */
export function currentTags(p) {
  if (view.threshold === null) return p.tags.map((t) => t.domain);
  if (!HAN.test(p.text)) return [];
  return Object.entries(p.scores).filter(([, s]) => s >= view.threshold)
    .sort((a, b) => b[1] - a[1]).map(([d]) => d);
}

function shownParagraphs() {
  if (!view.doc) return [];
  return view.doc.paragraphs.filter((p) => {
    const tags = currentTags(p);
    return view.filter === "" || (view.filter === "none" ? tags.length === 0 : tags.includes(view.filter));
  });
}

function chip(p, domain) {
  return el("span", { class: `chip ${colourClass(domain)}`, dataset: { testid: "chip", domain } },
            `${nameZh(domain)} `, el("span", { class: "id" }, domain), ` ${fmt(p.scores[domain])}`);
}

function correction(p) {
  if (p.correct) return p.correct.node;  // kept across re-renders so a half-made correction survives the slider
  const toggles = labelToggles("correct", currentTags(p));
  const status = el("span", { class: "status", role: "status", "aria-live": "polite" });
  const save = el("button", { type: "button", class: "primary", dataset: { testid: "save-labels" } }, "保存 Save");
  save.addEventListener("click", async () => {
    const labels = toggles.labels();
    if (labels === null) return say(status, "请先选择领域或“都不是”。 Choose domains or none first.", "error");
    save.disabled = true;
    say(status, "正在保存… Saving…");
    try {
      const result = await api("POST", "/v1/examples", { examples: [{ text: p.text, labels }] }, { write: true });
      say(status, `已保存 Saved ✓（库中共 ${result.total} 条 examples in store）`, "ok");
      logCorrection(p.text, labels, result);
    } catch (error) {
      say(status, explain(error), "error");
    } finally {
      save.disabled = false;
    }
  });
  const node = el("div", { class: "correct" }, el("span", { class: "muted" }, "纠正 Correct: "), toggles.node,
                  el("div", { class: "row" }, save, status));
  p.correct = { node, toggles };
  return node;
}

function paragraphCard(p) {
  const tags = currentTags(p);
  const scores = Object.entries(p.scores).map(([d, s]) => `${d} ${fmt(s)}`).join(" · ");
  return el("li", { class: "card", dataset: { testid: "paragraph", index: p.index } },
    p.heading ? el("p", { class: "heading-path" }, "标题 Heading: ", p.heading) : null,
    append(el("p", { class: "text" }), highlighted(p.text, p.explanations, tags)),
    el("div", { class: "chips", "aria-label": "领域 Domains" },
       tags.length ? tags.map((d) => chip(p, d)) : el("span", { class: "nochip" }, "未标注 no domain")),
    el("p", { class: "scores muted" }, "得分 Scores: ", scores),
    correction(p));
}

function summaryChart(counts, total) {
  const NS = "http://www.w3.org/2000/svg";
  const rows = [...state.domains.map((d) => [d.id, `${d.name_zh} ${d.id}`, colourClass(d.id)]), ["none", "未标注 none", "dx"]];
  const rowH = 26;
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", `0 0 320 ${rows.length * rowH}`);
  svg.setAttribute("class", "bars");
  svg.setAttribute("aria-hidden", "true");  // the sentence above says the same for screen readers
  rows.forEach(([id, label, cls], i) => {
    const n = counts[id] || 0;
    const text = document.createElementNS(NS, "text");
    text.setAttribute("x", "0");
    text.setAttribute("y", String(i * rowH + 17));
    text.textContent = label;
    const bar = document.createElementNS(NS, "rect");
    bar.setAttribute("x", "150");
    bar.setAttribute("y", String(i * rowH + 5));
    bar.setAttribute("height", "16");
    bar.setAttribute("width", String(total ? Math.max(n ? 2 : 0, (130 * n) / total) : 0));
    bar.setAttribute("class", `bar ${cls}`);
    const value = document.createElementNS(NS, "text");
    value.setAttribute("x", String(154 + (total ? (130 * n) / total : 0)));
    value.setAttribute("y", String(i * rowH + 17));
    value.textContent = String(n);
    svg.append(text, bar, value);
  });
  return svg;
}

function renderSummary() {
  const paragraphs = view.doc.paragraphs;
  const counts = { none: 0 };
  for (const p of paragraphs) {
    const tags = currentTags(p);
    if (!tags.length) counts.none++;
    for (const d of tags) counts[d] = (counts[d] || 0) + 1;
  }
  const parts = state.domains.map((d) => `${d.name_zh} ${d.id} ${counts[d.id] || 0} 段`);
  byId("summary-text").textContent = `${view.doc.source}：共 ${paragraphs.length} 段 paragraphs；` +
    `${parts.join("，")}；未标注 none ${counts.none} 段。`;
  clear(byId("summary-chart")).append(summaryChart(counts, paragraphs.length));
}

let pending = false;

/** Re-render at most once a frame (the slider fires many input events on a long document). */
function scheduleRender() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => { pending = false; render(); });
}

function render() {
  if (!view.doc) return;
  byId("tag-results").hidden = false;
  renderSummary();
  const shown = shownParagraphs();
  clear(byId("paragraphs")).append(...shown.map(paragraphCard));
  byId("shown-count").textContent = `显示 ${shown.length} / ${view.doc.paragraphs.length} 段 shown`;
  byId("threshold-value").textContent = view.threshold === null ? "模型阈值 model's" : fmt(view.threshold);
  const skipped = view.doc.skipped || [];
  byId("skipped-box").hidden = skipped.length === 0;
  byId("skipped-title").textContent = `未标注的行 ${skipped.length} 行（标题、署名等） Lines not tagged`;
  clear(byId("skipped")).append(...skipped.map((s) => el("li", {}, `${s.text}（${s.reason}）`)));
}

function fillFilter() {
  const select = byId("filter-domain");
  clear(select).append(el("option", { value: "" }, "全部 All"),
                       ...state.domains.map((d) => el("option", { value: d.id }, `${d.name_zh} ${d.id}`)),
                       el("option", { value: "none" }, "未标注 none"));
  select.value = view.filter;
}

function show(result, source, origin) {
  view.doc = { source, paragraphs: result.paragraphs || [], skipped: result.skipped || [] };
  view.origin = origin;
  say(byId("pool-status"), "");
  byId("pool-add").disabled = !view.doc.paragraphs.length;
  render();
  fetchExplanations(view.doc);
  const n = view.doc.paragraphs.length;
  return n ? `已标注 ${n} 段 Tagged ${n} paragraphs` : "没有可标注的段落 No paragraph to tag (see the lines not tagged)";
}

/** The words behind each tag, fetched after the tags (POST /v1/tag with explain) a batch of paragraphs at a time. */
async function fetchExplanations(doc) {
  const mine = ++generation;
  const results = byId("tag-results");
  const note = byId("explain-status");
  const wanted = doc.paragraphs.filter((p) => p.tags.length && !p.explanations);
  results.dataset.explained = String(!wanted.length);
  say(note, "");
  for (let i = 0; i < wanted.length; i += EXPLAIN_BATCH) {
    const batch = wanted.slice(i, i + EXPLAIN_BATCH);
    if (wanted.length > EXPLAIN_BATCH) {
      say(note, `正在取证据词 ${i} / ${wanted.length} 段… Fetching the words behind the tags…`);
    }
    let body;
    try {
      body = await api("POST", "/v1/tag", { texts: batch.map((p) => p.text), explain: true });
    } catch (error) {
      if (mine === generation) say(note, `证据词暂时取不到 Evidence unavailable: ${explain(error)}`, "warn");
      break;
    }
    if (mine !== generation) return;  // another text or file replaced this one meanwhile
    body.results.forEach((r, k) => {
      // A paragraph sent on its own is one paragraph again; anything else has no evidence to show.
      batch[k].explanations = r.paragraphs.length === 1 ? r.paragraphs[0].explanations || {} : {};
    });
    showEvidence(batch);
  }
  if (mine === generation) {
    if (note.className !== "status warn") say(note, "");
    results.dataset.explained = "true";
  }
}

/** Highlight the evidence in the cards of these paragraphs only: a long document's other cards stay as they are. */
function showEvidence(paragraphs) {
  const cards = new Map([...byId("paragraphs").children].map((li) => [li.dataset.index, li]));
  for (const p of paragraphs) {
    const text = cards.get(String(p.index))?.querySelector(".text");
    if (text) clear(text).append(...highlighted(p.text, p.explanations, currentTags(p)));
  }
}

async function tagText() {
  const status = byId("tag-status");
  const text = byId("text-input").value;
  if (!text.trim()) return say(status, "请先粘贴文本。 Paste some text first.", "error");
  say(status, "正在标注… Tagging…");
  try {
    const body = await api("POST", "/v1/tag", { text });
    const shown = show(body.results[0], "粘贴文本 pasted text", { kind: "paste", text });
    say(status, `${shown}（模型 model ${body.model.version}）`, "ok");
  } catch (error) {
    say(status, explain(error), "error");
  }
}

/** Put the shown document's paragraphs in the review pool (POST /v1/pool), so the Review tab has work. */
async function addToPool(context) {
  const status = byId("pool-status");
  const origin = view.origin;
  if (!origin) return;
  const form = new FormData();
  // The same file (or the pasted text as one): the server reads it as it read the upload, heading paths and all.
  if (origin.kind === "upload") form.append("file", origin.file, origin.file.name);
  else form.append("file", new Blob([origin.text], { type: "text/plain" }), PASTE_NAME);
  const button = byId("pool-add");
  button.disabled = true;
  say(status, "正在加入复核池… Adding to the review pool…");
  try {
    const r = await api("POST", "/v1/pool", form, { write: true });
    const skipped = r.skipped ? `，${r.skipped} 段太长未加入 too long` : "";
    say(status, `已加入复核池 ${r.added} 段（已标注过的 ${r.already_labelled} 段不加入${skipped}）；池中共 ${r.pool_size} 段。 ` +
                `Added ${r.added} paragraphs; the pool holds ${r.pool_size}.`, "ok");
    status.append(" ", el("button", { type: "button", class: "link", dataset: { testid: "goto-review" },
                                      onclick: () => context.selectTab("tab-review") }, "去复核 Review now"));
    document.dispatchEvent(new CustomEvent("pool-changed", { detail: r }));
  } catch (error) {
    say(status, explain(error), "error");
  } finally {
    button.disabled = false;
  }
}

const UPLOADABLE = /\.(txt|md|docx|pdf|html?)$/i;

async function upload(file) {
  const status = byId("tag-status");
  if (!UPLOADABLE.test(file.name)) {
    return say(status, `${file.name}：只能上传 .txt .md .docx .pdf .html 文件。 Unsupported file type; ` +
                       "save it as one of these first.", "error");
  }
  say(status, `正在上传 ${file.name}… Uploading…`);
  byId("text-input").value = "";  // the result below is the file's, not the text that was in the box
  const form = new FormData();
  form.append("file", file);
  form.append("explain", "false");  // the evidence follows in batches: a long document stays within the budget
  try {
    const body = await api("POST", "/v1/upload", form);
    const shown = show(body.results[0], body.source || file.name, { kind: "upload", file });
    say(status, `${file.name}：${shown}（模型 model ${body.model.version}）`, "ok");
  } catch (error) {
    say(status, `${file.name}：${explain(error)}`, "error");
  }
}

function exportRows(format) {
  const rows = shownParagraphs().map((p) => ({
    source: view.doc.source, index: p.index, heading: p.heading || "", text: p.text,
    tags: currentTags(p), scores: p.scores }));
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
  if (format === "csv") download(toCsv(rows, state.domains.map((d) => d.id)), `policytag-${stamp}.csv`, "text/csv");
  else download(toJsonl(rows), `policytag-${stamp}.jsonl`, "application/x-ndjson");
}

export function initTag(context) {
  byId("pool-add").addEventListener("click", () => addToPool(context));
  byId("tag-form").addEventListener("submit", (event) => {
    event.preventDefault();
    tagText();
  });
  byId("text-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {  // Ctrl+Enter tags without leaving the text
      event.preventDefault();
      tagText();
    }
  });
  byId("file-input").addEventListener("change", (event) => {
    const file = event.target.files[0];
    if (file) upload(file);
    event.target.value = "";  // choosing the same file again re-uploads it
  });
  byId("filter-domain").addEventListener("change", (event) => { view.filter = event.target.value; render(); });
  const slider = byId("threshold");
  slider.addEventListener("input", () => { view.threshold = Number(slider.value); scheduleRender(); });
  byId("threshold-reset").addEventListener("click", () => { view.threshold = null; render(); });
  byId("export-csv").addEventListener("click", () => exportRows("csv"));
  byId("export-jsonl").addEventListener("click", () => exportRows("jsonl"));
  document.addEventListener("model-loaded", () => { fillFilter(); render(); });
}
