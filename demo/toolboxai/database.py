"""PostgreSQL access for the demo services: a small pool of async connections, every query timed
into `db_query_duration_seconds{operation}`."""

import asyncio
import contextlib
import time

import psycopg
from prometheus_client import Gauge, Histogram

DB_QUERY_DURATION = Histogram(
    "db_query_duration_seconds",
    "Time spent in PostgreSQL queries, by operation.",
    ["operation"],
)
DB_POOL_CONNECTIONS = Gauge(
    "db_pool_connections",
    "PostgreSQL connections in the service's pool, by state.",
    ["state"],
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS tools (
    id serial PRIMARY KEY,
    name text NOT NULL,
    category text NOT NULL,
    description text NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id bigserial PRIMARY KEY,
    user_name text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS task_results (
    id bigserial PRIMARY KEY,
    agent text NOT NULL,
    task_type text NOT NULL,
    outcome text NOT NULL,
    seconds double precision NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now()
);
"""

CATEGORIES = ["math", "science", "language", "coding", "history", "art"]


async def prepare(dsn: str):
    """Creates the tables and seeds 600 tools, once."""
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as connection:
        await connection.execute(SCHEMA)
        count = (await (await connection.execute("SELECT count(*) FROM tools")).fetchone())[0]
        if count == 0:
            async with connection.cursor() as cursor:
                await cursor.executemany(
                    "INSERT INTO tools (name, category, description) VALUES (%s, %s, %s)",
                    [(f"tool-{i}", CATEGORIES[i % len(CATEGORIES)], f"Tool number {i} for {CATEGORIES[i % len(CATEGORIES)]}.")
                     for i in range(1, 601)],
                )


class Database:
    def __init__(self, dsn: str, size: int = 4):
        self._dsn = dsn
        self._size = size
        self._idle: asyncio.Queue = asyncio.Queue()

    async def open(self):
        for _ in range(self._size):
            self._idle.put_nowait(await psycopg.AsyncConnection.connect(self._dsn, autocommit=True))
        self._gauge()

    def _gauge(self):
        DB_POOL_CONNECTIONS.labels("idle").set(self._idle.qsize())
        DB_POOL_CONNECTIONS.labels("in_use").set(self._size - self._idle.qsize())

    @contextlib.asynccontextmanager
    async def _connection(self):
        connection = await self._idle.get()
        self._gauge()
        try:
            if connection.closed:
                connection = await psycopg.AsyncConnection.connect(self._dsn, autocommit=True)
            yield connection
        finally:
            self._idle.put_nowait(connection)
            self._gauge()

    async def fetch(self, operation: str, sql: str, params=(), delay: float = 0.0):
        """Runs one query; `delay` seconds of pg_sleep first make the server itself slow."""
        async with self._connection() as connection:
            start = time.perf_counter()
            try:
                if delay > 0:
                    await connection.execute("SELECT pg_sleep(%s)", (delay,))
                cursor = await connection.execute(sql, params)
                return await cursor.fetchall() if cursor.description else []
            finally:
                DB_QUERY_DURATION.labels(operation).observe(time.perf_counter() - start)
