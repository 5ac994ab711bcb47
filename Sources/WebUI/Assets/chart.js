// Time series charts on Debian's dygraphs (loaded by index.html as window.Dygraph).
import { PALETTE, escapeHTML, formatValue } from "./format.js";

export const chartsAvailable = () => typeof window.Dygraph === "function";

/// Merges series `[{name, values: [[t, "v"], ...]}]` into dygraph rows `[Date, v1, v2, ...]`.
export function rows(series) {
  const times = new Map();
  series.forEach((entry, column) => {
    for (const [time, value] of entry.values) {
      let row = times.get(time);
      if (!row) {
        row = new Array(series.length).fill(null);
        times.set(time, row);
      }
      const number = Number(value);
      row[column] = Number.isFinite(number) ? number : null;
    }
  });
  return [...times.keys()].sort((a, b) => a - b).map((time) => [new Date(time * 1000), ...times.get(time)]);
}

/// Draws `series` into `element`; `onZoom(startSeconds, endSeconds)` is called after a drag-zoom.
export function drawChart(element, series, { unit = "short", stacked = false, start, end, onZoom } = {}) {
  if (!chartsAvailable()) {
    element.innerHTML = '<p class="message">Charts need Debian\'s libjs-dygraphs (apt install libjs-dygraphs).</p>';
    return null;
  }
  const data = rows(series);
  if (!data.length) {
    element.innerHTML = '<p class="message">No data</p>';
    return null;
  }
  const scale = unit === "percentunit" ? 100 : 1;
  const scaled = scale === 1 ? data : data.map(([time, ...values]) => [time, ...values.map((v) => (v === null ? null : v * scale))]);
  const format = (value) => formatValue(value / scale, unit);
  return new window.Dygraph(element, scaled, {
    labels: ["time", ...series.map((entry) => entry.name)],
    colors: series.map((_, index) => PALETTE[index % PALETTE.length]),
    stackedGraph: stacked,
    stackedGraphNaNFill: "none",
    fillGraph: stacked,
    fillAlpha: 0.15,
    strokeWidth: 1.3,
    connectSeparatedPoints: false,
    dateWindow: start !== undefined ? [start * 1000, end * 1000] : undefined,
    legend: "follow",
    labelsSeparateLines: true,
    labelsKMB: false,
    axes: {
      y: { axisLabelFormatter: format, valueFormatter: format, axisLabelWidth: 64 },
      x: { axisLabelFontSize: 11 },
    },
    axisLabelFontSize: 11,
    gridLineColor: "rgba(128,128,128,0.2)",
    zoomCallback: (minDate, maxDate) => {
      if (onZoom) onZoom(minDate / 1000, maxDate / 1000);
    },
  });
}

/// A legend under a chart: one coloured entry per series.
export function legendHTML(series, limit = 30) {
  const entries = series.slice(0, limit).map((entry, index) =>
    `<span><i class="swatch" style="background:${PALETTE[index % PALETTE.length]}"></i>${escapeHTML(entry.name)}</span>`);
  if (series.length > limit) entries.push(`<span>… ${series.length - limit} more</span>`);
  return entries.join("");
}
