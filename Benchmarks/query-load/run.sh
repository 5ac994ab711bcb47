#!/usr/bin/env bash
# query_range under ingest: metricsd and Prometheus scrape the same simulated targets (the bench
# harness's simulator), then wrk POSTs a dashboard query_range to each in turn while ingest goes on.
# Usage: Benchmarks/query-load/run.sh [warm-up seconds] [wrk seconds] [rounds]
# Needs: ../shared/bench, Debian's prometheus and wrk, a release build of metricsd.
set -euo pipefail
cd "$(dirname "$0")/../.."
warm=${1:-300}
duration=${2:-20}
rounds=${3:-2}
work=$(mktemp -d /tmp/query-load.XXXX)
metricsd=.build/release/metricsd
[ -x "$metricsd" ] || { echo "build first: swift build -c release --product metricsd" >&2; exit 1; }
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

python3 ../shared/bench/scrape/targets.py --targets 100 --series 1000 --base-port 24000 --max-seconds $((warm + 600)) >"$work/sim.log" 2>&1 &
pids+=($!)
{
  printf 'global:\n  scrape_interval: 5s\n  scrape_timeout: 5s\nscrape_configs:\n  - job_name: sim\n    static_configs:\n      - targets:\n'
  for i in $(seq 0 99); do printf '        - 127.0.0.1:%d\n' $((24000 + i)); done
} >"$work/config.yml"
prometheus --config.file="$work/config.yml" --storage.tsdb.path="$work/prom" --web.listen-address=127.0.0.1:24901 --log.level=warn >"$work/prom.log" 2>&1 &
pids+=($!)
"$metricsd" --config.file="$work/config.yml" --storage.tsdb.path="$work/metricsd" --web.listen-address=127.0.0.1:24902 --log.level=warn >"$work/metricsd.log" 2>&1 &
pids+=($!)
echo "warming up for ${warm}s (both servers scrape 100 targets x 1000 series every 5s)" >&2
sleep "$warm"

now=$(date +%s)
query='sum by (code) (rate(app_http_requests_total[1m]))'
body="query=$(python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1], safe=''))" "$query")&start=$((now - warm + 60))&end=$now&step=15"
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = "$body"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
LUA
for server in prometheus:24901 metricsd:24902; do
  curl -s --data "$body" "http://127.0.0.1:${server#*:}/api/v1/query_range" | head -c 200 >&2; echo >&2
done
echo "query: $query over $((warm - 60))s at 15s step"
for round in $(seq 1 "$rounds"); do
  for server in prometheus:24901 metricsd:24902; do
    name=${server%%:*}
    out=$(wrk -t2 -c8 -d"${duration}s" --latency -s "$work/post.lua" "http://127.0.0.1:${server#*:}/api/v1/query_range")
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    non2xx=$(echo "$out" | awk '/Non-2xx/ {print $4}')
    echo "round $round $name requests/s=$rps p99=$p99 non2xx=${non2xx:-0}"
  done
done
