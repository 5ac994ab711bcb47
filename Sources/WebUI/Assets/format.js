// Grafana's units for the ones the dashboards use, thresholds and legend formats.

export function formatValue(value, unit = "short", decimals) {
  if (value === null || value === undefined || Number.isNaN(value)) return "No data";
  const fixed = (v, d = 2) => (decimals !== undefined ? v.toFixed(decimals) : trim(v.toFixed(d)));
  switch (unit) {
    case "percentunit": return `${fixed(value * 100, 1)}%`;
    case "percent": return `${fixed(value, 1)}%`;
    case "s": return seconds(value);
    case "ms": return seconds(value / 1000);
    case "bytes": return scaled(value, 1024, ["B", "KiB", "MiB", "GiB", "TiB"]);
    case "reqps": return `${short(value)} req/s`;
    case "ops": return `${short(value)} ops/s`;
    case "cps": return `${short(value)} c/s`;
    default: return short(value);
  }
}

function trim(text) {
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

function short(value) {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${trim((value / 1e9).toFixed(2))} Bil`;
  if (abs >= 1e6) return `${trim((value / 1e6).toFixed(2))} Mil`;
  if (abs >= 1e3) return `${trim((value / 1e3).toFixed(2))} K`;
  if (abs !== 0 && abs < 0.01) return value.toExponential(2);
  return trim(value.toFixed(2));
}

function seconds(value) {
  const abs = Math.abs(value);
  if (abs === 0) return "0 s";
  if (abs < 1e-3) return `${trim((value * 1e6).toFixed(1))} µs`;
  if (abs < 1) return `${trim((value * 1e3).toFixed(1))} ms`;
  if (abs < 60) return `${trim(value.toFixed(2))} s`;
  if (abs < 3600) return `${trim((value / 60).toFixed(1))} min`;
  return `${trim((value / 3600).toFixed(1))} hour`;
}

function scaled(value, base, suffixes) {
  let index = 0;
  while (Math.abs(value) >= base && index < suffixes.length - 1) {
    value /= base;
    index++;
  }
  return `${trim(value.toFixed(1))} ${suffixes[index]}`;
}

const COLORS = { green: "#73bf69", orange: "#ff9830", red: "#f2495c", yellow: "#fade2a", blue: "#5794f2" };

/// The colour of the last threshold step at or below `value`.
export function thresholdColor(value, thresholds) {
  const steps = (thresholds && thresholds.steps) || [];
  let color = steps.length ? steps[0].color : "green";
  for (const step of steps.slice(1)) {
    if (!Number.isNaN(value) && value >= step.value) color = step.color;
  }
  return COLORS[color] || color;
}

/// `{{label}}` replaced by the series' label values; `__auto` or empty gives the label set.
export function legendName(format, metric) {
  if (!format || format === "__auto") {
    const labels = Object.entries(metric).filter(([name]) => name !== "__name__").map(([n, v]) => `${n}="${v}"`);
    return labels.length ? `${metric.__name__ || ""}{${labels.join(", ")}}` : metric.__name__ || "value";
  }
  return format.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, name) => metric[name] ?? "");
}

export const PALETTE = ["#7eb26d", "#eab839", "#6ed0e0", "#ef843c", "#e24d42", "#1f78c1", "#ba43a9", "#705da0", "#508642", "#cca300"];

/// A native histogram from the API (`{count, sum, buckets: [[rule, lower, upper, count], …]}`) as
/// text, as `tsq query` prints it: `{count:4, sum:5, (0.5,1]:2, …}`. The rule says which ends are
/// closed: 0 (lower, upper], 1 [lower, upper), 2 (lower, upper), 3 [lower, upper].
export function formatHistogram(histogram) {
  const parts = [`count:${histogram.count}`, `sum:${histogram.sum}`];
  for (const [rule, lower, upper, count] of histogram.buckets || []) {
    const open = rule === 1 || rule === 3 ? "[" : "(";
    const close = rule === 0 || rule === 3 ? "]" : ")";
    parts.push(`${open}${lower},${upper}${close}:${count}`);
  }
  return `{${parts.join(", ")}}`;
}

export function escapeHTML(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
