"""The pure core in process, with no Kafka: decoding and applying shown apart, the SLA policy on
and off, against ``orjson.loads`` alone on the same bytes in the same run.

    supportkpi bench --core-events 100000 --variants "" --latency-seconds 0 --no-scale \\
        --recovery-tickets 0 --open-tickets 0

This is the ceiling of a worker: what it can do once records are fetched and before they are
written back.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

import orjson

from streams.config import Settings
from streams.devtools.simulate import Simulator
from streams.domain.contributions import KpiModel
from streams.domain.events import Event, Kind, decode
from streams.runtime.clock import EventClock
from streams.runtime.states import StateFactory

DAY_MS = 86_400_000


def simulated(events: int, seed: int = 1) -> list[tuple[Kind, bytes]]:
    """``events`` simulator messages as published, starting three days ago (100,000 span about
    two hours of traffic), so all in the past."""
    now = int(time.time() * 1000)
    sim = Simulator(seed=seed, tickets_per_s=2, speed=600, start_ms=now - 3 * DAY_MS)
    out = []
    for kind, payload in itertools.islice(sim.events(), events):
        out.append((kind, orjson.dumps(payload)))
    return out


def measure(events: int, repeat: int) -> dict[str, list[float]]:
    """Events per second of each stage, and the core's ratio to ``orjson.loads``, ``repeat``
    times, on fresh states each round."""
    messages = simulated(events)
    decoded = [decode(blob, kind) for kind, blob in messages]
    n = len(messages)
    results: dict[str, list[float]] = {}
    for _ in range(repeat):
        loads = _seconds(lambda: [orjson.loads(blob) for _, blob in messages])
        decoding = _seconds(lambda: [decode(blob, kind) for kind, blob in messages])
        on = _seconds(_applying(decoded, sla=True))
        off = _seconds(_applying(decoded, sla=False))
        figures = {
            "orjson.loads alone (events/s)": n / loads,
            "decode (events/s)": n / decoding,
            "apply, SLA policy on (events/s)": n / on,
            "apply, SLA policy off (events/s)": n / off,
            "core, SLA policy on (events/s)": n / (decoding + on),
            "core, SLA policy off (events/s)": n / (decoding + off),
            "core SLA on / orjson.loads": loads / (decoding + on),
        }
        for name, value in figures.items():
            results.setdefault(name, []).append(value)
    return results


def _applying(events: list[Event], sla: bool) -> Callable[[], object]:
    """Applying every event to one fresh partition state, as the worker's settings make it."""
    factory = StateFactory(Settings.from_env(), EventClock())
    if not sla:
        factory.model = KpiModel()
    state = factory()
    return lambda: [state.apply(event) for event in events]


def _seconds(stage: Callable[[], object]) -> float:
    """Seconds one call of ``stage`` takes."""
    started = time.perf_counter()
    stage()
    return time.perf_counter() - started
