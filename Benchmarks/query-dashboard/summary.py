#!/usr/bin/env python3
"""Median per server and query over every round's runs in DIR (the JSON files run.sh writes), as a
Markdown table with ToolboxMetrics' ratios to Prometheus and VictoriaMetrics, and a check that the
three servers returned the same number of series and points for each query.

usage: summary.py DIR
"""
import glob
import json
import os
import statistics
import sys

servers = ["prometheus", "victoriametrics", "toolboxmetrics"]
runs = {s: {} for s in servers}
shape = {s: {} for s in servers}
order = []
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*-r*.json"))):
    name = os.path.basename(path).rsplit("-r", 1)[0]
    if name not in runs:
        continue
    for q in json.load(open(path))["queries"]:
        if q["name"] not in order:
            order.append(q["name"])
        runs[name].setdefault(q["name"], []).extend(q["runs_ms"])
        shape[name][q["name"]] = (q.get("series"), q.get("points"))

print("| query | Prometheus | VictoriaMetrics | **ToolboxMetrics** | ours ÷ Prometheus | ours ÷ VictoriaMetrics | same shape |")
print("|---|---:|---:|---:|---:|---:|---|")
for query in order:
    med = {s: statistics.median(runs[s][query]) for s in servers if runs[s].get(query)}
    if len(med) < 3:
        continue
    same = len({shape[s][query] for s in servers}) == 1
    print(f"| `{query}` | {med['prometheus']:.1f} | {med['victoriametrics']:.1f} | **{med['toolboxmetrics']:.1f}** | "
          f"{med['toolboxmetrics'] / med['prometheus']:.2f} | {med['toolboxmetrics'] / med['victoriametrics']:.2f} | {'yes' if same else 'NO'} |")
