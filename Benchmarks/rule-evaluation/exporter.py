#!/usr/bin/env python3
"""Serves 100 counter families x 1,000 series (100k series) in Prometheus text on 127.0.0.1:PORT,
every counter growing at its own steady rate, for the rule-evaluation benchmark.

usage: exporter.py PORT
"""
import http.server, sys, time

families, per_family = 100, 1000
codes = ["200", "201", "404", "500", "503"]
start = time.time()
series = []
for family in range(families):
    for index in range(per_family):
        labels = f'host="host-{index % 20:02d}",pod="pod-{index:04d}",code="{codes[index % 5]}"'
        series.append((f"bench_requests_{family:02d}_total{{{labels}}} ", 1 + (index * 7 + family) % 13))

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        elapsed = int(time.time() - start)
        body = "".join(f"{name}{elapsed * rate}\n" for name, rate in series).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
