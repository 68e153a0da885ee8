"""Snapshots: a state taken back from one, with the changelog's tail after it loaded, is the
state a full rebuild gives and the state that took it."""

from __future__ import annotations

import itertools
import marshal

import orjson
import pytest

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


def _worker_states() -> StateFactory:
    """The worker's state, with the shipped SLA policy and schedules, in event time."""
    settings = Settings.from_env({}, clock="event", schedule="office-eu")
    return StateFactory(settings, EventClock(event_time=True))


def _run(state: PartitionState, events: list[tuple[object, bytes]], logs: tuple[Log, Log]) -> None:
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


def _latest(log: Log) -> dict[str, bytes | None]:
    return dict(log)  # later writes of a key win, as compaction keeps them


def _same(a: PartitionState, b: PartitionState) -> None:
    assert a.records == b.records
    assert a.customers.records == b.customers.records
    assert a.windows.totals() == b.windows.totals()
    assert a.backlog() == b.backlog()
    assert a.open_by_team == b.open_by_team and a.open_by_category == b.open_by_category
    assert a.with_running_clocks() == b.with_running_clocks()
    a.tick(10**9), b.tick(10**9)  # a complete pass each: the same live gauges
    assert a.sla_now == b.sla_now


def _simulated(n: int) -> list[tuple[object, bytes]]:
    sim = Simulator(seed=5, tickets_per_s=0.05, speed=1, start_ms=START)
    return [(kind, orjson.dumps(payload)) for kind, payload in itertools.islice(sim.events(), n)]


@pytest.mark.parametrize("split", [0.0, 0.3, 0.7, 1.0])
def test_a_snapshot_with_its_tail_is_the_state_a_full_rebuild_gives(split: float) -> None:
    """Tickets, customers, SLA clocks in business hours, pauses, breaches and expiry: a day
    and a half of simulated traffic, the snapshot taken after ``split`` of it."""
    events, new_state = _simulated(3_000), _worker_states()
    live, tickets, customers = new_state(), [], []
    cut = int(len(events) * split)
    _run(live, events[:cut], (tickets, customers))
    saved = marshal.dumps(live.export())
    covered = len(tickets), len(customers)  # the changelogs' offsets the snapshot covers
    _run(live, events[cut:], (tickets, customers))
    assert live.records and live.customers.records and live.with_running_clocks()

    restored = new_state()
    restored.restore(marshal.loads(saved))
    for key, blob in _latest(tickets[covered[0] :]).items():
        restored.load(key, blob)
    for key, blob in _latest(customers[covered[1] :]).items():
        restored.customers.load(key, blob)
    rebuilt = new_state()
    for key, blob in _latest(tickets).items():
        if blob is not None:
            rebuilt.load(key, blob)
    for key, blob in _latest(customers).items():
        if blob is not None:
            rebuilt.customers.load(key, blob)
    for state in (restored, rebuilt):
        state.advance(live.now_ms)
    _same(restored, rebuilt)
    _same(restored, live)


def test_a_tail_that_starts_before_the_snapshot_changes_nothing() -> None:
    """The stamp may be conservative (the last batch's base offset): records the snapshot
    already holds, loaded again, replace themselves."""
    events, new_state = _simulated(1_500), _worker_states()
    live, tickets, customers = new_state(), [], []
    _run(live, events, (tickets, customers))
    restored = new_state()
    restored.restore(marshal.loads(marshal.dumps(live.export())))
    for key, blob in _latest(tickets[len(tickets) // 2 :]).items():
        restored.load(key, blob)
    restored.advance(live.now_ms)
    _same(restored, live)


def test_only_a_fresh_state_takes_a_snapshot_back_and_other_layouts_are_refused() -> None:
    events, new_state = _simulated(200), _worker_states()
    live, logs = new_state(), ([], [])
    _run(live, events, logs)
    saved = live.export()
    with pytest.raises(RuntimeError, match="fresh"):
        live.restore(saved)
    with pytest.raises(ValueError, match="layout"):
        new_state().restore({**saved, "layout": 0})
    other = marshal.loads(marshal.dumps(saved))
    other["windows"] = other["windows"][:1]
    fresh = new_state()
    with pytest.raises(ValueError, match="windows"):
        fresh.restore(other)
