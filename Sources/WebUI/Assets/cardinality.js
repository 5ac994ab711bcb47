// Cardinality: which metrics, labels and jobs hold the series, from /api/v1/status/tsdb, narrowed
// by a selector (match[]) and, for block data, a day (date=YYYY-MM-DD).
import { api } from "./api.js";
import { navigate } from "./app.js";
import { escapeHTML } from "./format.js";

export async function render(main, url) {
  const match = url.searchParams.get("match") || "";
  const date = url.searchParams.get("date") || "";
  const limit = url.searchParams.get("limit") || "10";
  main.innerHTML = `<h1>Cardinality</h1>
    <form class="toolbar" id="filters">
      <label>Series selector <input id="match" size="40" class="mono" value="${escapeHTML(match)}" placeholder='{job="api"} or a metric name'></label>
      <label>Day <input id="date" type="date" value="${escapeHTML(date)}" title="Empty: the head (recent data)"></label>
      <label>Top <select id="limit">${["10", "20", "50", "100"].map((n) => `<option${n === limit ? " selected" : ""}>${n}</option>`).join("")}</select></label>
      <button class="primary">Show</button>
    </form>
    <div id="summary" class="message"></div><div id="tables" class="cards"></div>`;
  main.querySelector("#filters").addEventListener("submit", (event) => {
    event.preventDefault();
    navigate(link({ match: main.querySelector("#match").value, date: main.querySelector("#date").value, limit: main.querySelector("#limit").value }));
  });
  const params = { limit, focusLabel: "job" };
  if (match) params["match[]"] = match;
  if (date) params.date = date;
  let data;
  try {
    ({ data } = await api("/api/v1/status/tsdb", params));
  } catch (error) {
    main.querySelector("#summary").innerHTML = `<span class="error-text">${escapeHTML(error.message)}</span>`;
    return;
  }
  main.querySelector("#summary").textContent =
    `${data.totalSeries} series, ${data.totalLabelValuePairs} label-value pairs${date ? ` with samples on ${date}` : " in the head"}${match ? ` matching ${match}` : ""}.`;
  const tables = [
    ["Series by metric", data.seriesCountByMetricName, "metric", (name) => link({ match: name, date, limit })],
    ["Series by job", data.seriesCountByFocusLabelValue || [], "job", (name) => link({ match: `{job="${name}"}`, date, limit })],
    ["Series by label name", data.seriesCountByLabelName || [], "label", null],
    ["Distinct values by label name", data.labelValueCountByLabelName, "label", null],
    ["Series by label-value pair", data.seriesCountByLabelValuePair, "pair", (name) => {
      const at = name.indexOf("=");
      return link({ match: `{${name.slice(0, at)}="${name.slice(at + 1)}"}`, date, limit });
    }],
  ];
  main.querySelector("#tables").innerHTML = tables.map(([title, rows, kind, drill]) => `
    <section class="panel" data-table="${escapeHTML(kind)}"><h3>${escapeHTML(title)}</h3>
      <table><thead><tr><th>${escapeHTML(kind)}</th><th>count</th><th>share</th></tr></thead><tbody>
      ${rows.map((row) => `<tr><td class="mono">${drill ? `<a href="${escapeHTML(drill(row.name))}">${escapeHTML(row.name || "(empty)")}</a>` : escapeHTML(row.name)}</td>
        <td>${row.value}</td><td>${data.totalSeries ? ((row.value / data.totalSeries) * 100).toFixed(1) : 0}%</td></tr>`).join("") || '<tr><td colspan="3">none</td></tr>'}
      </tbody></table></section>`).join("");
}

function link({ match, date, limit }) {
  const params = new URLSearchParams();
  if (match) params.set("match", match);
  if (date) params.set("date", date);
  if (limit && limit !== "10") params.set("limit", limit);
  return `/cardinality${params.size ? `?${params}` : ""}`;
}
