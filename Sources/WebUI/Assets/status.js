// Status: build information, runtime, the store, WAL replay, flags and the configuration (secrets
// redacted by the server).
import { api } from "./api.js";
import { escapeHTML } from "./format.js";

const table = (rows) => `<table><tbody>${rows.map(([k, v]) => `<tr><th>${escapeHTML(k)}</th><td class="mono">${escapeHTML(v)}</td></tr>`).join("")}</tbody></table>`;

export async function render(main) {
  main.innerHTML = "<h1>Status</h1><div id=\"content\"></div>";
  const [build, runtime, tsdb, wal, flags, config] = await Promise.all([
    api("/api/v1/status/buildinfo"), api("/api/v1/status/runtimeinfo"), api("/api/v1/status/tsdb"),
    api("/api/v1/status/walreplay"), api("/api/v1/status/flags"), api("/api/v1/status/config"),
  ]);
  const head = tsdb.data.headStats;
  const time = (ms) => (Math.abs(ms) > 9e15 ? "—" : new Date(ms).toISOString());
  main.querySelector("#content").innerHTML = `
    <h2>Build</h2>${table([["metricsd", build.data.revision], ["Prometheus API version", build.data.version], ["Runtime", build.data.goVersion]])}
    <h2>Runtime</h2>${table([["Started", runtime.data.startTime], ["Working directory", runtime.data.CWD], ["Hostname", runtime.data.hostname],
      ["Last reload", `${runtime.data.reloadConfigSuccess ? "succeeded" : "FAILED"} at ${runtime.data.lastConfigTime}`],
      ["Threads", runtime.data.goroutineCount], ["CPUs", runtime.data.GOMAXPROCS], ["WAL corruptions", runtime.data.corruptionCount],
      ["Retention", runtime.data.storageRetention]])}
    <h2>Store (head)</h2>${table([["Series", head.numSeries], ["Chunks", head.chunkCount], ["Label pairs", head.numLabelPairs],
      ["From", time(head.minTime)], ["To", time(head.maxTime)]])}
    <h2>WAL replay</h2>${table([["Segments replayed", `${wal.data.current - wal.data.min + 1} (${wal.data.min} to ${wal.data.max})`]])}
    <h2>Flags</h2>${table(Object.entries(flags.data).sort())}
    <h2>Configuration</h2><pre class="mono panel">${escapeHTML(config.data.yaml)}</pre>`;
}
