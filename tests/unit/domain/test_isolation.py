"""One event or record that raises leaves the partition as it was; the others go on."""

from __future__ import annotations

import pytest

from streams.domain.events import Event, Kind
from streams.domain.partition import Outcome, PartitionState
from streams.domain.ticket import MAX_FACTS_KEPT, TicketRecord
from tests.support.builders import NOW, ExplodingModel, H, created, partition_state


def _snapshot(state: PartitionState) -> tuple:
    return (
        dict(state.windows.totals()["24h"]),
        state.backlog(),
        {k: r.to_bytes() for k, r in state.records.items()},
        state.with_running_clocks(),
    )


def test_an_event_that_raises_is_rolled_back_and_the_next_one_applies() -> None:
    state = partition_state({"24h": 24 * H}, model=ExplodingModel())
    assert state.apply(created("T-1", event_id="c1")) is Outcome.PROCESSED
    list(state.drain_dirty())
    before = _snapshot(state)
    boom = Event(Kind.UPDATED, "u1", NOW - 4 * H, "T-1", category="boom")
    with pytest.raises(ValueError, match="year 0"):
        state.apply(boom)
    assert _snapshot(state) == before and list(state.drain_dirty()) == []
    # the failed event left no digest: once fixed, it could be applied; the others apply now
    assert state.apply(Event(Kind.RESOLVED, "x1", NOW - 3 * H, "T-1")) is Outcome.PROCESSED
    assert state.backlog() == {}


def test_a_new_ticket_whose_first_event_raises_leaves_no_record() -> None:
    state = partition_state({"24h": 24 * H}, model=ExplodingModel())
    bad = Event(Kind.CREATED, "c1", NOW - H, "T-9", channel="chat", priority="low", category="boom")
    with pytest.raises(ValueError):
        state.apply(bad)
    assert (
        state.records == {} and state.backlog() == {} and state.with_running_clocks() == frozenset()
    )


def test_a_record_that_raises_while_loading_leaves_no_trace() -> None:
    state = partition_state({"24h": 24 * H}, model=ExplodingModel())
    good = TicketRecord(created_ms=NOW - H, channel="email", priority="high")
    bad = TicketRecord(created_ms=NOW - H, channel="email", priority="high", category="boom")
    with pytest.raises(ValueError):
        state.load("T-2", bad.to_bytes())
    state.load("T-1", good.to_bytes())
    assert set(state.records) == {"T-1"}
    assert sum(n for n, _ in state.backlog().values()) == 1


def test_capped_events_are_counted_and_their_redelivery_is_a_duplicate() -> None:
    state = partition_state({"24h": 24 * H})
    state.apply(created("T-1", event_id="c1"))
    replies = [
        Event(Kind.REPLIED, f"r{n}", NOW - 4 * H + n, "T-1", counts_as_response=True)
        for n in range(MAX_FACTS_KEPT + 1)
    ]
    outcomes = [state.apply(e) for e in replies]
    assert outcomes[-1] is Outcome.CAPPED and outcomes.count(Outcome.PROCESSED) == MAX_FACTS_KEPT
    list(state.drain_dirty())
    assert state.apply(replies[-1]) is Outcome.DUPLICATE
    assert (
        state.apply(Event(Kind.REPLIED, "again", NOW, "T-1", counts_as_response=True))
        is Outcome.CAPPED
    )
    assert dict(state.drain_dirty()).keys() == {"T-1"}  # the capped digest is persisted
