"""The processor's clock (streams/runtime/clock.py): wall time live, event time in replay mode."""

from __future__ import annotations

import time

from streams.runtime.clock import EventClock


def test_live_the_clock_is_the_wall_clock_whatever_the_events_say() -> None:
    clock = EventClock()
    clock.saw(1_000)
    before = int(time.time() * 1000)
    assert before <= clock.now_ms() <= int(time.time() * 1000)
    assert clock.newest_ms == 1_000


def test_in_replay_mode_time_starts_at_the_first_event_and_never_goes_back() -> None:
    clock = EventClock(event_time=True)
    assert clock.now_ms() == 0 and clock.newest_ms is None
    clock.saw(5_000)
    clock.saw(3_000)  # a late event does not move the clock back
    assert clock.now_ms() == clock.newest_ms == 5_000
