"""Throughput of HTTP ingest against producing the same events straight to Kafka, same run.

Both paths validate every event and wait for Kafka's acknowledgement of each batch, with the same
number of batches in flight. The ingest server runs as its own process (as deployed), so it gets
a core of its own while the client serialises; the SDK does everything in one process.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import orjson

from streams.config import Settings
from streams.devtools import devbroker
from streams.devtools.simulate import Simulator
from streams.publishing.publish import AsyncPublisher, make_event
from streams.runtime.topics import create_topics


def _events(count: int) -> list[dict]:
    sim = Simulator(
        seed=3, tickets_per_s=50.0, speed=1.0, start_ms=int(time.time() * 1000) - 3_600_000
    )
    return [
        {"type": kind.value, **payload} for kind, payload in itertools.islice(sim.events(), count)
    ]


async def _direct(settings: Settings, events: list[dict], batch: int, clients: int) -> float:
    """The same batches through the SDK, ``clients`` batches in flight like the HTTP clients."""
    publisher = AsyncPublisher(settings.bootstrap_servers, settings.topic_prefix)
    await publisher.start()
    batches = [events[s : s + batch] for s in range(0, len(events), batch)]

    async def client() -> None:
        while batches:
            chunk = batches.pop()
            await publisher.send_many(
                [make_event(e["type"], e, none_is_absent=False) for e in chunk]
            )

    try:
        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        return len(events) / (time.perf_counter() - started)
    finally:
        await publisher.stop()


async def _http(url: str, events: list[dict], batch: int, clients: int) -> float:
    import aiohttp

    bodies = [orjson.dumps(events[s : s + batch]) for s in range(0, len(events), batch)]

    async def client(session: aiohttp.ClientSession) -> None:
        while bodies:
            body = bodies.pop()
            async with session.post(
                url, data=body, headers={"Content-Type": "application/json"}
            ) as response:
                if response.status != 202:
                    raise RuntimeError(
                        f"ingest answered {response.status}: {await response.text()}"
                    )

    async with aiohttp.ClientSession() as session:
        started = time.perf_counter()
        await asyncio.gather(*(client(session) for _ in range(clients)))
        return len(events) / (time.perf_counter() - started)


def main(count: int, repeat: int, batch: int = 100, clients: int = 4) -> str:
    logs = Path(tempfile.mkdtemp(prefix="supportkpi-bench-ingest-"))
    port = devbroker.free_port()
    broker = devbroker.start(port, log_path=logs / "broker.log")
    prefix = f"bench{uuid.uuid4().hex[:6]}-"
    settings = Settings.from_env({}, broker=f"kafka://127.0.0.1:{port}", topic_prefix=prefix)
    env = dict(
        os.environ,
        SUPPORTKPI_BROKER=settings.broker,
        SUPPORTKPI_TOPIC_PREFIX=prefix,
        SUPPORTKPI_INGEST_TOKEN="",
    )
    web_port = devbroker.free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streams", "ingest", "--host", "127.0.0.1", "--port", str(web_port)],
        env=env,
        stdout=(logs / "ingest.log").open("ab"),
        stderr=subprocess.STDOUT,
    )
    results: dict[str, list[float]] = {"direct (AsyncPublisher)": [], "HTTP ingest": []}
    try:
        asyncio.run(create_topics(settings))
        deadline = time.monotonic() + 30
        while not devbroker.port_open("127.0.0.1", web_port):
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"ingest did not start; see {logs / 'ingest.log'}")
            time.sleep(0.1)
        events = _events(count)
        url = f"http://127.0.0.1:{web_port}/events"
        for n in range(repeat):
            direct = asyncio.run(_direct(settings, events, batch, clients))
            http = asyncio.run(_http(url, events, batch, clients))
            results["direct (AsyncPublisher)"].append(direct)
            results["HTTP ingest"].append(http)
            print(f"  round {n + 1}/{repeat}: direct {direct:,.0f}, ingest {http:,.0f} events/s")
    finally:
        server.terminate()
        server.wait(timeout=10)
        broker.terminate()
        broker.wait(timeout=10)
    rows = [
        f"ingest: {count:,} events in batches of {batch}, {clients} HTTP clients",
        "| path | min | median | max (events/s) |",
        "|---|---:|---:|---:|",
    ]
    for name, rates in results.items():
        rows.append(
            f"| {name} | {min(rates):,.0f} | {statistics.median(rates):,.0f} | {max(rates):,.0f} |"
        )
    ratio = statistics.median(results["HTTP ingest"]) / statistics.median(
        results["direct (AsyncPublisher)"]
    )
    rows.append(f"| ingest / direct | | {ratio:.2f} | |")
    table = "\n".join(rows)
    print(table)
    return table
