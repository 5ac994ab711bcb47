"""An agent worker: takes tasks from the Redis list the API fills, "processes" them (a model call is
stood in for by a seeded, task-dependent wait), stores the result in PostgreSQL and exports task
durations by agent and task type, tasks by outcome and the queue's depth (docs/metrics.md)."""

import argparse
import asyncio
import json
import logging
import random
import time

import redis.asyncio as redis
from prometheus_client import Counter, Gauge, Histogram, start_http_server

from .database import Database
from .errors import APP_EXCEPTIONS
from .faults import Faults

PROCESSING = Histogram(
    "agent_processing_seconds",
    "Time an agent spent on one task, by agent and task type.",
    ["agent", "task_type"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
TASKS = Counter("agent_tasks_total", "Agent tasks finished, by agent, task type and outcome (success or error).",
                ["agent", "task_type", "outcome"])
QUEUE_DEPTH = Gauge("agent_queue_depth", "Tasks waiting in the queue.", ["queue"])
BUSY = Gauge("agent_workers_busy", "Worker slots processing a task.")

TASK_QUEUE = "agent:tasks"
# Median seconds per task type; each task takes a log-normal multiple of it.
MEDIAN_SECONDS = {"search": 0.15, "summarize": 0.6, "code_review": 1.2, "plan": 2.0}


class AgentFailure(Exception):
    """The stand-in model call failed (a refused tool call, say)."""


async def process(task: dict, chance: random.Random, faults: Faults, database: Database):
    agent, task_type = task["agent"], task["task_type"]
    start = time.perf_counter()
    outcome = "success"
    try:
        await asyncio.sleep(MEDIAN_SECONDS.get(task_type, 0.5) * chance.lognormvariate(0, 0.5))
        if chance.random() < 0.02 + faults.agent_error_ratio:
            raise AgentFailure(f"{agent} could not finish {task_type}")
    except Exception as error:
        outcome = "error"
        APP_EXCEPTIONS.labels(f"agent:{task_type}", type(error).__name__).inc()
    seconds = time.perf_counter() - start
    PROCESSING.labels(agent, task_type).observe(seconds)
    TASKS.labels(agent, task_type, outcome).inc()
    await database.fetch("insert_result", "INSERT INTO task_results (agent, task_type, outcome, seconds) VALUES (%s, %s, %s, %s)",
                         (agent, task_type, outcome, seconds))


async def run(args):
    faults = Faults(args.redis)
    queue = redis.from_url(args.redis, decode_responses=True)
    database = Database(args.dsn, size=2)
    await database.open()
    asyncio.create_task(faults.refresh_forever())
    chance = random.Random(args.seed)

    async def watch_depth():
        while True:
            QUEUE_DEPTH.labels(TASK_QUEUE).set(await queue.llen(TASK_QUEUE))
            await asyncio.sleep(1)

    async def slot():
        while True:
            item = await queue.brpop([TASK_QUEUE], timeout=1)
            if item is None:
                continue
            BUSY.inc()
            try:
                await process(json.loads(item[1]), chance, faults, database)
            except Exception as error:  # PostgreSQL or Redis gone for a moment: keep working
                logging.warning("worker: %s", error)
            finally:
                BUSY.dec()

    await asyncio.gather(watch_depth(), *(slot() for _ in range(args.concurrency)))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listen", default="127.0.0.1:8010")
    parser.add_argument("--redis", required=True)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    host, port = args.listen.rsplit(":", 1)
    start_http_server(int(port), addr=host)
    try:
        asyncio.run(run(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
