// Evidence: where the word terms behind each tag occur in a paragraph, found in the normalised text
// (NFKC + lower case, as the model sees it) and mapped back to positions in the original text.
import { el } from "./dom.js";
import { colourClass, nameZh } from "./domains.js";

/** The normalised text and, per normalised UTF-16 unit, the original [start, end) it came from. */
export function normalisedMap(text) {
  let norm = "";
  const starts = [];
  const ends = [];
  let i = 0;
  for (const ch of text) {  // by code point, so a surrogate pair stays whole
    const n = ch.normalize("NFKC").toLowerCase();
    for (let k = 0; k < n.length; k++) {
      starts.push(i);
      ends.push(i + ch.length);
    }
    norm += n;
    i += ch.length;
  }
  return { norm, starts, ends };
}

/** A model word term ("科技 创新", "创新 $") as the characters to look for ("科技创新"); "" if none. */
export function searchable(term) {
  return term.replace(/[\^$]/g, " ").split(/\s+/).filter(Boolean).join("");
}

/** Non-overlapping highlight ranges [{start, end, domains: [...], terms: [...]}] sorted by start. */
export function evidenceRanges(text, explanations, domains) {
  const { norm, starts, ends } = normalisedMap(text);
  const hits = [];
  for (const domain of domains) {
    for (const item of (explanations && explanations[domain]) || []) {
      if (item.kind !== "word") continue;  // single characters would light up half the paragraph
      const needle = searchable(String(item.term)).normalize("NFKC").toLowerCase();
      if (!needle) continue;
      for (let at = norm.indexOf(needle); at !== -1; at = norm.indexOf(needle, at + 1)) {
        hits.push({ start: starts[at], end: ends[at + needle.length - 1], domain, term: needle });
      }
    }
  }
  hits.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged = [];
  for (const h of hits) {
    const last = merged[merged.length - 1];
    if (last && h.start < last.end) {  // overlapping terms become one highlight naming every domain
      last.end = Math.max(last.end, h.end);
      if (!last.domains.includes(h.domain)) last.domains.push(h.domain);
      if (!last.terms.includes(h.term)) last.terms.push(h.term);
    } else merged.push({ start: h.start, end: h.end, domains: [h.domain], terms: [h.term] });
  }
  return merged;
}

/** The paragraph text as nodes, with <mark data-testid="evidence"> around evidence (all as text). */
export function highlighted(text, explanations, domains) {
  const nodes = [];
  let at = 0;
  for (const r of evidenceRanges(text, explanations, domains)) {
    if (r.start > at) nodes.push(document.createTextNode(text.slice(at, r.start)));
    const label = r.domains.map((d) => `${nameZh(d)} ${d}`).join(" / ");
    nodes.push(el("mark", { class: `evidence ${colourClass(r.domains[0])}`, dataset: { testid: "evidence",
                                                                                      domain: r.domains.join(" ") },
                            title: `证据 evidence → ${label}` }, text.slice(r.start, r.end)));
    at = r.end;
  }
  if (at < text.length) nodes.push(document.createTextNode(text.slice(at)));
  return nodes;
}
