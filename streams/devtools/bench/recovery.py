"""State recovery after a restart, with N open tickets in the changelog.

A worker processes N ticket-created events (wire format, as publishers send them) and stops
cleanly; then, per round, a new worker of the same group starts and we time, from its process
start, (1) ``/ready``, with the rebuild's split between taking the snapshots back (the first
worker's stop wrote them), reading the changelog (its tail after them) and loading the records
read (``support_rebuild_seconds_total``), and (2) ``/metrics`` showing all N tickets open again,
and read its peak RSS. Nothing is consumed from the source topics after the restart: it
is all state recovery.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import orjson

from streams.devtools.bench.footprint import footprint_events
from streams.devtools.bench.harness import Run
from streams.devtools.bench.worker import metric_sum, wait_until
from streams.runtime.topics import create_topics

REBUILD = "support_rebuild_seconds_total"


async def _preload(run: Run, prefix: str, tickets: int) -> None:
    from aiokafka import AIOKafkaProducer

    settings = run.settings_for(prefix)
    await create_topics(settings)
    producer = AIOKafkaProducer(
        bootstrap_servers=run.bootstrap, linger_ms=20, max_batch_size=256 * 1024
    )
    await producer.start()
    try:
        pending = []
        for kind, raw in footprint_events(tickets, "new", int(time.time() * 1000)):
            key = orjson.loads(raw)["ticket_id"].encode()
            pending.append(await producer.send(settings.topic(kind), raw, key=key))
            if len(pending) >= 10_000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


def measure(run: Run, tickets: int, repeat: int) -> dict[str, list[float]]:
    prefix, app_id = f"rec{uuid.uuid4().hex[:6]}-", f"recovery-{uuid.uuid4().hex[:8]}"
    started = time.perf_counter()
    asyncio.run(_preload(run, prefix, tickets))
    print(f"  published {tickets:,} ticket-created events in {time.perf_counter() - started:.0f}s")
    worker = run.worker(app_id, prefix)
    try:
        started = time.perf_counter()
        wait_until(lambda: worker.consumed() >= tickets, "the first worker", 3600, 1.0)
        print(
            f"  first worker processed them in {time.perf_counter() - started:.0f}s, "
            f"peak RSS {worker.peak_rss_bytes() / 2**20:,.0f} MiB"
        )
    finally:
        stopping = time.perf_counter()
        worker.stop()
        print(f"  and stopped in {time.perf_counter() - stopping:.1f}s (writing its snapshots)")
    results: dict[str, list[float]] = {
        "ready s": [],
        "of which taking the snapshots back s": [],
        "of which reading the changelog s": [],
        "of which loading the records s": [],
        "all tickets back s": [],
        "peak RSS MiB": [],
    }
    for n in range(repeat):
        for name, value in _restart(run, app_id, prefix, tickets).items():
            results[name].append(value)
        print(
            f"  round {n + 1}/{repeat} restart: ready after {results['ready s'][-1]:.1f}s, "
            f"all {tickets:,} tickets back after {results['all tickets back s'][-1]:.1f}s"
        )
    return results


def _restart(run: Run, app_id: str, prefix: str, tickets: int) -> dict[str, float]:
    started = time.perf_counter()
    worker = run.worker(app_id, prefix)
    try:
        ready = wait_until(lambda: worker.ready() is not None, "ready", 3600, 0.2)
        rebuilt = worker.metrics()  # the rebuild's own account of its two stages
        back = wait_until(
            lambda: metric_sum(worker.metrics(), "support_open_tickets") >= tickets,
            "every ticket",
            3600,
            0.2,
        )
        return {
            "ready s": ready - started,
            "of which taking the snapshots back s": metric_sum(
                rebuilt, REBUILD, 'stage="snapshot"'
            ),
            "of which reading the changelog s": metric_sum(rebuilt, REBUILD, 'stage="read"'),
            "of which loading the records s": metric_sum(rebuilt, REBUILD, 'stage="load"'),
            "all tickets back s": back - started,
            "peak RSS MiB": worker.peak_rss_bytes() / 2**20,
        }
    finally:
        worker.stop()
