"""Sliding windows: contents follow event time, edges move in bucket steps, nothing leaks."""

from __future__ import annotations

import pytest

from streams.domain import windows as windows_module
from streams.domain.windows import MIN_STEP_MS, SlidingWindows
from tests.support.builders import H


def test_an_event_counts_in_every_window_that_contains_it() -> None:
    windows = SlidingWindows({"1h": H, "24h": 24 * H})
    now = 100 * H
    windows.advance(now)
    windows.add(now - 30 * 60_000, "k", 1)  # 30 min ago
    windows.add(now - 5 * H, "k", 1)  # 5 h ago: only the 24h window
    assert windows.totals() == {"1h": {"k": 1}, "24h": {"k": 2}}


def test_events_leave_the_window_as_the_clock_moves_and_zero_series_vanish() -> None:
    windows = SlidingWindows({"1h": H})
    windows.advance(10 * H)
    windows.add(10 * H - 1000, "k", 1)
    windows.advance(11 * H - 2 * MIN_STEP_MS)
    assert windows.totals()["1h"] == {"k": 1}
    windows.advance(11 * H + MIN_STEP_MS)
    assert windows.totals()["1h"] == {}
    assert not windows.windows[0].buckets


def test_an_event_already_outside_a_window_is_not_added_to_it() -> None:
    windows = SlidingWindows({"1h": H, "7d": 168 * H})
    windows.advance(1000 * H)
    windows.add(1000 * H - 2 * H, "k", 1)
    assert windows.totals() == {"1h": {}, "7d": {"k": 1}}


def test_a_retraction_of_an_expired_contribution_is_ignored_like_the_addition_was() -> None:
    windows = SlidingWindows({"1h": H})
    windows.advance(5 * H)
    windows.add(5 * H - 1, "k", 1)
    windows.advance(7 * H)
    windows.add(5 * H - 1, "k", -1)  # the record changed after its time left the window
    assert windows.totals()["1h"] == {}


def test_bucket_width_scales_with_the_window_but_never_below_a_minute() -> None:
    windows = SlidingWindows({"1h": H, "24h": 24 * H, "7d": 168 * H})
    assert [w.step_ms for w in windows.windows] == [MIN_STEP_MS, 6 * MIN_STEP_MS, 42 * MIN_STEP_MS]


def test_the_clock_never_moves_backwards() -> None:
    windows = SlidingWindows({"1h": H})
    windows.advance(10 * H)
    windows.add(10 * H - 1, "k", 1)
    windows.advance(5 * H)  # a late clock reading must not resurrect or drop anything
    assert windows.totals()["1h"] == {"k": 1}


def test_buffered_additions_equal_adding_to_every_window_at_once() -> None:
    """The buffer sums per slot; slots must fall inside one bucket of every window, also when
    a step is no whole number of minutes (5h / 240 = 75 s)."""
    widths = {"1h": H, "5h": 5 * H, "24h": 24 * H, "30d": 720 * H}
    buffered, direct = SlidingWindows(widths), SlidingWindows(widths)
    now = 1000 * H
    for windows in (buffered, direct):
        windows.advance(now)
    for i in range(5000):
        at, key, amount = now - (i * 7_919) % (30 * H), f"k{i % 7}", 1 if i % 3 else -1
        buffered.add(at, key, amount)
        for window in direct.windows:  # what the buffer stands in for
            window.add(at, key, amount)
    assert buffered.windows[1].step_ms == 75_000
    assert buffered.totals() == {w.name: w.totals for w in direct.windows}
    assert [w.buckets for w in buffered.windows] == [w.buckets for w in direct.windows]


def test_a_full_buffer_goes_into_the_windows_without_waiting_for_a_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(windows_module, "PENDING_MAX", 10)
    windows = SlidingWindows({"1h": H})
    windows.advance(10 * H)
    for minute in range(25):  # each in its own slot
        windows.add(10 * H - minute * MIN_STEP_MS, "k", 1)
    assert len(windows._pending) < 10 and windows.windows[0].totals == {"k": 20}
    assert windows.totals()["1h"] == {"k": 25}
