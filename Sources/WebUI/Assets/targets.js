// Targets: scrape pools and their targets with health, labels, last scrape and error; dropped
// targets with their relabeling explained rule by rule (as `tsq targets --explain`).
import { api } from "./api.js";
import { navigate } from "./app.js";
import { escapeHTML } from "./format.js";

const labelsHTML = (labels) => Object.entries(labels).sort().map(([n, v]) => `<span>${escapeHTML(n)}="${escapeHTML(v)}"</span>`).join("");

function ago(iso) {
  const seconds = (Date.now() - Date.parse(iso)) / 1000;
  if (!Number.isFinite(seconds) || Date.parse(iso) <= 0) return "never";
  return seconds < 90 ? `${Math.max(0, Math.round(seconds))}s ago` : `${Math.round(seconds / 60)}m ago`;
}

export async function render(main, url) {
  const state = url.searchParams.get("state") || "any";
  const filter = url.searchParams.get("filter") || "";
  main.innerHTML = `<h1>Targets</h1>
    <div class="toolbar">
      <label>State <select id="state">${["any", "up", "down", "unknown"].map((s) => `<option${s === state ? " selected" : ""}>${s}</option>`).join("")}</select></label>
      <label>Labels contain <input id="filter" value="${escapeHTML(filter)}" placeholder='job="api" or text'></label>
    </div>
    <div id="pools"></div><h2>Dropped targets</h2><div id="dropped"></div>`;
  const go = () => {
    const params = new URLSearchParams();
    const chosen = main.querySelector("#state").value;
    const text = main.querySelector("#filter").value;
    if (chosen !== "any") params.set("state", chosen);
    if (text) params.set("filter", text);
    navigate(`/targets${params.size ? `?${params}` : ""}`, { replace: true });
  };
  main.querySelector("#state").addEventListener("change", go);
  main.querySelector("#filter").addEventListener("change", go);
  const { data } = await api("/api/v1/targets", { state: "any" });
  const matches = (labels) => !filter || Object.entries(labels).some(([n, v]) => `${n}="${v}"`.includes(filter) || v.includes(filter));
  const active = data.activeTargets.filter((t) => (state === "any" || t.health === state) && matches(t.labels));
  const pools = new Map();
  for (const target of active) {
    if (!pools.has(target.scrapePool)) pools.set(target.scrapePool, []);
    pools.get(target.scrapePool).push(target);
  }
  main.querySelector("#pools").innerHTML = [...pools.entries()].sort().map(([pool, targets]) => `
    <h2>${escapeHTML(pool)} <small>(${targets.filter((t) => t.health === "up").length}/${targets.length} up)</small></h2>
    <table data-pool="${escapeHTML(pool)}"><thead><tr><th>Endpoint</th><th>State</th><th>Labels</th><th>Last scrape</th><th>Duration</th><th>Error</th></tr></thead><tbody>
    ${targets.map((t) => `<tr><td class="mono">${escapeHTML(t.scrapeUrl)}</td><td class="state-${t.health}">${t.health.toUpperCase()}</td>
      <td class="labels">${labelsHTML(t.labels)}</td><td>${ago(t.lastScrape)}</td><td>${(t.lastScrapeDuration * 1000).toFixed(1)} ms</td>
      <td class="error-text">${escapeHTML(t.lastError || "")}</td></tr>`).join("")}
    </tbody></table>`).join("") || '<p class="message">No active targets match.</p>';
  const dropped = data.droppedTargets.filter((t) => matches(t.discoveredLabels));
  main.querySelector("#dropped").innerHTML = dropped.length ? dropped.map((t, i) => `
    <details class="dropped" data-index="${i}"><summary><strong>${escapeHTML(t.scrapePool || t.discoveredLabels.job || "")}</strong>
      <span class="mono">${escapeHTML(t.discoveredLabels.__address__ || "")}</span> — why was it dropped?</summary>
      <div class="labels">${labelsHTML(t.discoveredLabels)}</div><div class="explanation"></div></details>`).join("")
    : '<p class="message">No target was dropped by relabeling.</p>';
  main.querySelectorAll("details.dropped").forEach((details) => {
    details.addEventListener("toggle", () => explain(details, dropped[Number(details.dataset.index)]), { once: true });
  });
}

async function explain(details, target) {
  const box = details.querySelector(".explanation");
  try {
    const pool = target.scrapePool || target.discoveredLabels.job;
    const { data } = await api("/api/v1/targets/relabel_steps", { scrapePool: pool, labels: JSON.stringify(target.discoveredLabels) });
    box.innerHTML = `<table><thead><tr><th>#</th><th>Rule</th><th>Labels after it</th></tr></thead><tbody>${data.steps.map((step, index) => `
      <tr><td>${index + 1}</td><td class="mono">${escapeHTML(JSON.stringify(step.rule))}</td>
      <td>${step.keep ? `<div class="labels">${labelsHTML(step.output)}</div>` : '<strong class="state-down">dropped here</strong>'}</td></tr>`).join("")}</tbody></table>`;
  } catch (error) {
    box.innerHTML = `<p class="message error">${escapeHTML(error.message)}</p>`;
  }
}
