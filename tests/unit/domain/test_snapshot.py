"""Snapshots: a state taken back from one, with the changelog's tail after it loaded, is the
state a full rebuild gives and the state that took it."""

from __future__ import annotations

import marshal

import pytest

from tests.support.worker_runs import latest, run_batches, same_state, simulated, worker_states


@pytest.mark.parametrize("split", [0.0, 0.3, 0.7, 1.0])
def test_a_snapshot_with_its_tail_is_the_state_a_full_rebuild_gives(split: float) -> None:
    """Tickets, customers, SLA clocks in business hours, pauses, breaches and expiry: a day
    and a half of simulated traffic, the snapshot taken after ``split`` of it."""
    events, new_state = simulated(3_000), worker_states()
    live, tickets, customers = new_state(), [], []
    cut = int(len(events) * split)
    run_batches(live, events[:cut], (tickets, customers))
    saved = marshal.dumps(live.export())
    covered = len(tickets), len(customers)  # the changelogs' offsets the snapshot covers
    run_batches(live, events[cut:], (tickets, customers))
    assert live.records and live.customers.records and live.with_running_clocks()

    restored = new_state()
    restored.restore(marshal.loads(saved))
    for key, blob in latest(tickets[covered[0] :]).items():
        restored.load(key, blob)
    for key, blob in latest(customers[covered[1] :]).items():
        restored.customers.load(key, blob)
    rebuilt = new_state()
    for key, blob in latest(tickets).items():
        if blob is not None:
            rebuilt.load(key, blob)
    for key, blob in latest(customers).items():
        if blob is not None:
            rebuilt.customers.load(key, blob)
    for state in (restored, rebuilt):
        state.advance(live.now_ms)
    same_state(restored, rebuilt)
    same_state(restored, live)


def test_a_tail_that_starts_before_the_snapshot_changes_nothing() -> None:
    """The stamp may be conservative (the last batch's base offset): records the snapshot
    already holds, loaded again, replace themselves."""
    events, new_state = simulated(1_500), worker_states()
    live, tickets, customers = new_state(), [], []
    run_batches(live, events, (tickets, customers))
    restored = new_state()
    restored.restore(marshal.loads(marshal.dumps(live.export())))
    for key, blob in latest(tickets[len(tickets) // 2 :]).items():
        restored.load(key, blob)
    restored.advance(live.now_ms)
    same_state(restored, live)


def test_only_a_fresh_state_takes_a_snapshot_back_and_other_layouts_are_refused() -> None:
    events, new_state = simulated(200), worker_states()
    live, logs = new_state(), ([], [])
    run_batches(live, events, logs)
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
