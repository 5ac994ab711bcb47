// Grafana's time ranges: `now`, `now-6h`, `now-7d/d` is not supported; absolute times are epoch
// milliseconds (as Grafana writes them in URLs) or ISO dates.

const UNITS = { s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

/// Seconds since the epoch for a Grafana time expression, or NaN.
export function parseTime(text, now = Date.now() / 1000) {
  if (text === undefined || text === null || text === "") return NaN;
  const value = String(text).trim();
  if (value === "now") return now;
  const relative = /^now-(\d+)([smhdwy])$/.exec(value);
  if (relative) return now - Number(relative[1]) * UNITS[relative[2]];
  if (/^\d{10,}$/.test(value)) return Number(value) / 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? NaN : date / 1000;
}

export const RANGES = ["now-5m", "now-15m", "now-30m", "now-1h", "now-3h", "now-6h", "now-12h", "now-24h", "now-2d", "now-7d"];

/// A step that gives about one point per two pixels, at least `minimum` seconds, rounded to whole seconds.
export function stepFor(start, end, width, minimum = 1) {
  return Math.max(minimum, Math.ceil((end - start) / Math.max(50, width / 2)));
}

/// Seconds as a Prometheus duration (`90s`, `5m`, `2h`), for `$__interval` and `$__range`.
export function duration(seconds) {
  const whole = Math.max(1, Math.round(seconds));
  if (whole % 3600 === 0) return `${whole / 3600}h`;
  if (whole % 60 === 0) return `${whole / 60}m`;
  return `${whole}s`;
}
