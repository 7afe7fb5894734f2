// The Model tab: current version, per-domain metrics, confusion heatmap, versions with promote, training jobs.
import { api, explain } from "./api.js";
import { byId, clear, el, fmt, say } from "./dom.js";
import { loadModel, nameZh, state } from "./domains.js";

const POLL_MS = 1000;

function table(node, headers, rows) {
  clear(node).append(el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col" }, h)))),
                     el("tbody", {}, rows.map((cells) => el("tr", {}, cells.map((c, i) =>
                       i === 0 ? el("th", { scope: "row" }, c) : el("td", {}, c))))));
}

/** {rep, note}: a version's cross-validated report (null when it has none, e.g. trained with --cv 0). */
async function report(version) {
  try {
    const body = await api("GET", `/v1/models/${encodeURIComponent(version)}/report`);
    return { rep: body.report || null, note: body.note || "" };
  } catch (error) {
    if (error.status === 404) return { rep: null, note: explain(error) };  // an older server: no report route
    throw error;
  }
}

function renderMetrics(rep, model, note) {
  // The training metrics first: the gate and the versions table use them (the report's own averages can
  // differ slightly: it is computed on the held-out predictions with its own rules).
  const perDomain = model.metrics?.per_domain || rep?.per_domain || {};
  table(byId("metrics-table"), ["领域 Domain", "阈值 Threshold", "精确率 P", "召回率 R", "F1", "样本 Support"],
        state.domains.map((d) => {
          const m = perDomain[d.id] || {};
          return [`${d.name_zh} ${d.id}`, fmt(d.threshold), fmt(m.precision), fmt(m.recall), fmt(m.f1),
                  m.support ?? "–"];
        }));
  const macro = model.metrics?.macro_f1 ?? rep?.macro?.f1;
  byId("metrics-note").textContent = rep || Object.keys(perDomain).length
    ? `交叉验证 macro-F1 ${fmt(macro, 3)}；段落级交叉验证的结果。 Cross-validated, paragraph-level.`
    : `这个版本没有交叉验证报告。 No cross-validated report for this version. ${note}`;
}

function renderHeatmap(confusion) {
  const box = clear(byId("heatmap"));
  if (!confusion || !Array.isArray(confusion.matrix)) {
    box.append(el("p", { class: "muted" }, "没有混淆矩阵。 No confusion matrix for this version."));
    return;
  }
  const labels = confusion.labels.map((l) => (state.byId.has(l) ? `${nameZh(l)} ${l}` : l));
  const head = el("tr", {}, el("th", { scope: "col" }, "真实 \\ 预测 true \\ predicted"),
                  labels.map((l) => el("th", { scope: "col" }, l)));
  const rows = confusion.matrix.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    return el("tr", {}, el("th", { scope: "row" }, labels[i]), row.map((n, j) => {
      const share = n / total;  // colour by share of the true row, so a small domain reads as clearly
      const td = el("td", { class: `heat${share > 0.6 ? " dark" : ""}${i === j ? " diag" : ""}`,
                            title: `${labels[i]} → ${labels[j]}: ${n} (${Math.round(share * 100)}%)` }, String(n));
      td.style.setProperty("--share", share.toFixed(3));  // CSSOM, allowed under the page's CSP
      return td;
    }));
  });
  box.append(el("table", { class: "grid heatmap" }, el("thead", {}, head), el("tbody", {}, rows)));
}

async function promote(version) {
  const status = byId("model-status");
  say(status, `正在发布 ${version}… Promoting…`);
  try {
    await api("POST", `/v1/models/${encodeURIComponent(version)}/promote`, undefined, { write: true });
    say(status, `已发布 ${version}，现在由它标注。 ${version} is now current.`, "ok");
    await refresh();
  } catch (error) {
    say(status, explain(error), "error");
  }
}

function renderVersions(models) {
  const current = models.current;
  table(byId("versions-table"), ["版本 Version", "创建 Created", "macro-F1", "段落 Paragraphs", "发布 Promote"],
        [...(models.versions || [])].reverse().map((v) => [
          v.version + (v.version === current ? " ✓ 当前 current" : ""),
          (v.created || "").replace("T", " ").slice(0, 19), fmt(v.macro_f1, 3), v.paragraphs ?? "–",
          v.version === current ? "—"
            : el("button", { type: "button", dataset: { testid: `promote-${v.version}` },
                             onclick: () => promote(v.version) }, `发布 Promote ${v.version}`)]));
}

async function refresh() {
  const status = byId("model-status");
  try {
    const model = await loadModel();
    byId("model-version").textContent = model.version;
    byId("model-created").textContent = model.created ? `（${model.created.replace("T", " ").slice(0, 19)}）` : "";
    const [models, { rep, note }] = await Promise.all([api("GET", "/v1/models"), report(model.version)]);
    renderMetrics(rep, model, note);
    renderHeatmap(rep?.confusion);
    renderVersions(models);
  } catch (error) {
    say(status, explain(error), "error");
  }
}

function verdict(job) {
  const p = job.promotion || {};
  const reason = p.reason ? `：${p.reason}` : "";
  if (job.status === "failed") return [`训练失败 Training failed: ${job.error || "see the server log"}`, "error"];
  return job.promoted
    ? [`新版本 ${job.version} 已通过把关并发布 promoted${reason}`, "ok"]
    : [`新版本 ${job.version} 未发布，保留为候选 kept as a candidate${reason}`, "warn"];
}

async function train() {
  const button = byId("train-button");
  const status = byId("train-status");
  const progress = byId("train-progress");
  button.disabled = true;
  try {
    const started = await api("POST", "/v1/train", { force: byId("train-force").checked }, { write: true });
    progress.hidden = false;
    for (;;) {
      const job = await api("GET", `/v1/jobs/${encodeURIComponent(started.job)}`);
      if (job.status === "succeeded" || job.status === "failed") {
        const [message, kind] = verdict(job);
        say(status, message, kind);
        break;
      }
      say(status, job.status === "queued" ? "排队中… Queued…" : "训练中（含交叉验证，可能需要一两分钟）… Training…");
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    await refresh();
  } catch (error) {
    say(status, explain(error), "error");
  } finally {
    progress.hidden = true;
    button.disabled = false;
  }
}

export function initModel(context) {
  context.onShown("tab-model", refresh);
  byId("train-button").addEventListener("click", train);
}
