// Explore: PromQL queries with completion, a graph or a table per query, and the query's stats.
// The queries and range live in the URL as Prometheus's UI keeps them: ?g0.expr=&g0.tab=&g0.range_input=.
import { api, query, queryRange } from "./api.js";
import { navigate } from "./app.js";
import { drawChart, legendHTML } from "./chart.js";
import { escapeHTML, formatHistogram, legendName } from "./format.js";
import { RANGES, parseTime, stepFor } from "./time.js";

let metricNames = null;

export async function render(main, url) {
  const panels = [];
  for (let index = 0; url.searchParams.has(`g${index}.expr`); index++) {
    panels.push({
      expr: url.searchParams.get(`g${index}.expr`),
      tab: url.searchParams.get(`g${index}.tab`) || "graph",
      range: url.searchParams.get(`g${index}.range_input`) || "now-1h",
      stacked: url.searchParams.get(`g${index}.stacked`) === "1",
    });
  }
  if (!panels.length) panels.push({ expr: "", tab: "graph", range: "now-1h", stacked: false });
  main.innerHTML = `<h1>Explore</h1><div id="queries"></div><button id="add">Add query</button>`;
  const container = main.querySelector("#queries");
  panels.forEach((panel, index) => container.appendChild(queryPanel(panel, index, panels)));
  main.querySelector("#add").addEventListener("click", () => {
    panels.push({ expr: "", tab: "graph", range: "now-1h", stacked: false });
    navigate(urlFor(panels));
  });
  panels.forEach((panel, index) => { if (panel.expr) run(container.children[index], panel); });
}

function urlFor(panels) {
  const params = new URLSearchParams();
  panels.forEach((panel, index) => {
    params.set(`g${index}.expr`, panel.expr);
    params.set(`g${index}.tab`, panel.tab);
    params.set(`g${index}.range_input`, panel.range);
    if (panel.stacked) params.set(`g${index}.stacked`, "1");
  });
  return `/graph?${params}`;
}

function queryPanel(panel, index, panels) {
  const element = document.createElement("section");
  element.className = "query";
  element.dataset.index = String(index);
  const ranges = RANGES.map((r) => `<option value="${r}"${r === panel.range ? " selected" : ""}>${r.slice(4)}</option>`).join("");
  element.innerHTML = `
    <label class="mono" for="expr${index}">Expression ${index + 1}</label>
    <textarea class="expr" id="expr${index}" spellcheck="false" autocomplete="off" aria-autocomplete="list"
      placeholder="Expression (Enter runs, Shift+Enter for a new line, Tab completes)">${escapeHTML(panel.expr)}</textarea>
    <ul class="suggestions" role="listbox" hidden></ul>
    <div class="toolbar">
      <button class="primary" data-action="run">Execute</button>
      <button data-action="format" title="Format the expression (format_query)">Format</button>
      <span class="tabs" role="tablist">
        <button role="tab" data-tab="graph" aria-selected="${panel.tab === "graph"}">Graph</button>
        <button role="tab" data-tab="table" aria-selected="${panel.tab === "table"}">Table</button>
      </span>
      <label>Range <select data-action="range">${ranges}</select></label>
      <label><input type="checkbox" data-action="stacked"${panel.stacked ? " checked" : ""}> Stacked</label>
      ${panels.length > 1 ? '<button data-action="remove">Remove</button>' : ""}
      <span class="stats mono" aria-live="polite"></span>
    </div>
    <div class="problems"></div>
    <div class="result" data-series=""></div>`;
  const textarea = element.querySelector("textarea");
  const update = () => { panel.expr = textarea.value; navigate(urlFor(panels), { replace: true }); };
  element.querySelector('[data-action="run"]').addEventListener("click", update);
  element.querySelector('[data-action="format"]').addEventListener("click", async () => {
    try {
      const { data } = await api("/api/v1/format_query", { query: textarea.value });
      textarea.value = data;
    } catch (error) {
      showProblems(element, textarea.value, error);
    }
  });
  for (const tab of element.querySelectorAll("[data-tab]")) {
    tab.addEventListener("click", () => { panel.tab = tab.dataset.tab; panel.expr = textarea.value; navigate(urlFor(panels), { replace: true }); });
  }
  element.querySelector('[data-action="range"]').addEventListener("change", (event) => { panel.range = event.target.value; update(); });
  element.querySelector('[data-action="stacked"]').addEventListener("change", (event) => { panel.stacked = event.target.checked; update(); });
  element.querySelector('[data-action="remove"]')?.addEventListener("click", () => { panels.splice(index, 1); navigate(urlFor(panels)); });
  setUpCompletion(textarea, element.querySelector(".suggestions"), update);
  return element;
}

async function run(element, panel) {
  const result = element.querySelector(".result");
  const stats = element.querySelector(".stats");
  element.querySelector(".problems").innerHTML = "";
  result.innerHTML = '<p class="message">Running…</p>';
  const end = Date.now() / 1000;
  const began = performance.now();
  try {
    if (panel.tab === "table") {
      const response = await query(panel.expr, end);
      const { data } = response;
      const list = data.resultType === "scalar" || data.resultType === "string" ? [{ metric: {}, value: data.result }] : data.result;
      result.dataset.series = String(list.length);
      result.innerHTML = list.length ? `<div class="scroll"><table><thead><tr><th>Series</th><th>Value</th></tr></thead><tbody>${list.map((entry) => `
        <tr><td class="mono">${escapeHTML(legendName("", entry.metric))}</td><td class="mono">${escapeHTML(tableValue(entry))}</td></tr>`).join("")}</tbody></table></div>`
        : '<p class="message">Empty query result</p>';
      stats.textContent = `${list.length} series · ${Math.round(performance.now() - began)} ms`;
      showNotes(element, response);
      return;
    }
    const start = parseTime(panel.range, end);
    const step = stepFor(start, end, element.clientWidth || 900);
    const response = await queryRange(panel.expr, start, end, step);
    const series = response.data.result.map((entry) => ({ name: legendName("", entry.metric), values: entry.values }));
    result.dataset.series = String(series.length);
    result.innerHTML = `<div class="chart" style="height:320px"></div><div class="legend">${legendHTML(series)}</div>`;
    drawChart(result.querySelector(".chart"), series, { stacked: panel.stacked, start, end });
    const samples = response.data.stats?.samples?.totalQueryableSamples;
    stats.textContent = `${series.length} series · ${samples ?? "?"} samples · step ${step}s · ${Math.round(performance.now() - began)} ms`;
    showNotes(element, response);
  } catch (error) {
    result.dataset.series = "0";
    result.innerHTML = "";
    showProblems(element, panel.expr, error);
  }
}

function showNotes(element, { warnings, infos }) {
  element.querySelector(".problems").innerHTML =
    warnings.map((w) => `<p class="warn-text">warning: ${escapeHTML(w)}</p>`).join("") +
    infos.map((i) => `<p class="message">info: ${escapeHTML(i)}</p>`).join("");
}

/// A parse error with its position (`1:5: parse error: ...`) gets the expression with a caret under it.
function showProblems(element, expr, error) {
  const position = /(?:^|: )(\d+):(\d+)(?:-\d+:\d+)?: /.exec(error.message);
  let pointer = "";
  if (position) {
    const line = expr.split("\n")[Number(position[1]) - 1] ?? "";
    pointer = `${line}\n${" ".repeat(Math.max(0, Number(position[2]) - 1))}^`;
  }
  element.querySelector(".problems").innerHTML =
    `<div class="error-text" role="alert" data-error-position="${position ? `${position[1]}:${position[2]}` : ""}">${escapeHTML(error.message)}${pointer ? `\n\n${escapeHTML(pointer)}` : ""}</div>`;
}

// MARK: Completion

/// Offers metric names, label names inside `{`, and label values after `=`, from the API.
function setUpCompletion(textarea, list, submit) {
  let items = [];
  let selected = 0;
  const close = () => { list.hidden = true; items = []; };
  const choose = (index) => {
    const item = items[index];
    if (!item) return;
    const before = textarea.value.slice(0, textarea.selectionStart).replace(/[A-Za-z0-9_:."]*$/, "");
    const after = textarea.value.slice(textarea.selectionStart);
    textarea.value = before + item.insert + after;
    textarea.selectionStart = textarea.selectionEnd = before.length + item.insert.length;
    close();
  };
  const show = () => {
    list.hidden = !items.length;
    list.innerHTML = items.map((item, i) => `<li role="option" aria-selected="${i === selected}" data-i="${i}">${escapeHTML(item.label)}</li>`).join("");
  };
  let latest = 0;
  textarea.addEventListener("input", async () => {
    // Answers may come back out of order (the first one fetches the metric names): keep the newest.
    const asked = ++latest;
    const found = await suggestions(textarea.value.slice(0, textarea.selectionStart)).catch(() => []);
    if (asked !== latest) return;
    items = found;
    selected = 0;
    show();
  });
  textarea.addEventListener("keydown", (event) => {
    if (!list.hidden && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      selected = (selected + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
      show();
      event.preventDefault();
    } else if (!list.hidden && event.key === "Tab") {
      choose(selected);
      event.preventDefault();
    } else if (event.key === "Escape") {
      close();
    } else if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      if (!list.hidden && items.length) choose(selected);
      else submit();
    }
  });
  list.addEventListener("mousedown", (event) => {
    const item = event.target.closest("li");
    if (item) { event.preventDefault(); choose(Number(item.dataset.i)); textarea.focus(); }
  });
  textarea.addEventListener("blur", () => setTimeout(close, 150));
}

async function suggestions(text) {
  const value = /([A-Za-z_][A-Za-z0-9_:]*)\{[^}]*?([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)$/.exec(text);
  if (value) {
    const { data } = await api(`/api/v1/label/${encodeURIComponent(value[2])}/values`, { "match[]": value[1] });
    return data.filter((v) => v.startsWith(value[4])).slice(0, 50).map((v) => ({ label: v, insert: `"${v}"` }));
  }
  const label = /([A-Za-z_][A-Za-z0-9_:]*)\{(?:[^}]*,)?\s*([A-Za-z_][A-Za-z0-9_]*)?$/.exec(text);
  if (label) {
    const { data } = await api("/api/v1/labels", { "match[]": label[1] });
    const prefix = label[2] || "";
    return data.filter((n) => n !== "__name__" && n.startsWith(prefix)).slice(0, 50).map((n) => ({ label: n, insert: n }));
  }
  const word = /([A-Za-z_:][A-Za-z0-9_:]*)$/.exec(text);
  if (!word || word[1].length < 2) return [];
  metricNames ??= (await api("/api/v1/label/__name__/values")).data;
  return metricNames.filter((n) => n.startsWith(word[1]) && n !== word[1]).slice(0, 50).map((n) => ({ label: n, insert: n }));
}

/// A table cell: an instant value, a native histogram, or a range's points (floats and histograms) with their times.
function tableValue(entry) {
  if (entry.value) return entry.value[1];
  if (entry.histogram) return formatHistogram(entry.histogram[1]);
  const points = [...(entry.values || []).map(([t, v]) => [t, v]), ...(entry.histograms || []).map(([t, h]) => [t, formatHistogram(h)])];
  return points.sort((a, b) => a[0] - b[0]).map(([t, v]) => `${v} @${t}`).join("\n");
}
