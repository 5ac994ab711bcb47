#!/usr/bin/env bash
# Rule evaluation cost: 1,000 recording rules (10 groups of 100) over 100k series, metricsd (release)
# against Prometheus 2.42, one after the other on the same machine and data. Each server loads the
# same backfilled blocks, evaluates the same rule file every 30 s for ROUNDS rounds, and reports
# prometheus_rule_group_last_duration_seconds per group after each round; the medians are printed.
# Usage: Benchmarks/rule-evaluation/run.sh [ROUNDS]        (default 8 rounds, ~4 min per server)
# Needs: swift build -c release --product metricsd --product tsq; promtool and prometheus (Debian).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-8}
work=${WORK:-/tmp/rule-bench}
bin=.build/release
rm -rf "$work"; mkdir -p "$work"
python3 Benchmarks/rule-evaluation/generate.py "$work"
"$bin/tsq" import "$work/data.om" --data-dir "$work/ours" >/dev/null
promtool tsdb create-blocks-from openmetrics "$work/data.om" "$work/theirs" >/dev/null
printf 'global:\n  scrape_interval: 1h\n  evaluation_interval: 30s\nrule_files: [rules.yml]\nscrape_configs: []\n' >"$work/prometheus.yml"

sample() {  # sample NAME PORT: the per-group last durations, one line per group
  curl -s "http://127.0.0.1:$2/metrics" | awk -v n="$1" '/^prometheus_rule_group_last_duration_seconds\{/ { split($0, a, "bench-"); split(a[2], g, "\""); print n, g[1], $2 }'
}

run() {  # run NAME PORT COMMAND...
  local name=$1 port=$2; shift 2
  "$@" >"$work/$name.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null && break; sleep 0.5; done
  sleep 35  # the first round, whose caches are cold, is not counted
  for r in $(seq 1 "$rounds"); do
    sleep 30
    sample "$name" "$port" >>"$work/durations.txt"
  done
  grep -E '^(VmHWM)' "/proc/$pid/status" | sed "s/^/$name /" >>"$work/rss.txt"
  kill "$pid"; wait "$pid" || true
}

: >"$work/durations.txt"; : >"$work/rss.txt"
run metricsd 19291 "$bin/metricsd" --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/ours" \
  --storage.tsdb.retention.time=100y --web.listen-address=127.0.0.1:19291 --log.level=warn
run prometheus 19292 prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/theirs" \
  --storage.tsdb.retention.time=100y --web.listen-address=127.0.0.1:19292
python3 - "$work/durations.txt" "$work/rss.txt" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
by = {}
for name, group, value in rows:
    by.setdefault(name, {}).setdefault(group, []).append(float(value) * 1000)
print("| group (100 rules) | metricsd ms | Prometheus 2.42 ms | metricsd ÷ Prometheus |")
print("|---|---:|---:|---:|")
totals = {"metricsd": [], "prometheus": []}
for group in sorted(by.get("metricsd", {}), key=int):
    ours = statistics.median(by["metricsd"][group]); theirs = statistics.median(by.get("prometheus", {}).get(group, [float("nan")]))
    totals["metricsd"].append(ours); totals["prometheus"].append(theirs)
    print(f"| bench-{group} | {ours:.1f} | {theirs:.1f} | {ours / theirs:.2f} |")
ours, theirs = sum(totals["metricsd"]), sum(totals["prometheus"])
print(f"| all 1,000 rules | {ours:.1f} | {theirs:.1f} | {ours / theirs:.2f} |")
print("samples per group:", {n: len(next(iter(g.values()))) for n, g in by.items()})
print(open(sys.argv[2]).read().strip())
PY
