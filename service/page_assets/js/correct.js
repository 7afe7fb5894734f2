// The Correct tab: what was saved this session, and a way on to retraining.
import { byId, el } from "./dom.js";
import { nameZh } from "./domains.js";

/** Record a saved correction (called by the Tag tab and the review queue). */
export function logCorrection(text, labels, result, source = "纠正 correct") {
  byId("correct-empty").hidden = true;
  const shown = labels.length ? labels.map((d) => `${nameZh(d)} ${d}`).join("，") : "都不是 none";
  const snippet = text.length > 60 ? `${text.slice(0, 60)}…` : text;
  byId("correct-log").prepend(el("li", {}, el("span", { class: "muted" }, `${source} → `), shown,
                                 el("span", { class: "muted" }, ` （库中共 ${result.total ?? "?"} 条）`),
                                 el("br"), snippet));
}

export function initCorrect(context) {
  byId("goto-train").addEventListener("click", () => context.selectTab("tab-model"));
}
