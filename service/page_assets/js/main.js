// Tabs (WAI-ARIA tabs pattern: arrow keys, Home/End), the header, and start-up.
import { api, explain, forgetToken, hasToken } from "./api.js";
import { byId } from "./dom.js";
import { loadModel, state } from "./domains.js";
import { initTag } from "./tag.js";
import { initCorpus } from "./corpus.js";
import { initCorrect } from "./correct.js";
import { initReview } from "./review.js";
import { initAudit } from "./audit.js";
import { initModel } from "./model.js";

const tabs = [...document.querySelectorAll('[role="tab"]')];
const shown = new Map();  // tab id -> callback when it is opened

export function activeTab() {
  return tabs.find((t) => t.getAttribute("aria-selected") === "true")?.id;
}

export function selectTab(tab, focus = true) {
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    byId(t.getAttribute("aria-controls")).hidden = !on;
  }
  if (focus) tab.focus();
  shown.get(tab.id)?.();
}

function initTabs() {
  for (const tab of tabs) {
    tab.addEventListener("click", () => selectTab(tab));
    tab.addEventListener("keydown", (event) => {
      const i = tabs.indexOf(tab);
      const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      selectTab(tabs[(next + tabs.length) % tabs.length]);
    });
  }
}

function initHeader() {
  const clearButton = byId("token-clear");
  const update = () => { clearButton.hidden = !hasToken(); };
  clearButton.addEventListener("click", () => forgetToken());
  document.addEventListener("token-changed", update);
  document.addEventListener("model-loaded", () => { byId("header-version").textContent = state.version || "–"; });
  update();
}

async function start() {
  initTabs();
  initHeader();
  const context = { onShown: (id, f) => shown.set(id, f), selectTab: (id) => selectTab(byId(id)) };
  initTag(context);
  initCorpus(context);
  initCorrect(context);
  initReview(context);
  initAudit(context);
  initModel(context);
  try {
    await loadModel();
  } catch (error) {
    byId("header-version").textContent = explain(error);
  }
  document.body.dataset.ready = "true";  // tests wait for this instead of sleeping
}

start();
export { api };
