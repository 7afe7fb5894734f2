// The served model's domains (ids, Chinese and English names, thresholds) and their colours.
import { api } from "./api.js";

export const state = { version: null, domains: [], byId: new Map() };

const PALETTE = 8;  // page.css defines .d0 … .d7

export async function loadModel() {
  const model = await api("GET", "/v1/model");
  state.version = model.version;
  state.domains = model.domains || [];
  state.byId = new Map(state.domains.map((d, i) => [d.id, { ...d, colour: i % PALETTE }]));
  document.dispatchEvent(new CustomEvent("model-loaded", { detail: model }));
  return model;
}

/** CSS class carrying a domain's colour. */
export function colourClass(id) {
  const d = state.byId.get(id);
  return d ? `d${d.colour}` : "dx";
}

export function nameZh(id) {
  return state.byId.get(id)?.name_zh || id;
}

export function threshold(id) {
  const t = state.byId.get(id)?.threshold;
  return typeof t === "number" ? t : 0.5;
}
