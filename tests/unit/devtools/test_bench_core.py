"""The core benchmark measures every stage on the same events (figures only: no timing test)."""

from __future__ import annotations

import time

from streams.devtools.bench import core
from streams.domain.events import decode


def test_each_stage_is_measured_each_round_and_the_core_is_its_two_stages() -> None:
    figures = core.measure(300, repeat=2)
    assert all(len(values) == 2 and all(v > 0 for v in values) for values in figures.values())
    for decoded, applied, whole in zip(
        figures["decode (events/s)"],
        figures["apply, SLA policy on (events/s)"],
        figures["core, SLA policy on (events/s)"],
        strict=True,
    ):
        assert abs(1 / whole - (1 / decoded + 1 / applied)) < 1e-9  # times add, rates do not


def test_the_simulated_events_are_all_valid_and_in_the_past() -> None:
    messages = core.simulated(500)
    now_ms = time.time() * 1000
    events = [decode(blob, kind) for kind, blob in messages]  # raises on an invalid one
    assert len(events) == 500 and all(event.at_ms <= now_ms for event in events)
    assert len({event.kind for event in events}) > 3
