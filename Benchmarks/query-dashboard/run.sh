#!/usr/bin/env bash
# The bench harness's dashboard queries against Prometheus, VictoriaMetrics and metricsd, all three
# serving the same 24 h dataset at once and timed in turn round by round (machine noise spreads
# over all of them). Medians per server and query: python3 Benchmarks/query-dashboard/summary.py DIR
# Usage: Benchmarks/query-dashboard/run.sh [rounds] [reps]
# Needs: ../shared/bench with its data loaded (storage/load_prometheus.sh, storage/load_vm.sh),
# /tmp/obsbench/ours-24h from `tsq import` (docs/benchmarks.md), a release build of metricsd.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
reps=${2:-5}
here=$(pwd)
. ../shared/bench/lib/common.sh
ours_data=${OURS_DATA:-$WORK/ours-24h}
ours_port=19191
out="$RESULTS/query-dashboard"
mkdir -p "$out"
metricsd="$here/.build/release/metricsd"
[ -x "$metricsd" ] || { echo "build first: swift build -c release --product metricsd" >&2; exit 1; }
[ -d "$ours_data" ] || { echo "import first: tsq import $DS/data.om --data-dir $ours_data" >&2; exit 1; }
printf 'global:\n  scrape_interval: 15s\nscrape_configs: []\n' >"$WORK/empty-prometheus.yml"

start_prometheus "$WORK/prom-compacted" "$WORK/empty-prometheus.yml"
start_vm "$WORK/vm-data"
"$metricsd" --config.file="$WORK/empty-prometheus.yml" --storage.tsdb.path="$ours_data" --storage.tsdb.retention.time=100y \
  --web.listen-address="127.0.0.1:$ours_port" --log.level=warn >"$out/metricsd.log" 2>&1 &
OURS_PID=$!
trap 'stop_pid "$PROM_PID"; stop_pid "$VM_PID"; stop_pid "$OURS_PID"' EXIT
wait_http "http://127.0.0.1:$ours_port/-/ready" 120
sleep 5
for r in $(seq 1 "$rounds"); do
  for server in "prometheus $PROM_PORT $PROM_PID" "victoriametrics $VM_PORT $VM_PID" "toolboxmetrics $ours_port $OURS_PID"; do
    set -- $server
    log "round $r: $1"
    python3 ../shared/bench/queries/run_queries.py --url "http://127.0.0.1:$2" --name "$1" \
      --meta "$DS/meta.json" --reps "$reps" --warmup 1 --pid "$3" --out "$out/$1-r$r.json" >"$out/$1-r$r.txt"
  done
done
python3 "$here/Benchmarks/query-dashboard/summary.py" "$out"
