// The label audit: labelled paragraphs the cross-validated model disagrees with; accept its suggestion or keep.
import { api, explain } from "./api.js";
import { byId, clear, el, fmt, say } from "./dom.js";
import { colourClass, nameZh } from "./domains.js";

const names = (labels) => (labels && labels.length ? labels.map((d) => `${nameZh(d)} ${d}`).join("，") : "都不是 none");

function labelChips(labels) {
  return labels && labels.length
    ? labels.map((d) => el("span", { class: `chip ${colourClass(d)}` }, `${nameZh(d)} `, el("span", { class: "id" }, d)))
    : [el("span", { class: "nochip" }, "都不是 none")];
}

function auditCard(item) {
  const status = el("span", { class: "status", role: "status", "aria-live": "polite" });
  const buttons = [];
  const act = async (action) => {
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await api("POST", "/v1/audit", { id: item.id, action }, { write: true });
      say(status, action === "accept" ? `已接受建议 Accepted → ${names(item.suggested)}` : "已保留原标签 Kept", "ok");
      card.classList.add("done");
    } catch (error) {
      say(status, explain(error), "error");
      buttons.forEach((b) => { b.disabled = false; });
    }
  };
  buttons.push(el("button", { type: "button", class: "primary", dataset: { testid: "audit-accept" },
                              onclick: () => act("accept") }, "接受建议 Accept"),
               el("button", { type: "button", dataset: { testid: "audit-keep" }, onclick: () => act("keep") },
                  "保留原标签 Keep"));
  const probs = Object.entries(item.probabilities || {}).map(([d, p]) => `${d} ${fmt(p)}`).join(" · ");
  const card = el("li", { class: "card", dataset: { testid: "audit-item", id: item.id } },
    el("p", { class: "text" }, item.text),
    el("div", { class: "chips" }, "现有标签 Label: ", ...labelChips(item.labels),
       item.label_from ? el("span", { class: "muted" }, ` 来自 from “${item.label_from}”`) : null,
       item.source ? el("span", { class: "muted" }, ` · ${item.source}`) : null),
    el("div", { class: "chips" }, "模型建议 Suggested: ", ...labelChips(item.suggested),
       el("span", { class: "muted" }, ` 把握 confidence ${fmt(item.confidence)}`)),
    item.reason ? el("p", { class: "muted" }, `原因 Why: ${item.reason}`) : null,
    probs ? el("p", { class: "muted" }, `概率 Probabilities: ${probs}`) : null,
    el("div", { class: "row" }, ...buttons, status));
  return card;
}

async function load() {
  const status = byId("audit-status");
  say(status, "正在载入… Loading…");
  try {
    const body = await api("GET", "/v1/audit?n=20");
    const items = body.items || [];
    clear(byId("audit-list")).append(...items.map(auditCard));
    say(status, items.length ? `${items.length} 条可疑标签 labels to check（模型 model ${body.model?.version ?? "?"}）`
                             : "没有可疑的标签。 No label to check.", "ok");
  } catch (error) {
    say(status, error.status === 404 ? `审核不可用：${explain(error)}` : explain(error), "error");
  }
}

export function initAudit(context) {
  byId("audit-load").addEventListener("click", load);
  let loaded = false;
  context.onShown("tab-audit", () => { if (!loaded) { loaded = true; load(); } });
}
