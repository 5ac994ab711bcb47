// Dashboards: the list of shipped and user dashboards, and a viewer for Grafana's JSON model
// (rows; timeseries, stat, gauge, bargauge and table panels; query, custom and datasource
// variables; Grafana's URL state: ?from=&to=&var-name=&refresh=).
import { api, labelValues, query, queryRange, queryValues } from "./api.js";
import { navigate } from "./app.js";
import { drawChart, legendHTML } from "./chart.js";
import { escapeHTML, formatValue, legendName, thresholdColor } from "./format.js";
import { RANGES, duration, parseTime, stepFor } from "./time.js";

const SUPPORTED = new Set(["timeseries", "stat", "gauge", "bargauge", "table", "row"]);
const SCRAPE_INTERVAL = 15; // the data source's scrape interval, as Grafana's $__rate_interval assumes
let refreshTimer = null;
let inFlight = null;

export function leave() {
  clearInterval(refreshTimer);
  if (inFlight) inFlight.abort();
}

export async function render(main, url) {
  const name = url.pathname.split("/").filter(Boolean)[1];
  if (!name) return renderList(main);
  return renderDashboard(main, url, decodeURIComponent(name));
}

async function renderList(main) {
  main.innerHTML = "<h1>Dashboards</h1><div class=\"cards\" id=\"cards\"></div>";
  const { data } = await api("/ui/api/dashboards");
  document.getElementById("cards").innerHTML = data.map((entry) => `
    <a class="card" href="/dashboards/${encodeURIComponent(entry.name)}">
      <strong>${escapeHTML(entry.title)}</strong>
      <small>${escapeHTML(entry.name)}.json · ${entry.source === "embedded" ? "shipped" : "--web.dashboards-dir"}${entry.error ? ` · ${escapeHTML(entry.error)}` : ""}</small>
      <small>${(entry.tags || []).map(escapeHTML).join(", ")}</small>
    </a>`).join("") || '<p class="message">No dashboards.</p>';
}

// MARK: Variables

/// The variables' current values: from the URL, else the dashboard's current, else All/first.
async function resolveVariables(dashboard, url, start, end) {
  const values = {};
  const options = {};
  for (const variable of dashboard.templating?.list || []) {
    const fromURL = url.searchParams.getAll(`var-${variable.name}`);
    let choices = [];
    if (variable.type === "custom") {
      choices = String(variable.query || "").split(",").map((v) => v.trim()).filter(Boolean);
    } else if (variable.type === "query") {
      const definition = typeof variable.query === "string" ? variable.query : variable.query?.query || variable.definition || "";
      const substituted = substitute(definition, values, dashboard, {});
      try {
        choices = (await labelValues(substituted, start, end)) ?? (await queryValues(substituted, end));
      } catch (error) {
        choices = [];
      }
      if (variable.regex) {
        const pattern = new RegExp(variable.regex.replace(/^\/(.*)\/[a-z]*$/, "$1"));
        choices = choices.map((c) => { const m = pattern.exec(c); return m ? (m[1] ?? m[0]) : null; }).filter((c) => c !== null);
      }
      choices = [...new Set(choices)].sort();
    } else if (variable.type === "datasource") {
      choices = ["metricsd"];
    } else {
      continue;
    }
    options[variable.name] = choices;
    let selected = fromURL.length ? fromURL : [].concat(variable.current?.value ?? []);
    if (!selected.length || (selected.length === 1 && selected[0] === "")) selected = variable.includeAll ? ["$__all"] : choices.slice(0, 1);
    values[variable.name] = { variable, selected, choices };
  }
  return { values, options };
}

function regexEscape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/// The text a variable stands for in a query: All is its allValue or every choice as a regex
/// alternation; several values are an alternation too; one value is itself.
function variableText(entry) {
  const { variable, selected, choices } = entry;
  if (variable.type === "datasource") return "metricsd";
  if (selected.includes("$__all")) {
    if (variable.allValue) return variable.allValue;
    return choices.length === 1 ? regexEscape(choices[0]) : `(${choices.map(regexEscape).join("|")})`;
  }
  if (selected.length > 1) return `(${selected.map(regexEscape).join("|")})`;
  return variable.multi || variable.includeAll ? regexEscape(selected[0] ?? "") : (selected[0] ?? "");
}

/// Grafana's substitution: `$name`, `${name}`, `[[name]]` and the built-ins.
export function substitute(expr, values, dashboard, builtins) {
  const lookup = (name) => {
    if (name in builtins) return builtins[name];
    if (values[name]) return variableText(values[name]);
    return null;
  };
  return expr
    .replace(/\$\{([A-Za-z0-9_]+)(?::[a-z]+)?\}|\[\[([A-Za-z0-9_]+)\]\]|\$([A-Za-z0-9_]+)/g, (match, a, b, c) => {
      const value = lookup(a || b || c);
      return value === null ? match : value;
    });
}

function builtinsFor(start, end, step) {
  const rate = Math.max(step + SCRAPE_INTERVAL, 4 * SCRAPE_INTERVAL);
  return {
    __interval: duration(step), __interval_ms: String(step * 1000), __rate_interval: duration(rate),
    __range: duration(end - start), __range_s: String(Math.round(end - start)), __range_ms: String(Math.round((end - start) * 1000)),
  };
}

// MARK: Viewer

async function renderDashboard(main, url, name) {
  leave();
  let dashboard;
  try {
    const response = await fetch(`/ui/api/dashboards/${encodeURIComponent(name)}`);
    if (!response.ok) throw new Error(`no dashboard "${name}"`);
    dashboard = await response.json();
  } catch (error) {
    main.innerHTML = `<p class="message error">${escapeHTML(error.message)}</p><p><a href="/dashboards">All dashboards</a></p>`;
    return;
  }
  const from = url.searchParams.get("from") || dashboard.time?.from || "now-1h";
  const to = url.searchParams.get("to") || dashboard.time?.to || "now";
  const refresh = url.searchParams.get("refresh") ?? dashboard.refresh ?? "";
  const now = Date.now() / 1000;
  const start = parseTime(from, now);
  const end = parseTime(to, now);
  document.title = `${dashboard.title} · ToolboxMetrics`;
  main.innerHTML = `
    <h1>${escapeHTML(dashboard.title || name)}</h1>
    <div class="toolbar" id="toolbar"></div>
    <div class="grid" id="grid" aria-busy="true"></div>`;
  const { values } = await resolveVariables(dashboard, url, start, end);
  renderToolbar(document.getElementById("toolbar"), dashboard, url, values, { from, to, refresh });
  if (Number.isNaN(start) || Number.isNaN(end) || end <= start) {
    document.getElementById("grid").innerHTML = `<p class="message error">The time range ${escapeHTML(from)} to ${escapeHTML(to)} is not valid.</p>`;
    return;
  }
  await drawPanels(document.getElementById("grid"), dashboard, values, start, end, url);
  const seconds = { "5s": 5, "10s": 10, "30s": 30, "1m": 60, "5m": 300, "15m": 900, "1h": 3600 }[refresh];
  if (seconds && to === "now") {
    refreshTimer = setInterval(() => {
      const now = Date.now() / 1000;
      drawPanels(document.getElementById("grid"), dashboard, values, parseTime(from, now), parseTime(to, now), url);
    }, seconds * 1000);
  }
}

function setParams(url, changes) {
  const next = new URL(url);
  for (const [key, value] of Object.entries(changes)) {
    next.searchParams.delete(key);
    for (const item of [].concat(value ?? [])) if (item !== "") next.searchParams.append(key, item);
  }
  return next.pathname + next.search;
}

function renderToolbar(toolbar, dashboard, url, values, { from, to, refresh }) {
  const parts = [];
  for (const [name, entry] of Object.entries(values)) {
    if (entry.variable.type === "datasource" || entry.variable.hide === 2) continue;
    const all = entry.variable.includeAll ? [`<option value="$__all"${entry.selected.includes("$__all") ? " selected" : ""}>All</option>`] : [];
    const options = all.concat(entry.choices.map((choice) =>
      `<option${entry.selected.includes(choice) ? " selected" : ""}>${escapeHTML(choice)}</option>`));
    parts.push(`<label>${escapeHTML(entry.variable.label || name)}
      <select data-variable="${escapeHTML(name)}"${entry.variable.multi ? " multiple size=\"1\"" : ""}>${options.join("")}</select></label>`);
  }
  const ranges = RANGES.map((range) => `<option value="${range}"${range === from && to === "now" ? " selected" : ""}>Last ${range.slice(4)}</option>`);
  const custom = RANGES.includes(from) && to === "now" ? "" : `<option selected value="">${escapeHTML(from)} to ${escapeHTML(to)}</option>`;
  parts.push(`<label>Time <select id="range">${custom}${ranges.join("")}</select></label>`);
  parts.push(`<label>From <input id="from" size="14" value="${escapeHTML(from)}"></label><label>To <input id="to" size="14" value="${escapeHTML(to)}"></label>`);
  parts.push(`<button id="apply-range">Apply</button>`);
  const refreshes = ["", "10s", "30s", "1m", "5m"].map((r) => `<option value="${r}"${r === refresh ? " selected" : ""}>${r ? `every ${r}` : "Off"}</option>`);
  parts.push(`<label>Refresh <select id="refresh">${refreshes.join("")}</select></label>`);
  parts.push(`<button id="reload" title="Run every query again">Reload</button>`);
  toolbar.innerHTML = parts.join("");
  for (const select of toolbar.querySelectorAll("select[data-variable]")) {
    select.addEventListener("change", () => {
      const chosen = [...select.selectedOptions].map((option) => option.value);
      navigate(setParams(url, { [`var-${select.dataset.variable}`]: chosen }));
    });
  }
  toolbar.querySelector("#range").addEventListener("change", (event) => {
    if (event.target.value) navigate(setParams(url, { from: event.target.value, to: "now" }));
  });
  toolbar.querySelector("#apply-range").addEventListener("click", () => {
    navigate(setParams(url, { from: toolbar.querySelector("#from").value, to: toolbar.querySelector("#to").value }));
  });
  toolbar.querySelector("#refresh").addEventListener("change", (event) => navigate(setParams(url, { refresh: event.target.value })));
  toolbar.querySelector("#reload").addEventListener("click", () => navigate(url.pathname + url.search, { replace: true }));
}

/// Lays out and fills every panel; all queries go out at once. Marks the grid with how long the
/// dashboard took from the first request to the last panel drawn (`data-drawn-ms`).
async function drawPanels(grid, dashboard, values, start, end, url) {
  if (inFlight) inFlight.abort();
  inFlight = new AbortController();
  const signal = inFlight.signal;
  const began = performance.now();
  grid.setAttribute("aria-busy", "true");
  grid.innerHTML = "";
  const panels = [];
  for (const panel of dashboard.panels || []) {
    panels.push(panel);
    if (panel.type === "row" && panel.collapsed) panels.push(...(panel.panels || []));
  }
  const jobs = panels.map((panel) => {
    const grid_ = panel.gridPos || { x: 0, y: 0, w: 12, h: 8 };
    const element = document.createElement(panel.type === "row" ? "h2" : "section");
    element.style.gridColumn = `${grid_.x + 1} / span ${grid_.w}`;
    element.style.gridRow = `${grid_.y + 1} / span ${grid_.h}`;
    grid.appendChild(element);
    if (panel.type === "row") {
      element.className = "row-title";
      element.textContent = panel.title || "";
      return Promise.resolve();
    }
    element.className = "panel";
    element.dataset.panelId = panel.id;
    element.dataset.type = panel.type;
    element.innerHTML = `<h3 title="${escapeHTML(panel.description || "")}">${escapeHTML(panel.title || "")}</h3><div class="body"></div>`;
    const body = element.querySelector(".body");
    if (!SUPPORTED.has(panel.type)) {
      body.innerHTML = `<p class="message">Panel type "${escapeHTML(panel.type)}" is not supported here; open this dashboard in Grafana to see it.</p>`;
      element.dataset.series = "0";
      element.dataset.state = "unsupported";
      return Promise.resolve();
    }
    return fillPanel(element, body, panel, values, dashboard, start, end, url, signal).catch((error) => {
      if (signal.aborted) return;
      body.innerHTML = `<p class="message error">${escapeHTML(error.message)}</p>`;
      element.dataset.state = "error";
      element.dataset.series = "0";
    });
  });
  await Promise.all(jobs);
  if (signal.aborted) return;
  grid.setAttribute("aria-busy", "false");
  grid.dataset.drawnMs = String(Math.round(performance.now() - began));
}

async function fillPanel(element, body, panel, values, dashboard, start, end, url, signal) {
  const defaults = panel.fieldConfig?.defaults || {};
  const unit = defaults.unit || "short";
  const targets = (panel.targets || []).filter((target) => target.expr && !target.hide);
  const width = element.clientWidth || 600;
  const step = stepFor(start, end, width, SCRAPE_INTERVAL);
  const builtins = builtinsFor(start, end, step);
  const exprs = targets.map((target) => substitute(target.expr, values, dashboard, builtins));
  element.dataset.queries = JSON.stringify(exprs);
  if (panel.type === "timeseries") {
    const results = await Promise.all(exprs.map((expr) => queryRange(expr, start, end, step, { signal })));
    const series = [];
    results.forEach(({ data }, index) => {
      for (const entry of data.result) series.push({ name: legendName(targets[index].legendFormat, entry.metric), values: entry.values });
    });
    element.dataset.series = String(series.length);
    element.dataset.state = "done";
    // The legend first, so the chart is sized to the room left.
    body.innerHTML = `<div class="chart"></div><div class="legend">${legendHTML(series)}</div>`;
    const stacked = defaults.custom?.stacking?.mode === "normal";
    drawChart(body.querySelector(".chart"), series, {
      unit, stacked, start, end,
      onZoom: (from, to) => navigate(setParams(url, { from: String(Math.round(from * 1000)), to: String(Math.round(to * 1000)) })),
    });
    return;
  }
  // Instant panels read the value at the end of the range.
  const results = await Promise.all(exprs.map((expr) => query(expr, end, { signal })));
  const samples = [];
  results.forEach(({ data }, index) => {
    const list = data.resultType === "scalar" ? [{ metric: {}, value: data.result }] : data.result;
    for (const entry of list) samples.push({ name: legendName(targets[index].legendFormat, entry.metric), metric: entry.metric, value: Number(entry.value[1]) });
  });
  element.dataset.series = String(samples.length);
  element.dataset.state = "done";
  if (!samples.length) {
    body.innerHTML = '<p class="message">No data</p>';
    return;
  }
  if (panel.type === "stat" || panel.type === "gauge") {
    const value = samples[0].value;
    const color = thresholdColor(value, defaults.thresholds);
    let html = `<div class="stat" style="color:${color}">${escapeHTML(formatValue(value, unit, defaults.decimals))}</div>`;
    if (panel.type === "gauge") {
      const low = defaults.min ?? 0;
      const high = defaults.max ?? (unit === "percentunit" ? 1 : 100);
      const share = Number.isNaN(value) ? 0 : Math.max(0, Math.min(1, (value - low) / ((high - low) || 1)));
      html += `<div class="bar" role="meter" aria-valuemin="${low}" aria-valuemax="${high}" aria-valuenow="${value}"><div style="width:${(share * 100).toFixed(0)}%;background:${color}"></div></div>`;
    }
    body.innerHTML = html;
  } else if (panel.type === "bargauge") {
    const top = Math.max(...samples.map((s) => (Number.isNaN(s.value) ? 0 : s.value)), 1e-12);
    body.innerHTML = `<div class="scroll">${samples.map((s) => `
      <div class="bargauge-row"><span>${escapeHTML(s.name)}</span>
      <div class="bar"><div style="width:${((Number.isNaN(s.value) ? 0 : s.value / top) * 100).toFixed(0)}%;background:${thresholdColor(s.value, defaults.thresholds)}"></div></div>
      <b>${escapeHTML(formatValue(s.value, unit, defaults.decimals))}</b></div>`).join("")}</div>`;
  } else if (panel.type === "table") {
    const columns = [...new Set(samples.flatMap((s) => Object.keys(s.metric)).filter((n) => n !== "__name__"))].sort();
    body.innerHTML = `<div class="scroll"><table><thead><tr>${columns.map((c) => `<th>${escapeHTML(c)}</th>`).join("")}<th>Value</th></tr></thead>
      <tbody>${samples.map((s) => `<tr>${columns.map((c) => `<td>${escapeHTML(s.metric[c] ?? "")}</td>`).join("")}<td>${escapeHTML(formatValue(s.value, unit, defaults.decimals))}</td></tr>`).join("")}</tbody></table></div>`;
  }
}
