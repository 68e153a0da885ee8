"""End-to-end latency at a steady rate: from the producer's send to the moment /metrics shows it.

A worker runs on empty topics; events are published at a fixed rate (half the load it sustains,
as measured in the same run) while a poller scrapes /metrics every 50 ms. The k-th event
published counts as visible at the first scrape that accounts for k events: partitions are
processed independently, so this pairs counts, not identities -- the usual measure for a
stream's delay, exact while events are processed roughly in the order they were sent.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
import uuid
from bisect import bisect_left

import orjson

from streams.devtools.bench.harness import Run
from streams.devtools.bench.worker import wait_until
from streams.devtools.simulate import Simulator
from streams.runtime.topics import create_topics

POLL_S = 0.05
EVENTS_PER_TICKET = 2.9  # the simulator's mix


async def _publish(run: Run, prefix: str, rate: float, seconds: float) -> list[float]:
    from aiokafka import AIOKafkaProducer

    settings = run.settings_for(prefix)
    producer = AIOKafkaProducer(bootstrap_servers=run.bootstrap, linger_ms=5)
    await producer.start()
    # live traffic: event time keeps pace with the wall clock (~2.9 events per ticket), and
    # work is compressed 60x so tickets get replies and resolutions within the run
    sim = Simulator(
        seed=7, tickets_per_s=rate / EVENTS_PER_TICKET, speed=60.0, start_ms=int(time.time() * 1000)
    )
    events = sim.events()
    total = int(rate * seconds)
    sent_at: list[float] = []
    try:
        started = time.perf_counter()
        while len(sent_at) < total:
            due = min(total, int((time.perf_counter() - started) * rate) + 1)
            for kind, payload in itertools.islice(events, due - len(sent_at)):
                sent_at.append(time.perf_counter())
                await producer.send(
                    settings.topic(kind),
                    orjson.dumps(payload),
                    key=str(payload["ticket_id"]).encode(),
                )
            await asyncio.sleep(0.002)
        await producer.flush()
    finally:
        await producer.stop()
    return sent_at


def measure(run: Run, rate: float, seconds: float, repeat: int) -> dict[str, list[float]]:
    """p50, p99 and max latency in ms, one figure per repetition, each on fresh topics."""
    results: dict[str, list[float]] = {"p50": [], "p99": [], "max": []}
    for n in range(repeat):
        latencies = sorted(_round(run, rate, seconds))
        for name, q in (("p50", 0.50), ("p99", 0.99), ("max", 1.0)):
            at = min(len(latencies) - 1, int(q * len(latencies)))
            results[name].append(latencies[at] * 1000)
        print(
            f"  round {n + 1}/{repeat} latency at {rate:,.0f} events/s: "
            f"p50 {results['p50'][-1]:.0f} ms, p99 {results['p99'][-1]:.0f} ms"
        )
    return results


def _round(run: Run, rate: float, seconds: float) -> list[float]:
    prefix = f"lat{uuid.uuid4().hex[:6]}-"
    asyncio.run(create_topics(run.settings_for(prefix)))
    worker = run.worker(f"latency-{uuid.uuid4().hex[:8]}", prefix)
    seen: list[tuple[float, int]] = []  # (when a scrape returned, events it accounted for)
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            count = worker.consumed()
            seen.append((time.perf_counter(), count))
            time.sleep(POLL_S)

    try:
        wait_until(lambda: worker.ready() is not None, "the worker to be ready", 120)
        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        sent_at = asyncio.run(_publish(run, prefix, rate, seconds))
        wait_until(lambda: bool(seen) and seen[-1][1] >= len(sent_at), "every event", 120)
    finally:
        stop.set()
        worker.stop()
    counts = [count for _, count in seen]
    return [seen[bisect_left(counts, k + 1)][0] - at for k, at in enumerate(sent_at)]
