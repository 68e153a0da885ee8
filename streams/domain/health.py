"""Processing statistics of one worker (counters since start, newest event time, lag)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class ProcessorStats:
    events: Counter[tuple[str, str]] = field(default_factory=Counter)  # (topic, outcome) -> n
    last_event_ms: int | None = None
    rebalances: int = 0  # partition assignments this worker has gone through
    orphaned: int = 0  # replies/resolutions whose ticket never appeared within the horizon
    quarantined: int = 0  # changelog records a rebuild could not load (left out, logged)
    lag: dict[tuple[str, int], int] = field(default_factory=dict)  # (topic, partition) -> messages

    def count(self, topic: str, outcome: str, n: int = 1) -> None:
        self.events[(topic, outcome)] += n

    def saw_event_time(self, at_ms: int) -> None:
        if self.last_event_ms is None or at_ms > self.last_event_ms:
            self.last_event_ms = at_ms
