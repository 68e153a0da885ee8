"""Processing statistics of one worker: counters since start, consumer lag, the newest event.

Written by the router and the agent (event counts, lag), the rebalance handler (rebalances),
the rebuilds (quarantined records) and housekeeping (orphans); read by ``HealthCollector`` at
scrape time. The newest event time is the worker's ``EventClock``, passed in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from streams.runtime.clock import EventClock


class TopicPartitionLike(Protocol):
    """Faust's ``TP`` and aiokafka's ``TopicPartition`` alike."""

    @property
    def topic(self) -> str: ...

    @property
    def partition(self) -> int: ...


PartitionT = TypeVar("PartitionT", bound=TopicPartitionLike)


@dataclass
class ProcessorStats:
    clock: EventClock  # the worker's: read for the newest event time
    events: Counter[tuple[str, str]] = field(default_factory=Counter)  # (topic, outcome) -> n
    contacts: Counter[str] = field(default_factory=Counter)  # outcome -> n
    rebalances: int = 0  # partition assignments this worker has gone through
    orphaned: int = 0  # replies/resolutions whose ticket never appeared within the horizon
    quarantined: int = 0  # changelog records a rebuild could not load (left out, logged)
    # seconds spent rebuilding partitions, per stage: taking a snapshot back, reading the
    # changelog (whole, or the tail after the snapshot), loading the records read
    rebuild_seconds: dict[str, float] = field(
        default_factory=lambda: {"snapshot": 0.0, "read": 0.0, "load": 0.0}
    )
    # snapshots taken, skipped (the partition kept changing), failed to write, restored,
    # unusable (see ``snapshots``)
    snapshots: Counter[str] = field(default_factory=Counter)
    lag: dict[tuple[str, int], int] = field(default_factory=dict)  # (topic, partition) -> messages

    @property
    def last_event_ms(self) -> int | None:
        """The newest event time applied (None before the first event)."""
        return self.clock.newest_ms

    def count(self, topic: str, outcome: str) -> None:
        self.events[(topic, outcome)] += 1

    def record_lag(
        self, positions: Mapping[PartitionT, int], highwater: Callable[[PartitionT], int | None]
    ) -> None:
        """Messages behind the end of each partition, from the next offset to read there."""
        lag = self.lag
        for tp, position in positions.items():
            end = highwater(tp)
            if end is not None:
                lag[(tp.topic, tp.partition)] = max(0, end - position)

    def keep_lag(self, topic: str, partitions: Collection[int]) -> None:
        """Forget the lag of ``topic``'s partitions other than ``partitions`` (moved away);
        other topics' entries stay."""
        lag = self.lag
        for key in [k for k in lag if k[0] == topic and k[1] not in partitions]:
            del lag[key]

    def forget_lag(self, tps: Iterable[TopicPartitionLike]) -> None:
        for tp in tps:
            self.lag.pop((tp.topic, tp.partition), None)
