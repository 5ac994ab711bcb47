// Requests to metricsd's Prometheus API. Every function resolves to the response's `data`, or
// throws an Error whose message is the API's `error` (with `errorType`).

export async function api(path, params = {}, { method = "GET", signal } = {}) {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const item of Array.isArray(value) ? value : [value]) body.append(key, String(item));
  }
  const url = method === "GET" && [...body].length ? `${path}?${body}` : path;
  const response = await fetch(url, method === "POST" ? { method, body, signal } : { signal });
  let json;
  try {
    json = await response.json();
  } catch {
    throw new Error(`${path}: HTTP ${response.status}`);
  }
  if (json.status !== "success") {
    const error = new Error(json.error || `HTTP ${response.status}`);
    error.type = json.errorType;
    throw error;
  }
  return { data: json.data, warnings: json.warnings || [], infos: json.infos || [] };
}

export const query = (expr, time, options) => api("/api/v1/query", { query: expr, time }, { method: "POST", ...options });

export const queryRange = (expr, start, end, step, options) =>
  api("/api/v1/query_range", { query: expr, start, end, step, stats: "all" }, { method: "POST", ...options });

/// `label_values(metric{...}, label)` and `label_values(label)`, as Grafana's Prometheus source resolves them.
export async function labelValues(definition, start, end) {
  const match = /^\s*label_values\(\s*(?:(.+?)\s*,\s*)?([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$/.exec(definition);
  if (!match) return null;
  const [, selector, label] = match;
  const params = { start, end };
  if (selector) params["match[]"] = selector;
  return (await api(`/api/v1/label/${encodeURIComponent(label)}/values`, params)).data;
}

/// Grafana's `query_result(expr)` and other variable queries: the values of the series' labels text.
export async function queryValues(definition, end) {
  const match = /^\s*query_result\((.*)\)\s*$/s.exec(definition);
  const expr = match ? match[1] : definition;
  const { data } = await query(expr, end);
  return (data.result || []).map((series) => {
    const labels = Object.entries(series.metric).filter(([name]) => name !== "__name__").map(([n, v]) => `${n}="${v}"`).join(", ");
    return `${series.metric.__name__ || ""}{${labels}} ${series.value ? series.value[1] : ""}`;
  });
}
