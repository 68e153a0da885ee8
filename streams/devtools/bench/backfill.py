"""Backfill: a month of history from a JSON Lines file into an event-clock deployment.

Per round, on fresh topics: ``supportkpi replay`` publishes the file (as an operator runs it),
then a worker with ``SUPPORTKPI_CLOCK=event`` processes it, timed from its process start until
``/metrics`` accounts for every event. The file is the simulator's traffic over at most 30
days, so windows, expiry and SLA clocks work as they do on real history.
"""

from __future__ import annotations

import asyncio
import itertools
import tempfile
import time
import uuid
from pathlib import Path

import orjson

from streams.devtools.bench.harness import Run
from streams.devtools.bench.worker import wait_for_total
from streams.devtools.simulate import Simulator
from streams.publishing.replay import replay, state_path
from streams.runtime.topics import create_topics

DAY_MS = 86_400_000
# simulated tickets per second that put 1,000,000 events in about 28 days of history
TICKETS_PER_S_FOR_A_MILLION = 0.065


def history(path: Path, events: int, seed: int = 1) -> None:
    """``events`` simulator events as JSON Lines, one ``type`` field each, over a month."""
    rate = max(TICKETS_PER_S_FOR_A_MILLION, TICKETS_PER_S_FOR_A_MILLION * events / 1_000_000)
    start = int(time.time() * 1000) - 31 * DAY_MS
    sim = Simulator(seed=seed, tickets_per_s=rate, speed=600, start_ms=start)
    with path.open("wb") as out:
        for kind, payload in itertools.islice(sim.events(), events):
            out.write(orjson.dumps({"type": kind, **payload}) + b"\n")


def measure(run: Run, events: int, repeat: int) -> dict[str, list[float]]:
    folder = Path(tempfile.mkdtemp(prefix="supportkpi-backfill-"))
    path = folder / "history.jsonl"
    started = time.perf_counter()
    history(path, events)
    print(f"  wrote {events:,} events of history in {time.perf_counter() - started:.0f}s")
    results: dict[str, list[float]] = {}
    for n in range(repeat):
        for name, value in _round(run, path, events).items():
            results.setdefault(name, []).append(value)
        print(f"  round {n + 1}/{repeat} backfill: {results['end to end s'][-1]:.1f}s")
    return results


def _round(run: Run, path: Path, events: int) -> dict[str, float]:
    prefix = f"bf{uuid.uuid4().hex[:6]}-"
    settings = run.settings_for(prefix)
    asyncio.run(create_topics(settings))
    state_path(path).unlink(missing_ok=True)  # each round replays the whole file
    started = time.perf_counter()
    sent, invalid = asyncio.run(replay(settings, path, quiet=True))
    if invalid or sent != events:
        raise AssertionError(f"replay sent {sent} of {events} events ({invalid} invalid)")
    replayed = time.perf_counter()
    worker = run.worker(f"backfill-{uuid.uuid4().hex[:8]}", prefix, {"SUPPORTKPI_CLOCK": "event"})
    try:
        done = wait_for_total(worker.consumed, events, "the backfilled events", timeout=3600)
    finally:
        worker.stop()
    return {
        "replay s": replayed - started,
        "worker s": done - replayed,
        "end to end s": done - started,
        "end to end events/s": events / (done - started),
    }
