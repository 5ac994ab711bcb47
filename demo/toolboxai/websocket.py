"""The WebSocket server (the platform's :9876): clients join a channel, send messages and receive an
acknowledgement plus a heartbeat every few seconds. Connections, closes by reason, messages by
direction and send latency are exported (docs/metrics.md)."""

import asyncio
import time

from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from prometheus_client import Counter, Gauge, Histogram, make_asgi_app

ACTIVE = Gauge("websocket_connections_active", "Open WebSocket connections, by channel.", ["channel"])
OPENED = Counter("websocket_connections_opened_total", "WebSocket connections accepted, by channel.", ["channel"])
CLOSED = Counter(
    "websocket_connections_closed_total",
    "WebSocket connections closed, by channel and reason (normal, going_away, abnormal, error).",
    ["channel", "reason"],
)
MESSAGES = Counter(
    "websocket_messages_total",
    "WebSocket messages, by channel and direction (in: from clients, out: to clients).",
    ["channel", "direction"],
)
SEND_SECONDS = Histogram(
    "websocket_send_duration_seconds",
    "Time to hand one message to a client's connection, by channel.",
    ["channel"],
    buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1),
)

CHANNELS = ("chat", "agent_events", "notifications")
HEARTBEAT_SECONDS = 5

app = FastAPI(title="toolboxai-websocket")
app.mount("/metrics", make_asgi_app())


def close_reason(code: int) -> str:
    if code == 1000:
        return "normal"
    if code == 1001:
        return "going_away"
    if code in (1005, 1006):
        return "abnormal"
    return "error"


async def send(socket: WebSocket, channel: str, text: str):
    start = time.perf_counter()
    await socket.send_text(text)
    SEND_SECONDS.labels(channel).observe(time.perf_counter() - start)
    MESSAGES.labels(channel, "out").inc()


@app.websocket("/ws/{channel}")
async def connect(socket: WebSocket, channel: str):
    if channel not in CHANNELS:
        await socket.close(code=1008)
        return
    await socket.accept()
    OPENED.labels(channel).inc()
    ACTIVE.labels(channel).inc()
    reason = "abnormal"

    async def heartbeat():
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            await send(socket, channel, '{"type":"heartbeat"}')

    beating = asyncio.create_task(heartbeat())
    try:
        while True:
            text = await socket.receive_text()
            MESSAGES.labels(channel, "in").inc()
            await send(socket, channel, '{"type":"ack","bytes":%d}' % len(text))
    except WebSocketDisconnect as disconnect:
        reason = close_reason(disconnect.code)
    except Exception:
        reason = "error"
    finally:
        beating.cancel()
        ACTIVE.labels(channel).dec()
        CLOSED.labels(channel, reason).inc()
