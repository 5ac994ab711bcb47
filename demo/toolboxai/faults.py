"""The demo's fault switches. The load generator writes them into a Redis hash (in database 1, so a
cache flush of database 0 leaves them alone); every service reads them once a second."""

import asyncio
import logging

import redis.asyncio as redis

FAULTS_DB = 1
FAULTS_KEY = "demo:faults"


class Faults:
    """The current fault settings, refreshed in the background."""

    def __init__(self, redis_url: str):
        self._client = redis.from_url(redis_url, db=FAULTS_DB, decode_responses=True)
        self.db_delay_seconds = 0.0  # added to every PostgreSQL query with pg_sleep (latency spike)
        self.error_ratio = 0.0  # share of API requests that run a failing query (error burst)
        self.agent_error_ratio = 0.0  # share of agent tasks that fail

    async def refresh_forever(self):
        while True:
            try:
                values = await self._client.hgetall(FAULTS_KEY)
                self.db_delay_seconds = float(values.get("db_delay_seconds", 0))
                self.error_ratio = float(values.get("error_ratio", 0))
                self.agent_error_ratio = float(values.get("agent_error_ratio", 0))
            except Exception as error:  # Redis restarting: keep the last settings
                logging.warning("faults: %s", error)
            await asyncio.sleep(1)


async def set_faults(redis_url: str, **values: float):
    client = redis.from_url(redis_url, db=FAULTS_DB, decode_responses=True)
    try:
        await client.hset(FAULTS_KEY, mapping={k: str(v) for k, v in values.items()})
    finally:
        await client.aclose()
