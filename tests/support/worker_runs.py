"""A worker's partition states fed simulated traffic in process, as the agent feeds them:
batches, SLA ticks, expiry and the changelog writes, and the comparison of two states."""

from __future__ import annotations

import itertools

import orjson

from streams.config import Settings
from streams.devtools.simulate import Simulator
from streams.domain.contacts import contact_of
from streams.domain.customer_digest import UNSET_KEY
from streams.domain.events import decode
from streams.domain.partition import PartitionState
from streams.runtime.clock import EventClock
from streams.runtime.states import StateFactory

START = 1_764_000_000_000  # a Monday night in late 2025 (the office schedules are closed)
Log = list[tuple[str, bytes | None]]


def worker_states(**env: str) -> StateFactory:
    """The worker's state, with the shipped SLA policy and schedules, in event time
    (``env``: more settings, as ``SUPPORTKPI_*`` variables)."""
    settings = Settings.from_env(env, clock="event", schedule="office-eu")
    return StateFactory(settings, EventClock(event_time=True))


def run_batches(
    state: PartitionState, events: list[tuple[object, bytes]], logs: tuple[Log, Log]
) -> None:
    """Apply ``events`` as the agent does (tickets and the contacts routed to customers), with
    SLA ticks and expiry between batches, each batch's writes appended to ``logs``."""
    for start in range(0, len(events), 50):
        for kind, raw in events[start : start + 50]:
            event = decode(raw, kind)  # type: ignore[arg-type]
            state.advance(event.at_ms)
            state.apply(event)
            contact = contact_of(event, UNSET_KEY)
            if contact is not None:
                state.customers.apply(contact, state.late_before_ms)
        state.tick(1_000)
        state.expire()
        logs[0].extend(state.drain_dirty())
        logs[1].extend(state.customers.drain_dirty())


def latest(log: Log) -> dict[str, bytes | None]:
    return dict(log)  # later writes of a key win, as compaction keeps them


def same_state(a: PartitionState, b: PartitionState) -> None:
    assert a.records == b.records
    assert a.customers.records == b.customers.records
    assert a.windows.totals() == b.windows.totals()
    assert a.backlog() == b.backlog()
    assert a.open_by_team == b.open_by_team and a.open_by_category == b.open_by_category
    assert a.with_running_clocks() == b.with_running_clocks()
    a.tick(10**9), b.tick(10**9)  # a complete pass each: the same live gauges
    assert a.sla_now == b.sla_now


def simulated(n: int) -> list[tuple[object, bytes]]:
    sim = Simulator(seed=5, tickets_per_s=0.05, speed=1, start_ms=START)
    return [(kind, orjson.dumps(payload)) for kind, payload in itertools.islice(sim.events(), n)]
