"""Runtime statistics (streams/runtime/stats.py): counts, consumer lag, the newest event."""

from __future__ import annotations

from typing import NamedTuple

from streams.runtime.clock import EventClock
from streams.runtime.stats import ProcessorStats


class TP(NamedTuple):
    topic: str
    partition: int


def test_lag_is_what_lies_between_the_next_offset_and_the_end_of_each_partition() -> None:
    stats = ProcessorStats(EventClock())
    ends = {TP("a", 0): 10, TP("a", 1): 4, TP("a", 2): None}
    stats.record_lag({TP("a", 0): 7, TP("a", 1): 4, TP("a", 2): 1}, ends.__getitem__)
    assert stats.lag == {("a", 0): 3, ("a", 1): 0}  # an unknown end is left out


def test_lag_of_partitions_that_moved_away_is_forgotten_and_other_topics_kept() -> None:
    stats = ProcessorStats(EventClock())
    stats.lag.update({("events", 0): 1, ("events", 1): 2, ("source", 1): 3, ("source", 2): 4})
    stats.keep_lag("events", {0})
    assert stats.lag == {("events", 0): 1, ("source", 1): 3, ("source", 2): 4}
    stats.forget_lag([TP("source", 2)])
    assert stats.lag == {("events", 0): 1, ("source", 1): 3}


def test_counts_and_the_newest_event_time_come_from_the_clock_the_stats_read() -> None:
    clock = EventClock()
    stats = ProcessorStats(clock)
    stats.count("t", "processed")
    stats.count("t", "processed")
    assert stats.events["t", "processed"] == 2 and stats.last_event_ms is None
    clock.saw(42)
    assert stats.last_event_ms == 42
