#!/usr/bin/env python3
"""Wall time of one `tsq query` against a local server, process start included, beside
`promtool query instant` against the same server in the same run.

Starts release metricsd (and Debian's Prometheus, when installed) on 127.0.0.1 over the same small
imported dataset, then runs each client ROUNDS times, alternating, and prints medians.

    swift build -c release --product tsq --product metricsd
    Benchmarks/tsq-query/run.py [ROUNDS]
"""
import os, shutil, statistics, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TSQ = os.path.join(ROOT, ".build/release/tsq")
METRICSD = os.path.join(ROOT, ".build/release/metricsd")
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 40
QUERY = 'sum by (code) (rate(http_requests_total[5m]))'


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/-/ready", timeout=1).status == 200:
                return
        except Exception:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not become ready")


def dataset(path, now):
    end = now // 60 * 60
    lines = ["# HELP http_requests Requests.", "# TYPE http_requests counter"]
    for code in ("200", "500"):
        for instance in range(10):
            value = 0
            for t in range(end - 3 * 3600 + 7, end, 15):
                value += 3 if code == "200" else 1
                lines.append(f'http_requests_total{{code="{code}",instance="api-{instance}",job="api"}} {value} {t}')
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n# EOF\n")


def describe(seconds):
    """Median with the range, in ms."""
    return f"{statistics.median(seconds) * 1000:.1f} ms [{min(seconds) * 1000:.1f}–{max(seconds) * 1000:.1f}]"


def timed(command):
    start = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{command[0]} failed: {result.stderr.decode()}")
    return elapsed


def main():
    work = tempfile.mkdtemp(prefix="tsq-bench-")
    servers = []
    try:
        data_file = os.path.join(work, "data.om")
        dataset(data_file, int(time.time()) - 300)
        subprocess.run([TSQ, "import", data_file, "--data-dir", os.path.join(work, "ours")], check=True, stdout=subprocess.DEVNULL)
        config = os.path.join(work, "idle.yml")
        with open(config, "w") as f:
            f.write("global: {scrape_interval: 15s}\n")
        ours = f"http://127.0.0.1:{free_port()}"
        servers.append(subprocess.Popen([METRICSD, "--config.file", config, "--storage.tsdb.path", os.path.join(work, "ours"),
                                         "--web.listen-address", ours[len("http://"):]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_ready(ours)
        targets = [("metricsd", ours)]
        if shutil.which("prometheus") and shutil.which("promtool"):
            subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", data_file, os.path.join(work, "prom")],
                           check=True, stdout=subprocess.DEVNULL)
            prom = f"http://127.0.0.1:{free_port()}"
            servers.append(subprocess.Popen(["prometheus", f"--config.file={config}", f"--storage.tsdb.path={os.path.join(work, 'prom')}",
                                             f"--web.listen-address={prom[len('http://'):]}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            wait_ready(prom)
            targets.append(("prometheus", prom))
        t = str(int(time.time()) - 600)
        print(f"query: {QUERY}   rounds: {ROUNDS}   (wall time per process, median)")
        for name, url in targets:
            clients = {
                "tsq query": [TSQ, "query", QUERY, "--time", t, "-o", "json", "--url", url],
                "promtool query instant": ["promtool", "query", "instant", "-o", "json", "--time", t, url, QUERY],
            }
            times = {client: [] for client in clients}
            for _ in range(3):
                for command in clients.values():
                    timed(command)
            for _ in range(ROUNDS):
                for client, command in clients.items():
                    times[client].append(timed(command))
            tsq_median = statistics.median(times["tsq query"])
            promtool_median = statistics.median(times["promtool query instant"])
            print(f"server {name:10s}  tsq {describe(times['tsq query'])}   promtool {describe(times['promtool query instant'])}   "
                  f"tsq/promtool {tsq_median / promtool_median:.2f}")
        offline = [TSQ, "query", QUERY, "--time", t, "-o", "json", "--data-dir", os.path.join(work, "ours")]
        print(f"tsq --data-dir (read-only, in process)  {describe([timed(offline) for _ in range(ROUNDS)])}")
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=20)
        shutil.rmtree(work, ignore_errors=True)


main()
