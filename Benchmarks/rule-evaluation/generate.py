#!/usr/bin/env python3
"""Writes the rule-evaluation benchmark's rule file: 10 groups x 100 recording rules (1,000 rules),
ten query shapes over each of the 100 counter families exporter.py serves.

usage: generate.py OUT_DIR
"""
import os, sys

shapes = [
    "sum by (host) (rate({m}[5m]))",
    "sum by (code) (rate({m}[5m]))",
    "sum(rate({m}[5m]))",
    "max by (host) ({m})",
    "topk(5, rate({m}[5m]))",
    "avg by (host) (irate({m}[1m]))",
    "count by (code) ({m} > 100)",
    "sum by (host, code) (increase({m}[5m]))",
    "quantile(0.9, rate({m}[5m]))",
    "sum without (pod) (rate({m}[5m]))",
]
os.makedirs(sys.argv[1], exist_ok=True)
with open(os.path.join(sys.argv[1], "rules.yml"), "w") as f:
    f.write("groups:\n")
    for group in range(10):
        f.write(f"  - name: bench-{group}\n    rules:\n")
        for family in range(group * 10, group * 10 + 10):
            metric = f"bench_requests_{family:02d}_total"
            for index, shape in enumerate(shapes):
                f.write(f"      - record: bench:{family:02d}:shape{index}\n        expr: '{shape.format(m=metric)}'\n")
