// The review queue: the pool paragraphs the model is least sure about, one at a time, driven by the keyboard.
import { api, explain } from "./api.js";
import { byId, clear, el, fmt, say } from "./dom.js";
import { colourClass, nameZh } from "./domains.js";
import { labelToggles } from "./labels.js";
import { logCorrection } from "./correct.js";

const queue = { items: [], at: 0, reviewed: 0, skipped: 0, poolSize: null, toggles: null, busy: false };

function updateCounter() {
  const left = Math.max(queue.items.length - queue.at, 0);
  const pool = queue.poolSize === null ? "" : `，池中 pool ${queue.poolSize}`;
  byId("review-counter").textContent =
    `已复核 reviewed ${queue.reviewed}，跳过 skipped ${queue.skipped}，本批剩余 left ${left}${pool}`;
}

function showCurrent() {
  const box = clear(byId("review-box"));
  updateCounter();
  const item = queue.items[queue.at];
  if (!item) {
    queue.toggles = null;
    if (queue.items.length) box.append(el("p", { class: "status ok" }, "本批已完成。再取一批？ Batch done; load more?"));
    return;
  }
  queue.toggles = labelToggles("review", (item.tags || []).map((t) => t.domain), true);
  const scores = Object.entries(item.scores || {}).map(([d, s]) => `${d} ${fmt(s)}`).join(" · ");
  const card = el("article", { class: "card review", tabindex: "-1", dataset: { testid: "review-item", id: item.id },
                               "aria-label": `第 ${queue.at + 1} 段 / ${queue.items.length}` },
    el("p", { class: "muted" }, `${queue.at + 1} / ${queue.items.length}`, item.source ? ` · ${item.source}` : ""),
    item.heading ? el("p", { class: "heading-path" }, "标题 Heading: ", item.heading) : null,
    el("p", { class: "text" }, item.text),
    el("div", { class: "chips" }, "模型建议 Model says: ",
       (item.tags || []).length ? item.tags.map((t) => el("span", { class: `chip ${colourClass(t.domain)}` },
                                                         `${nameZh(t.domain)} ${t.domain} ${fmt(t.score)}`))
                                : el("span", { class: "nochip" }, "无 none")),
    el("p", { class: "muted" }, item.reason ? `为何入选 Why: ${item.reason} · ` : "", "得分 Scores: ", scores),
    queue.toggles.node,
    el("div", { class: "row" },
       el("button", { type: "button", class: "primary", dataset: { testid: "review-save" }, onclick: save },
          "保存并下一段 Save ", el("kbd", {}, "Enter")),
       el("button", { type: "button", dataset: { testid: "review-skip" }, onclick: skip }, "跳过 Skip ", el("kbd", {}, "s"))));
  box.append(card);
  card.focus();
}

async function save() {
  const item = queue.items[queue.at];
  if (!item || queue.busy) return;
  const labels = queue.toggles.labels();
  const status = byId("review-status");
  if (labels === null) return say(status, "请先选择领域或按 0（都不是）。 Choose domains or 0 for none.", "error");
  queue.busy = true;
  try {
    const result = await api("POST", "/v1/review", { id: item.id, labels }, { write: true });
    queue.reviewed++;
    if (typeof result.pool_size === "number") queue.poolSize = result.pool_size;
    logCorrection(item.text, labels, result, "复核 review");
    say(status, "已保存 Saved ✓", "ok");
    queue.at++;
    showCurrent();
  } catch (error) {
    say(status, explain(error), "error");
  } finally {
    queue.busy = false;
  }
}

function skip() {
  if (!queue.items[queue.at]) return;
  queue.skipped++;
  queue.at++;
  say(byId("review-status"), "");
  showCurrent();
}

async function load() {
  const status = byId("review-status");
  say(status, "正在取段落… Loading…");
  try {
    const body = await api("GET", "/v1/review?n=20");
    Object.assign(queue, { items: body.items || [], at: 0, poolSize: body.pool_size ?? null });
    say(status, queue.items.length ? `模型 model ${body.model?.version ?? "?"}：${queue.items.length} 段待复核`
                                   : "池中没有待复核的段落。 The pool is empty: import or upload documents first.",
        queue.items.length ? "ok" : "");
    showCurrent();
  } catch (error) {
    say(status, error.status === 404 ? `复核队列不可用：${explain(error)}` : explain(error), "error");
  }
}

function onKey(event, isActive) {
  if (!isActive() || !queue.toggles || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest("input, textarea, select, dialog")) return;
  if (/^[1-9]$/.test(event.key)) queue.toggles.toggle(Number(event.key) - 1);
  else if (event.key === "0") queue.toggles.none();
  else if (event.key === "Enter") save();
  else if (event.key === "s" || event.key === "S") skip();
  else return;
  event.preventDefault();  // Enter on a focused toggle must not also click it
}

export function initReview(context) {
  byId("review-load").addEventListener("click", load);
  let loaded = false;
  context.onShown("tab-review", () => { if (!loaded) { loaded = true; load(); } });
  // Paragraphs added from the Tag tab: the next visit loads a fresh batch (unless one is under way).
  document.addEventListener("pool-changed", () => { if (!queue.items[queue.at]) loaded = false; });
  document.addEventListener("keydown", (event) => onKey(event, () => !byId("panel-review").hidden));
}
