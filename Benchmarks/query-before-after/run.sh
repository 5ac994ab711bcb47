#!/usr/bin/env bash
# Two metricsd builds (a change's before and after) on the same 24 h bench dataset, each serving its
# own copy of the block `tsq import` wrote, the dashboard queries timed in turn round by round so
# machine noise spreads over both. Prints medians per query and the after ÷ before ratio.
# Usage: Benchmarks/query-before-after/run.sh BEFORE_METRICSD AFTER_METRICSD [rounds] [reps]
# Needs: ../shared/bench/gen/make_dataset.sh run once, and /tmp/obsbench/ours-24h from `tsq import`.
set -euo pipefail
cd "$(dirname "$0")/../.."
before=$1; after=$2; rounds=${3:-3}; reps=${4:-5}
here=$(pwd)
. ../shared/bench/lib/common.sh
[ -d "$WORK/ours-24h" ] || { echo "import first: tsq import $DS/data.om --data-dir $WORK/ours-24h" >&2; exit 1; }
printf 'global:\n  scrape_interval: 15s\nscrape_configs: []\n' >"$WORK/empty-prometheus.yml"
out="$RESULTS/query-before-after"
rm -rf "$out"; mkdir -p "$out"
for r in $(seq 1 "$rounds"); do
  for name in before after; do
    binary=$before; [ "$name" = after ] && binary=$after
    rm -rf "$WORK/ours-$name"; cp -r "$WORK/ours-24h" "$WORK/ours-$name"
    "$binary" --config.file="$WORK/empty-prometheus.yml" --storage.tsdb.path="$WORK/ours-$name" --storage.tsdb.retention.time=100y \
      --web.listen-address=127.0.0.1:19191 --log.level=warn >"$out/$name.log" 2>&1 &
    pid=$!
    wait_http "http://127.0.0.1:19191/-/ready" 120
    sleep 3
    log "round $r: $name"
    python3 ../shared/bench/queries/run_queries.py --url http://127.0.0.1:19191 --name "$name" --meta "$DS/meta.json" \
      --reps "$reps" --warmup 1 --pid "$pid" --out "$out/$name-r$r.json" >"$out/$name-r$r.txt"
    kill "$pid"; wait "$pid" || true
  done
done
python3 - "$out" <<'PY'
import glob, json, os, statistics, sys
runs = {"before": {}, "after": {}}; shape = {"before": {}, "after": {}}; order = []
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*-r*.json"))):
    name = os.path.basename(path).rsplit("-r", 1)[0]
    for q in json.load(open(path))["queries"]:
        if q["name"] not in order: order.append(q["name"])
        runs[name].setdefault(q["name"], []).extend(q["runs_ms"])
        shape[name][q["name"]] = (q.get("series"), q.get("points"))
print("| query | before | after | after ÷ before | same shape |")
print("|---|---:|---:|---:|---|")
for q in order:
    b, a = statistics.median(runs["before"][q]), statistics.median(runs["after"][q])
    print(f"| `{q}` | {b:.1f} | {a:.1f} | {a / b:.2f} | {'yes' if shape['before'][q] == shape['after'][q] else 'NO'} |")
PY
