// Label toggles: one button per domain plus "none of these", used by the Tag tab's corrections and the review.
import { el } from "./dom.js";
import { colourClass, state } from "./domains.js";

/**
 * Toggle buttons for `initial` labels. prefix names the data-testids (`${prefix}-<domain>`, `${prefix}-none`);
 * keys=true shows the 1…9 / 0 key hints. Returns {node, labels(), toggle(index), none()}.
 */
export function labelToggles(prefix, initial, keys = false) {
  const chosen = new Set(initial);
  let noneChosen = initial.length === 0;
  const buttons = new Map();
  const group = el("div", { class: "toggles", role: "group", "aria-label": "正确的领域 Correct domains" });
  const refresh = () => {
    for (const [id, b] of buttons) b.setAttribute("aria-pressed", String(id === "" ? noneChosen : chosen.has(id)));
  };
  state.domains.forEach((d, i) => {
    const key = keys && i < 9 ? `${i + 1} ` : "";
    const b = el("button", { type: "button", class: `toggle ${colourClass(d.id)}`, dataset: { testid: `${prefix}-${d.id}` },
                             title: d.name_en, onclick: () => toggle(d.id) },
                 key ? el("kbd", {}, key.trim()) : null, `${d.name_zh} `, el("span", { class: "id" }, d.id));
    buttons.set(d.id, b);
    group.append(b);
  });
  const noneButton = el("button", { type: "button", class: "toggle none", dataset: { testid: `${prefix}-none` },
                                    onclick: () => none() },
                        keys ? el("kbd", {}, "0") : null, "都不是 ", el("span", { class: "id" }, "none"));
  buttons.set("", noneButton);
  group.append(noneButton);

  function toggle(id) {
    if (chosen.has(id)) chosen.delete(id);
    else chosen.add(id);
    noneChosen = false;
    refresh();
  }
  function none() {
    chosen.clear();
    noneChosen = true;
    refresh();
  }
  refresh();
  return {
    node: group,
    /** The chosen labels ([] = none of these), or null when nothing was chosen at all. */
    labels: () => (chosen.size ? state.domains.map((d) => d.id).filter((id) => chosen.has(id))
                               : noneChosen ? [] : null),
    toggle: (index) => { if (state.domains[index]) toggle(state.domains[index].id); },
    none,
  };
}
