"""The API service (the platform's :8008): tools from PostgreSQL behind a Redis cache, sessions, and
agent tasks handed to the workers through a Redis list. Instrumented with
prometheus-fastapi-instrumentator's default metrics plus the platform's own (docs/metrics.md)."""

import asyncio
import contextlib
import json
import os
import random

import redis.asyncio as redis
from fastapi import FastAPI, HTTPException
from prometheus_client import Counter
from prometheus_fastapi_instrumentator import Instrumentator

from .database import CATEGORIES, Database
from .errors import count_exceptions
from .faults import Faults

CACHE_REQUESTS = Counter(
    "cache_requests_total",
    "Application cache lookups in Redis, by cache and result (hit or miss).",
    ["cache", "result"],
)
AGENT_TASKS_SUBMITTED = Counter(
    "agent_tasks_submitted_total",
    "Agent tasks the API queued for the workers, by task type.",
    ["task_type"],
)

TASK_QUEUE = "agent:tasks"
CACHE_TTL_SECONDS = 30

dsn = os.environ["TOOLBOXAI_DSN"]
redis_url = os.environ["TOOLBOXAI_REDIS"]
faults = Faults(redis_url)
database = Database(dsn)
cache = redis.from_url(redis_url, decode_responses=True)
chance = random.Random(int(os.environ.get("TOOLBOXAI_SEED", "1")))


@contextlib.asynccontextmanager
async def lifespan(_app):
    await database.open()
    refresher = asyncio.create_task(faults.refresh_forever())
    yield
    refresher.cancel()


app = FastAPI(title="toolboxai-api", lifespan=lifespan)
Instrumentator(excluded_handlers=["/metrics"]).instrument(app).expose(app, include_in_schema=False)
count_exceptions(app)


async def cached(cache_name: str, key: str, load):
    """Reads `key` from Redis, or loads and stores it for CACHE_TTL_SECONDS."""
    value = await cache.get(key)
    if value is not None:
        CACHE_REQUESTS.labels(cache_name, "hit").inc()
        return json.loads(value)
    CACHE_REQUESTS.labels(cache_name, "miss").inc()
    value = await load()
    await cache.set(key, json.dumps(value), ex=CACHE_TTL_SECONDS)
    return value


async def maybe_fail(operation: str):
    """During an error burst, some requests run a query PostgreSQL refuses (a real exception)."""
    if chance.random() < faults.error_ratio:
        if chance.random() < 0.7:
            await database.fetch(operation, "SELECT count(*) FROM tool_usage_stats")  # UndefinedTable
        else:
            await database.fetch(operation, "SELECT count(*) / 0 FROM tools")  # DivisionByZero


@app.get("/api/tools")
async def list_tools(category: str = "math"):
    if category not in CATEGORIES:
        raise HTTPException(status_code=400, detail=f"unknown category {category!r}")
    await maybe_fail("list_tools")

    async def load():
        rows = await database.fetch("list_tools", "SELECT id, name FROM tools WHERE category = %s ORDER BY id LIMIT 50",
                                    (category,), faults.db_delay_seconds)
        return [{"id": row[0], "name": row[1]} for row in rows]

    return await cached("tools", f"tools:{category}", load)


@app.get("/api/tools/{tool_id}")
async def get_tool(tool_id: int):
    await maybe_fail("get_tool")

    async def load():
        rows = await database.fetch("get_tool", "SELECT id, name, category, description FROM tools WHERE id = %s",
                                    (tool_id,), faults.db_delay_seconds)
        return [list(row) for row in rows]

    rows = await cached("tool", f"tool:{tool_id}", load)
    if not rows:
        raise HTTPException(status_code=404, detail="no such tool")
    return {"id": rows[0][0], "name": rows[0][1], "category": rows[0][2], "description": rows[0][3]}


@app.get("/api/search")
async def search(q: str):
    await maybe_fail("search_tools")

    async def load():
        rows = await database.fetch("search_tools", "SELECT id, name FROM tools WHERE description ILIKE %s LIMIT 20",
                                    (f"%{q}%",), faults.db_delay_seconds)
        return [{"id": row[0], "name": row[1]} for row in rows]

    return await cached("search", f"search:{q}", load)


@app.post("/api/sessions")
async def start_session(user: str):
    await maybe_fail("insert_session")
    rows = await database.fetch("insert_session", "INSERT INTO sessions (user_name) VALUES (%s) RETURNING id",
                                (user,), faults.db_delay_seconds)
    return {"session": rows[0][0]}


@app.post("/api/agents/tasks")
async def submit_task(agent: str, task_type: str):
    await cache.lpush(TASK_QUEUE, json.dumps({"agent": agent, "task_type": task_type}))
    AGENT_TASKS_SUBMITTED.labels(task_type).inc()
    return {"queued": True}


@app.get("/health")
async def health():
    return {"status": "ok"}
