"""Starts the ToolboxMetrics demo on loopback: PostgreSQL and Redis with their Prometheus exporters,
node-exporter, the ToolboxAI-like API, WebSocket server and agent worker, a load generator with a
fixed incident schedule, metricsd scraping all of it through the platform's relabel rules, and
VictoriaMetrics as the central store metricsd remote-writes to.
Prints the URLs, then runs until Ctrl-C (or --duration), and stops everything in reverse order."""

import argparse
import ctypes
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

import targets

DEMO = Path(__file__).resolve().parent
ROOT = DEMO.parent
PORTS = {"api": 8008, "websocket": 9876, "worker": 8010, "redis": 16379, "redis_exporter": 9121,
         "postgres": 15432, "postgres_exporter": 9187, "node_exporter": 9100, "metricsd": 9090,
         "victoriametrics": 8428}


class DemoError(Exception):
    pass


def die_with_parent():
    """Runs in each child before exec: SIGTERM it if this script dies (killed, say), so no part of the
    demo outlives it. (Set after the child switched user, so PostgreSQL keeps it too.)"""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def port_busy(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def fetch(url: str, timeout: float = 2) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read().decode(errors="replace")
    except OSError:
        return None


class Demo:
    def __init__(self, args):
        self.args = args
        self.run_dir = Path(args.data_dir).resolve()
        self.logs = self.run_dir / "logs"
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.pg_dir: str | None = None

    # Starting

    def start(self, name: str, command: list, *, env=None, user=None, cwd=None) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")
        # Own session: Ctrl-C reaches only this script, which then stops the children in order.
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env={**os.environ, **(env or {})}, cwd=cwd, user=user, start_new_session=True,
                                   preexec_fn=die_with_parent)
        self.processes.append((name, process))
        return process

    def wait_for(self, name: str, check, timeout: float = 60):
        deadline = time.time() + timeout
        process = dict(self.processes).get(name)
        while time.time() < deadline:
            if check():
                return
            if process is not None and process.poll() is not None:
                break
            time.sleep(0.3)
        tail = ""
        log = self.logs / f"{name}.log"
        if log.exists():
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise DemoError(f"{name} did not become ready within {timeout:.0f} s; the end of {log}:\n{tail}")

    def check_ports(self):
        busy = [f"{name} ({port})" for name, port in PORTS.items() if name != "node_exporter" and port_busy(port)]
        if busy:
            raise DemoError("ports already in use on 127.0.0.1: " + ", ".join(busy)
                            + "; stop what listens there (another demo or metricsd?) and start again")

    def start_postgres(self):
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
        if not binaries:
            raise DemoError("PostgreSQL is not installed (scripts/install-demo-deps installs Debian's postgresql)")
        bin_dir = Path(binaries[-1]).parent
        user = None
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root.
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise DemoError("PostgreSQL cannot run as root and this machine has no 'postgres' user: "
                                "create one (useradd --system postgres) or run the demo as an ordinary user")
            user = "postgres"
        self.pg_dir = tempfile.mkdtemp(prefix="toolboxai-demo-pg-")
        os.chmod(self.pg_dir, 0o755)
        if user:
            shutil.chown(self.pg_dir, user, user)
        data = os.path.join(self.pg_dir, "data")
        initdb = subprocess.run([str(bin_dir / "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "--no-instructions"],
                                capture_output=True, text=True, user=user, cwd=self.pg_dir)
        if initdb.returncode != 0:
            raise DemoError(f"PostgreSQL's initdb failed:\n{initdb.stderr.strip() or initdb.stdout.strip()}")
        self.start("postgres", [str(bin_dir / "postgres"), "-D", data, "-p", str(PORTS["postgres"]),
                                "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.pg_dir}",
                                "-c", "fsync=off", "-c", "shared_buffers=32MB"], user=user, cwd=self.pg_dir)
        import psycopg
        admin = f"postgresql://postgres@127.0.0.1:{PORTS['postgres']}/postgres"

        def accepting():
            try:
                with psycopg.connect(admin, connect_timeout=1, autocommit=True) as connection:
                    if not connection.execute("SELECT 1 FROM pg_database WHERE datname = 'toolboxai'").fetchone():
                        connection.execute("CREATE DATABASE toolboxai")
                    return True
            except psycopg.OperationalError:
                return False

        self.wait_for("postgres", accepting, timeout=60)

    def start_exporters(self):
        dsn = self.dsn()
        self.start("postgres-exporter", ["prometheus-postgres-exporter",
                                         f"--web.listen-address=127.0.0.1:{PORTS['postgres_exporter']}"],
                   env={"DATA_SOURCE_NAME": dsn + "?sslmode=disable"})
        self.start("redis-exporter", ["prometheus-redis-exporter", f"-redis.addr=redis://127.0.0.1:{PORTS['redis']}",
                                      f"-web.listen-address=127.0.0.1:{PORTS['redis_exporter']}"])
        if port_busy(PORTS["node_exporter"]):
            if "node_exporter_build_info" not in (fetch(f"http://127.0.0.1:{PORTS['node_exporter']}/metrics") or ""):
                raise DemoError(f"something other than node-exporter listens on 127.0.0.1:{PORTS['node_exporter']}")
            print(f"demo: reusing the node-exporter already on 127.0.0.1:{PORTS['node_exporter']}", flush=True)
        else:
            self.start("node-exporter", ["prometheus-node-exporter", "--no-collector.systemd",
                                         f"--web.listen-address=127.0.0.1:{PORTS['node_exporter']}"])
        for name, port in (("postgres-exporter", "postgres_exporter"), ("redis-exporter", "redis_exporter"),
                           ("node-exporter", "node_exporter")):
            self.wait_for(name, lambda port=port: fetch(f"http://127.0.0.1:{PORTS[port]}/metrics") is not None)

    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{PORTS['postgres']}/toolboxai"

    def start_platform(self):
        env = {"PYTHONPATH": str(DEMO), "TOOLBOXAI_DSN": self.dsn(), "TOOLBOXAI_SEED": str(self.args.seed),
               "TOOLBOXAI_REDIS": f"redis://127.0.0.1:{PORTS['redis']}/0"}
        prepare = subprocess.run([sys.executable, "-c", "import asyncio, os; from toolboxai.database import prepare; "
                                  "asyncio.run(prepare(os.environ['TOOLBOXAI_DSN']))"],
                                 env={**os.environ, **env}, capture_output=True, text=True)
        if prepare.returncode != 0:
            raise DemoError(f"creating the demo's tables failed:\n{prepare.stderr.strip()}")
        uvicorn = [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--log-level", "warning"]
        self.start("api", uvicorn + ["--port", str(PORTS["api"]), "toolboxai.api:app"], env=env)
        self.start("websocket", uvicorn + ["--port", str(PORTS["websocket"]), "toolboxai.websocket:app"], env=env)
        self.start("agent-worker", [sys.executable, "-m", "toolboxai.worker", f"--listen=127.0.0.1:{PORTS['worker']}",
                                    "--redis", env["TOOLBOXAI_REDIS"], "--dsn", self.dsn(),
                                    "--seed", str(self.args.seed)], env=env)
        for name, port in (("api", "api"), ("websocket", "websocket"), ("agent-worker", "worker")):
            self.wait_for(name, lambda port=port: fetch(f"http://127.0.0.1:{PORTS[port]}/metrics") is not None)
        self.start("loadgen", [sys.executable, "-m", "toolboxai.loadgen", "--api", f"http://127.0.0.1:{PORTS['api']}",
                               "--websocket", f"ws://127.0.0.1:{PORTS['websocket']}", "--redis", env["TOOLBOXAI_REDIS"],
                               "--cycle", str(self.args.cycle), "--seed", str(self.args.seed),
                               "--incidents", str(self.run_dir / "incidents.jsonl")], env=env)

    def write_config(self) -> Path:
        config = yaml.safe_load((DEMO / "prometheus.yml").read_text())
        config["global"]["scrape_interval"] = self.args.scrape_interval
        config["global"]["evaluation_interval"] = self.args.scrape_interval
        config["rule_files"] = [str(ROOT / "deploy" / "rules" / "toolboxai.yml")]
        config["scrape_configs"][0]["static_configs"] = [{"targets": [f"127.0.0.1:{PORTS['metricsd']}"]}]
        config["remote_write"][0]["url"] = f"http://127.0.0.1:{PORTS['victoriametrics']}/api/v1/write"
        (self.run_dir / "targets").mkdir(exist_ok=True)
        import json
        (self.run_dir / "targets" / "pods.json").write_text(json.dumps(targets.pods(PORTS), indent=2))
        (self.run_dir / "targets" / "nodes.json").write_text(json.dumps(targets.nodes(), indent=2))
        path = self.run_dir / "prometheus.yml"
        path.write_text("# Written by demo/run.py from demo/prometheus.yml.\n" + yaml.safe_dump(config, sort_keys=False))
        return path

    def start_central_store(self):
        """VictoriaMetrics single-node as the central store metricsd remote-writes to."""
        self.start("victoriametrics", ["victoria-metrics", f"-storageDataPath={self.run_dir / 'victoriametrics'}",
                                       f"-httpListenAddr=127.0.0.1:{PORTS['victoriametrics']}", "-retentionPeriod=1d",
                                       "-loggerLevel=WARN"])
        self.wait_for("victoriametrics", lambda: fetch(f"http://127.0.0.1:{PORTS['victoriametrics']}/health") is not None)

    def start_metricsd(self):
        config = self.write_config()
        self.start("metricsd", [self.args.metricsd, f"--config.file={config}",
                                f"--storage.tsdb.path={self.run_dir / 'metricsd'}",
                                f"--web.listen-address=127.0.0.1:{PORTS['metricsd']}", "--web.enable-lifecycle"])
        self.wait_for("metricsd", lambda: fetch(f"http://127.0.0.1:{PORTS['metricsd']}/-/ready") is not None, timeout=120)

    def run(self):
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(exist_ok=True)
        (self.run_dir / "incidents.jsonl").write_text("")
        if not Path(self.args.metricsd).exists():
            raise DemoError(f"no metricsd binary at {self.args.metricsd} (scripts/demo builds it)")
        self.check_ports()
        self.start_postgres()
        self.start("redis", ["redis-server", "--bind", "127.0.0.1", "--port", str(PORTS["redis"]), "--save", "",
                             "--appendonly", "no"])
        self.wait_for("redis", lambda: port_busy(PORTS["redis"]))
        self.start_exporters()
        self.start_platform()
        self.start_central_store()
        self.start_metricsd()
        m = PORTS["metricsd"]
        print(f"""demo: running (logs in {self.logs})
  metricsd        http://127.0.0.1:{m}/  (API /api/v1/query, targets /api/v1/targets, rules /api/v1/rules)
  API             http://127.0.0.1:{PORTS['api']}/docs   metrics /metrics
  WebSocket       ws://127.0.0.1:{PORTS['websocket']}/ws/chat   metrics http://127.0.0.1:{PORTS['websocket']}/metrics
  agent worker    http://127.0.0.1:{PORTS['worker']}/metrics
  postgres        postgresql://postgres@127.0.0.1:{PORTS['postgres']}/toolboxai   exporter http://127.0.0.1:{PORTS['postgres_exporter']}/metrics
  redis           redis://127.0.0.1:{PORTS['redis']}   exporter http://127.0.0.1:{PORTS['redis_exporter']}/metrics
  node-exporter   http://127.0.0.1:{PORTS['node_exporter']}/metrics
  central store   http://127.0.0.1:{PORTS['victoriametrics']}/vmui/  (VictoriaMetrics; metricsd remote-writes every sample to it)
  incidents every {self.args.cycle:g} s (latency spike, error burst, cache flush, WebSocket reconnect storm): {self.run_dir / 'incidents.jsonl'}
  try: tsq query 'sum by (status) (rate(http_requests_total[1m]))' --start now-15m --chart
Ctrl-C stops all of it.""", flush=True)
        deadline = time.time() + self.args.duration if self.args.duration else None
        while deadline is None or time.time() < deadline:
            for name, process in self.processes:
                if process.poll() is not None:
                    raise DemoError(f"{name} exited with status {process.returncode}; see {self.logs / (name + '.log')}")
            time.sleep(1)

    def stop(self):
        for name, process in reversed(self.processes):
            if process.poll() is None:
                # PostgreSQL's fast shutdown is SIGINT; the others stop on SIGTERM.
                process.send_signal(signal.SIGINT if name == "postgres" else signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    print(f"demo: {name} did not stop within 15 s; killing it", flush=True)
                    process.kill()
                    process.wait()
        if self.pg_dir:
            shutil.rmtree(self.pg_dir, ignore_errors=True)
        print("demo: stopped", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--metricsd", default=str(ROOT / ".build" / "release" / "metricsd"), help="the metricsd binary")
    parser.add_argument("--data-dir", default=str(ROOT / ".demo"), help="metricsd's store, logs and targets (default .demo)")
    parser.add_argument("--scrape-interval", default="15s", help="scrape and rule interval (default 15s, as the platform)")
    parser.add_argument("--cycle", type=float, default=600, help="seconds between repeats of the incident schedule (default 600)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the load generator and services (default 1)")
    parser.add_argument("--duration", type=float, default=0, help="stop after this many seconds (default: run until Ctrl-C)")
    args = parser.parse_args()
    demo = Demo(args)
    stopping = False

    def on_signal(_signum, _frame):
        nonlocal stopping
        if not stopping:
            stopping = True
            raise KeyboardInterrupt

    # A parent may have blocked these (Foundation's Process passes its thread's mask on); the
    # children inherit this process's mask, so unblocking here lets every part stop on a signal.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    status = 0
    try:
        demo.run()
    except KeyboardInterrupt:
        pass
    except DemoError as error:
        print(f"demo: error: {error}", file=sys.stderr, flush=True)
        status = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        demo.stop()
    sys.exit(status)


if __name__ == "__main__":
    main()
