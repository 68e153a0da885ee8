"""The core in process, with no Kafka: decoding and applying shown apart, the SLA policy on and
off, against ``orjson.loads`` alone on the same bytes in the same run; with the compiled core
(``make core``), against the pure-Python one too.

    supportkpi bench --core-events 100000 --variants "" --latency-seconds 0 --no-scale \\
        --recovery-tickets 0 --open-tickets 0

This is the ceiling of a worker: what it can do once records are fetched and before they are
written back.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from collections.abc import Callable

import orjson

from streams.config import Settings
from streams.devtools.simulate import Simulator
from streams.domain import CORE
from streams.domain.contributions import KpiModel
from streams.domain.events import Event, Kind, decode
from streams.runtime import collection
from streams.runtime.clock import EventClock
from streams.runtime.states import StateFactory

DAY_MS = 86_400_000
# events per batch, as a worker applies them: under load a batch holds up to 20 messages of up
# to 250 events; this is a conservative middle (the windows take in a batch's additions at once)
BATCH_EVENTS = 1_000


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
    times, on fresh states each round. With the compiled core, each round also runs the pure
    one (in a child process: the choice is made at import) for their ratio."""
    messages = simulated(events)
    decoded = [decode(blob, kind) for kind, blob in messages]
    results: dict[str, list[float]] = {}
    for _ in range(repeat):
        figures = _round(messages, decoded)
        if CORE == "compiled":
            pure = _pure_round(events)
            figures["core, SLA policy on, pure Python (events/s)"] = pure[ON]
            figures["compiled core / pure core, SLA on"] = figures[ON] / pure[ON]
        for name, value in figures.items():
            results.setdefault(name, []).append(value)
    return results


ON = "core, SLA policy on (events/s)"


def _round(messages: list[tuple[Kind, bytes]], decoded: list[Event]) -> dict[str, float]:
    collection.configure()  # the collector as a worker sets it (its baseline runs under it too)
    n = len(messages)
    loads = _seconds(lambda: [orjson.loads(blob) for _, blob in messages])
    decoding = _seconds(lambda: [decode(blob, kind) for kind, blob in messages])
    on = _seconds(_applying(decoded, sla=True))
    off = _seconds(_applying(decoded, sla=False))
    return {
        "orjson.loads alone (events/s)": n / loads,
        "decode (events/s)": n / decoding,
        "apply, SLA policy on (events/s)": n / on,
        "apply, SLA policy off (events/s)": n / off,
        ON: n / (decoding + on),
        "core, SLA policy off (events/s)": n / (decoding + off),
        "core SLA on / orjson.loads": loads / (decoding + on),
    }


def _pure_round(events: int) -> dict[str, float]:
    """One round on the pure-Python core, in a child process."""
    env = {**os.environ, "SUPPORTKPI_CORE": "python"}
    command = [sys.executable, "-m", __name__, str(events)]
    done = subprocess.run(command, env=env, capture_output=True, check=True)
    figures: dict[str, float] = orjson.loads(done.stdout)
    return figures


def _applying(events: list[Event], sla: bool) -> Callable[[], object]:
    """Applying every event to one fresh partition state, as the worker's settings make it."""
    factory = StateFactory(Settings.from_env(), EventClock())
    if not sla:
        factory.model = KpiModel()
    state = factory()

    def apply_in_batches() -> None:
        for start in range(0, len(events), BATCH_EVENTS):
            state.advance(state.now_ms)  # what the worker does at the start of each batch
            for event in events[start : start + BATCH_EVENTS]:
                state.apply(event)
        state.advance(state.now_ms)

    return apply_in_batches


def _seconds(stage: Callable[[], object]) -> float:
    """Seconds one call of ``stage`` takes."""
    started = time.perf_counter()
    stage()
    return time.perf_counter() - started


if __name__ == "__main__":  # one round, as JSON: what ``measure`` runs on the pure core
    messages = simulated(int(sys.argv[1]))
    sys.stdout.buffer.write(orjson.dumps(_round(messages, [decode(b, k) for k, b in messages])))
