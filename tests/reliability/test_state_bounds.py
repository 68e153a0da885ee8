"""State stays bounded over weeks of event time: old tickets, dedupe ids and window buckets go."""

from __future__ import annotations

import itertools

import orjson
import pytest

from streams.devtools.simulate import Simulator
from streams.domain.events import Kind, decode
from streams.domain.partition import Horizons
from streams.domain.ticket import DIGEST_SIZE
from tests.support.builders import D, H, partition_state

pytestmark = pytest.mark.reliability

START = 1_790_000_000_000


def test_three_weeks_of_traffic_keep_only_the_last_week_of_closed_tickets() -> None:
    sim = Simulator(seed=9, tickets_per_s=0.005, speed=1, start_ms=START)
    state = partition_state(
        {"1h": H, "24h": D, "7d": 7 * D}, horizons=Horizons(grace_ms=H, orphan_ms=D), now_ms=START
    )
    created_at: dict[str, int] = {}
    tombstones, next_housekeeping = 0, START + H
    for kind, payload in itertools.islice(sim.events(), 200_000):
        event = decode(orjson.dumps(payload), kind)
        if event.at_ms > START + 21 * D:
            break
        if event.at_ms >= next_housekeeping:  # the replay clock: newest event time
            state.advance(event.at_ms)
            state.expire()
            tombstones += sum(1 for _, blob in state.drain_dirty() if blob is None)
            next_housekeeping += H
        state.apply(event)
        if kind is Kind.CREATED:
            created_at[event.record_key] = event.at_ms
    state.advance(max(r.last_ms for r in state.records.values()))
    state.expire()
    now = state.now_ms
    recent = sum(1 for at in created_at.values() if at >= now - 7 * D - 2 * H)
    assert len(created_at) > 3 * recent * 0.8  # three weeks of tickets went through
    assert tombstones > len(created_at) // 2  # most were deleted, with changelog tombstones
    assert len(state.records) <= recent * 1.1 + sum(r.is_open for r in state.records.values())
    for window in state.windows.windows:  # buckets only inside each window
        assert len(window.buckets) <= window.width_ms // window.step_ms + 2
    seen = sum(len(r.seen) // DIGEST_SIZE for r in state.records.values())
    assert seen < 10 * len(state.records)  # dedupe ids live and die with their ticket
