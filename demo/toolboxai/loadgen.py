"""The demo's load generator: steady traffic to the API, WebSocket clients and agent tasks, and a
fixed schedule of incidents repeated every cycle. Random choices come from one seed, and the
incident times are fractions of the cycle, so a run is repeatable:

    0.20-0.30  latency spike      every PostgreSQL query sleeps 0.4 s first
    0.40-0.48  error burst        35 % of API requests run a query PostgreSQL refuses; agents fail 30 %
    0.60       cache flush        FLUSHDB of the cache database
    0.75-0.82  reconnect storm    every WebSocket client drops and reconnects, over and over

Each incident's start and end is printed as one JSON line (and appended to --incidents)."""

import argparse
import asyncio
import json
import random
import time

import httpx
import redis.asyncio as redis
import websockets

from .database import CATEGORIES
from .faults import set_faults

AGENTS = ("researcher", "coder", "planner")
TASK_TYPES = ("search", "summarize", "code_review", "plan")
CHANNELS = ("chat", "agent_events", "notifications")
SEARCH_WORDS = ("math", "science", "number", "tool", "art", "history", "quantum", "poem")


class Schedule:
    INCIDENTS = (("latency_spike", 0.20, 0.30), ("error_burst", 0.40, 0.48), ("cache_flush", 0.60, 0.60),
                 ("reconnect_storm", 0.75, 0.82))

    def __init__(self, cycle: float, start: float):
        self.cycle = cycle
        self.start = start

    def phase(self, now: float) -> float:
        return ((now - self.start) % self.cycle) / self.cycle

    def active(self, now: float) -> set:
        phase = self.phase(now)
        return {name for name, begin, end in self.INCIDENTS if begin <= phase < end}


class Generator:
    def __init__(self, args):
        self.args = args
        self.chance = random.Random(args.seed)
        self.schedule = Schedule(args.cycle, time.time())
        self.storm = False
        self.stopping = False
        self.incidents = open(args.incidents, "a") if args.incidents else None

    def record(self, incident: str, event: str):
        line = json.dumps({"incident": incident, "event": event, "time": round(time.time(), 3)})
        print(line, flush=True)
        if self.incidents:
            self.incidents.write(line + "\n")
            self.incidents.flush()

    async def incidents_loop(self):
        active: set = set()
        flushed_in_cycle = -1
        cache = redis.from_url(self.args.redis)
        while not self.stopping:
            now = time.time()
            current = self.schedule.active(now)
            cycle = int((now - self.schedule.start) // self.schedule.cycle)
            phase = self.schedule.phase(now)
            if phase >= 0.60 and flushed_in_cycle != cycle:
                flushed_in_cycle = cycle
                await cache.flushdb()
                self.record("cache_flush", "start")
                self.record("cache_flush", "end")
            for name in sorted(current - active):
                self.record(name, "start")
            for name in sorted(active - current):
                self.record(name, "end")
            active = current
            await set_faults(self.args.redis,
                             db_delay_seconds=0.4 if "latency_spike" in current else 0,
                             error_ratio=0.35 if "error_burst" in current else 0,
                             agent_error_ratio=0.3 if "error_burst" in current else 0)
            self.storm = "reconnect_storm" in current
            await asyncio.sleep(0.5)

    async def request(self, client: httpx.AsyncClient):
        roll = self.chance.random()
        try:
            if roll < 0.40:
                await client.get("/api/tools", params={"category": self.chance.choice(CATEGORIES)})
            elif roll < 0.65:
                await client.get(f"/api/tools/{self.chance.randint(1, 640)}")  # ids past 600 are 404s
            elif roll < 0.80:
                await client.get("/api/search", params={"q": self.chance.choice(SEARCH_WORDS)})
            elif roll < 0.88:
                await client.post("/api/sessions", params={"user": f"user-{self.chance.randint(1, 50)}"})
            elif roll < 0.99:
                await client.post("/api/agents/tasks", params={"agent": self.chance.choice(AGENTS),
                                                              "task_type": self.chance.choice(TASK_TYPES)})
            else:
                await client.get("/api/tools", params={"category": "astrology"})  # a 400
        except httpx.HTTPError:
            pass  # the API restarting or overloaded; the next request tries again

    async def http_loop(self):
        limit = asyncio.Semaphore(32)
        async with httpx.AsyncClient(base_url=self.args.api, timeout=10) as client:
            async def one():
                async with limit:
                    await self.request(client)

            pending = set()
            while not self.stopping:
                task = asyncio.create_task(one())
                pending.add(task)
                task.add_done_callback(pending.discard)
                await asyncio.sleep(self.chance.expovariate(self.args.rate))

    async def websocket_client(self, number: int):
        channel = CHANNELS[number % len(CHANNELS)]
        url = f"{self.args.websocket}/ws/{channel}"
        while not self.stopping:
            try:
                async with websockets.connect(url, open_timeout=5) as socket:
                    lifetime = 0.3 + self.chance.random() if self.storm else 60 + self.chance.random() * 60
                    deadline = time.time() + lifetime
                    while not self.stopping and time.time() < deadline and (self.storm or lifetime > 2):
                        await socket.send(json.dumps({"client": number, "text": "x" * self.chance.randint(10, 400)}))
                        try:
                            await asyncio.wait_for(socket.recv(), timeout=2)
                        except asyncio.TimeoutError:
                            pass
                        await asyncio.sleep(min(self.chance.uniform(1, 3), max(0.0, deadline - time.time())))
                        if self.storm and lifetime > 2:
                            break  # a storm started: this long-lived connection drops now
                    if self.storm and self.chance.random() < 0.5:
                        socket.transport.abort()  # dropped without a close frame: the server sees 1006
            except (OSError, websockets.WebSocketException, asyncio.TimeoutError):
                await asyncio.sleep(1)

    async def run(self):
        tasks = [asyncio.create_task(self.incidents_loop()), asyncio.create_task(self.http_loop())]
        tasks += [asyncio.create_task(self.websocket_client(n)) for n in range(self.args.websocket_clients)]
        try:
            await asyncio.gather(*tasks)
        finally:
            self.stopping = True
            await set_faults(self.args.redis, db_delay_seconds=0, error_ratio=0, agent_error_ratio=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api", default="http://127.0.0.1:8008")
    parser.add_argument("--websocket", default="ws://127.0.0.1:9876")
    parser.add_argument("--redis", required=True)
    parser.add_argument("--rate", type=float, default=15, help="API requests per second (default 15)")
    parser.add_argument("--websocket-clients", type=int, default=24)
    parser.add_argument("--cycle", type=float, default=600, help="seconds per incident cycle (default 600)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--incidents", help="a file to append incident events to")
    args = parser.parse_args()
    try:
        asyncio.run(Generator(args).run())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
