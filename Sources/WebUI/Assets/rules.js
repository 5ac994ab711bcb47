// Alerts (/alerts) and rules (/rules), from /api/v1/rules and /api/v1/alerts, as Prometheus shows them.
import { api } from "./api.js";
import { escapeHTML } from "./format.js";

const labelsHTML = (labels = {}) => Object.entries(labels).sort().map(([n, v]) => `<span>${escapeHTML(n)}="${escapeHTML(v)}"</span>`).join("");

const EMPTY = `<p class="message">No rule files are loaded. Add them to the configuration and reload:
  <code>rule_files: [rules/*.yml]</code> in prometheus.yml, then <code>kill -HUP</code> metricsd or
  <code>POST /-/reload</code> (with --web.enable-lifecycle). <code>tsq check rules</code> checks a file first.</p>`;

export async function render(main, url) {
  const alertsPage = url.pathname.startsWith("/alerts");
  main.innerHTML = `<h1>${alertsPage ? "Alerts" : "Rules"}</h1><div id="content"></div>`;
  const content = main.querySelector("#content");
  const { data } = await api("/api/v1/rules", alertsPage ? { type: "alert" } : {});
  const groups = data.groups || [];
  if (!groups.length) {
    content.innerHTML = EMPTY;
    return;
  }
  if (alertsPage) {
    const rules = groups.flatMap((group) => group.rules.map((rule) => ({ ...rule, group: group.name, file: group.file })));
    const counts = { firing: 0, pending: 0, inactive: 0 };
    for (const rule of rules) counts[rule.state] = (counts[rule.state] || 0) + 1;
    content.innerHTML = `<p>${["firing", "pending", "inactive"].map((s) => `<span class="state-${s === "inactive" ? "up" : "down"}">${s}: ${counts[s] || 0}</span>`).join(" · ")}</p>` +
      rules.sort((a, b) => order(a.state) - order(b.state)).map((rule) => `
      <details class="panel"${rule.state !== "inactive" ? " open" : ""} data-state="${rule.state}">
        <summary><strong>${escapeHTML(rule.name)}</strong> <span class="state-${rule.state === "inactive" ? "up" : "down"}">${rule.state}</span>
          (${(rule.alerts || []).length} active) <small>${escapeHTML(rule.group)}</small></summary>
        <pre class="mono">${escapeHTML(`expr: ${rule.query}${rule.duration ? `\nfor: ${rule.duration}s` : ""}`)}</pre>
        ${(rule.alerts || []).length ? `<table><thead><tr><th>Labels</th><th>State</th><th>Active since</th><th>Value</th></tr></thead><tbody>
          ${rule.alerts.map((alert) => `<tr><td class="labels">${labelsHTML(alert.labels)}</td><td>${alert.state}</td><td>${escapeHTML(alert.activeAt || "")}</td><td>${escapeHTML(alert.value || "")}</td></tr>`).join("")}
        </tbody></table>` : ""}
      </details>`).join("");
    return;
  }
  content.innerHTML = groups.map((group) => `
    <h2>${escapeHTML(group.name)} <small class="mono">${escapeHTML(group.file)} · every ${group.interval}s · last took ${(group.evaluationTime * 1000).toFixed(1)} ms</small></h2>
    <table><thead><tr><th>Rule</th><th>Health</th><th>Last evaluation</th><th>Duration</th><th>Error</th></tr></thead><tbody>
    ${group.rules.map((rule) => `<tr><td class="mono">${escapeHTML(rule.type === "alerting" ? `alert: ${rule.name}` : `record: ${rule.name}`)}<br>${escapeHTML(`expr: ${rule.query}`)}</td>
      <td class="state-${rule.health === "ok" ? "up" : rule.health === "err" ? "down" : "unknown"}">${escapeHTML(rule.health)}</td>
      <td>${escapeHTML(rule.lastEvaluation || "")}</td><td>${((rule.evaluationTime || 0) * 1000).toFixed(2)} ms</td>
      <td class="error-text">${escapeHTML(rule.lastError || "")}</td></tr>`).join("")}
    </tbody></table>`).join("");
}

function order(state) {
  return { firing: 0, pending: 1, inactive: 2 }[state] ?? 3;
}
