#!/usr/bin/env bash
# Rule evaluation cost: 1,000 recording rules (10 groups of 100) over 100k scraped series, metricsd
# (release) against Prometheus 2.42, one after the other on the same machine. Each server scrapes
# the same exporter (exporter.py: 100k counters) every 15 s for 6 minutes, so every 5m window is
# full, evaluates the rule file every 30 s throughout, and then reports
# prometheus_rule_group_last_duration_seconds per group after each of ROUNDS further rounds.
# Prints per-group medians, the ratio, and each server's peak RSS.
# Usage: Benchmarks/rule-evaluation/run.sh [ROUNDS]    (default 8; about 10 minutes per server)
# Needs: swift build -c release --product metricsd; prometheus (Debian).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-8}
work=${WORK:-/tmp/rule-bench}
rm -rf "$work"; mkdir -p "$work"
python3 Benchmarks/rule-evaluation/generate.py "$work"
python3 Benchmarks/rule-evaluation/exporter.py 19290 &
exporter=$!
trap 'kill $exporter 2>/dev/null || true' EXIT
printf 'global:\n  scrape_interval: 15s\n  scrape_timeout: 14s\n  evaluation_interval: 30s\nrule_files: [rules.yml]\nscrape_configs:\n  - job_name: bench\n    static_configs: [{targets: ["127.0.0.1:19290"]}]\n' >"$work/prometheus.yml"

sample() {  # sample NAME PORT: the per-group last durations, one line per group
  curl -s "http://127.0.0.1:$2/metrics" | awk -v n="$1" '/^prometheus_rule_group_last_duration_seconds\{/ { split($0, a, "bench-"); split(a[2], g, "\""); print n, g[1], $2 }'
}

run() {  # run NAME PORT COMMAND...
  local name=$1 port=$2; shift 2
  "$@" >"$work/$name.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null && break; sleep 0.5; done
  sleep 360  # six minutes of scrapes: the 5m windows are full from here on
  for _ in $(seq 1 "$rounds"); do
    sleep 30
    sample "$name" "$port" >>"$work/durations.txt"
  done
  curl -s "http://127.0.0.1:$port/api/v1/query?query=count(bench:00:shape0)" >"$work/$name-check.json"
  grep -E '^(VmHWM)' "/proc/$pid/status" | sed "s/^/$name /" >>"$work/rss.txt"
  kill "$pid"; wait "$pid" || true
}

: >"$work/durations.txt"; : >"$work/rss.txt"
run metricsd 19291 .build/release/metricsd --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/ours" \
  --web.listen-address=127.0.0.1:19291 --log.level=warn
run prometheus 19292 prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/theirs" \
  --web.listen-address=127.0.0.1:19292
python3 - "$work" <<'PY'
import os, statistics, sys
work = sys.argv[1]
by = {}
for name, group, value in (line.split() for line in open(os.path.join(work, "durations.txt"))):
    by.setdefault(name, {}).setdefault(group, []).append(float(value) * 1000)
print("| group (100 rules) | metricsd ms | Prometheus 2.42 ms | metricsd ÷ Prometheus |")
print("|---|---:|---:|---:|")
sums = {"metricsd": 0.0, "prometheus": 0.0}
for group in sorted(by.get("metricsd", {}), key=int):
    ours = statistics.median(by["metricsd"][group]); theirs = statistics.median(by["prometheus"][group])
    sums["metricsd"] += ours; sums["prometheus"] += theirs
    print(f"| bench-{group} | {ours:.0f} | {theirs:.0f} | {ours / theirs:.2f} |")
print(f"| all 10 groups (sum of medians) | {sums['metricsd']:.0f} | {sums['prometheus']:.0f} | {sums['metricsd'] / sums['prometheus']:.2f} |")
print("rounds per group:", {n: len(next(iter(g.values()))) for n, g in by.items()})
print(open(os.path.join(work, "rss.txt")).read().strip())
for name in ("metricsd", "prometheus"):
    print(name, "count(bench:00:shape0):", open(os.path.join(work, f"{name}-check.json")).read().strip())
PY
