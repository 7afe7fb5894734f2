// Export what is shown: CSV (UTF-8 with BOM so spreadsheet programs read the Chinese) or JSONL, as a Blob.

function cell(value) {
  let s = String(value ?? "");
  // A cell starting with = + - @ would run as a formula in a spreadsheet; quote it as text.
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(rows, domains) {
  const header = ["source", "index", "heading", "text", "tags", ...domains.map((d) => `score_${d}`)];
  const lines = rows.map((r) => [r.source, r.index, r.heading, r.text, r.tags.join("|"),
                                 ...domains.map((d) => r.scores[d] ?? "")].map(cell).join(","));
  return "\ufeff" + [header.join(","), ...lines].join("\r\n") + "\r\n";
}

/** A table (column names, rows of values) as CSV text with a BOM, every cell quoted as `cell` does. */
export function tableCsv(columns, rows) {
  return "\ufeff" + [columns, ...rows].map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
}

export function toJsonl(rows) {
  return rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length ? "\n" : "");
}

export function download(text, filename, type) {
  const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
