#!/usr/bin/env python3
"""Writes the rule-evaluation benchmark's inputs: an OpenMetrics backfill of 100 counter families
x 1,000 series (100k series) over the last MINUTES minutes at 15 s, and a rule file of 10 groups x
100 recording rules (1,000 rules) over them, ten query shapes per family.

usage: generate.py OUT_DIR [MINUTES]
"""
import os, sys, time

out = sys.argv[1]
minutes = int(sys.argv[2]) if len(sys.argv) > 2 else 15
os.makedirs(out, exist_ok=True)
families, per_family, step = 100, 1000, 15
end = int(time.time()) // step * step - step
start = end - minutes * 60
codes = ["200", "201", "404", "500", "503"]

with open(os.path.join(out, "data.om"), "w") as f:
    for family in range(families):
        name = f"bench_requests_{family:02d}_total"
        f.write(f"# TYPE bench_requests_{family:02d} counter\n")
        for series in range(per_family):
            labels = f'instance="host-{series % 20:02d}",pod="pod-{series:04d}",code="{codes[series % 5]}"'
            rate = 1 + (series * 7 + family) % 13
            lines = [f"{name}{{{labels}}} {(t - start) // step * rate * step} {t}\n" for t in range(start, end + 1, step)]
            f.write("".join(lines))
    f.write("# EOF\n")

shapes = [
    "sum by (instance) (rate({m}[5m]))",
    "sum by (code) (rate({m}[5m]))",
    "sum(rate({m}[5m]))",
    "max by (instance) ({m})",
    "topk(5, rate({m}[5m]))",
    "avg by (instance) (irate({m}[1m]))",
    "count by (code) ({m} > 100)",
    "sum by (instance, code) (increase({m}[5m]))",
    "quantile(0.9, rate({m}[5m]))",
    "sum without (pod) (rate({m}[5m]))",
]
with open(os.path.join(out, "rules.yml"), "w") as f:
    f.write("groups:\n")
    for group in range(10):
        f.write(f"  - name: bench-{group}\n    rules:\n")
        for family in range(group * 10, group * 10 + 10):
            metric = f"bench_requests_{family:02d}_total"
            for index, shape in enumerate(shapes):
                f.write(f"      - record: bench:{family:02d}:shape{index}\n        expr: '{shape.format(m=metric)}'\n")
print(f"{families * per_family} series, {families * per_family * ((end - start) // step + 1)} samples from {start} to {end}; 1000 rules")
