"""Sliding event-time windows that end at the processor's clock.

Each window keeps bucketed sums (bucket width = width / steps, at least one minute) and a running
total, so reading a window costs nothing per event and advancing it subtracts whole buckets. A
window therefore covers ``(now - width - one bucket, now]`` at most and ``(now - width, now]`` at
least: its edge moves in steps of one bucket.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

MIN_STEP_MS = 60_000


@dataclass(slots=True)
class Window:
    name: str
    width_ms: int
    step_ms: int
    cutoff: int | None = None  # oldest bucket index still inside the window
    buckets: dict[int, dict[Hashable, int]] = field(default_factory=dict)
    totals: dict[Hashable, int] = field(default_factory=dict)

    def advance(self, now_ms: int) -> None:
        cutoff = (now_ms - self.width_ms) // self.step_ms
        if self.cutoff is not None and cutoff <= self.cutoff:
            return
        self.cutoff = cutoff
        for index in [i for i in self.buckets if i < cutoff]:
            for key, amount in self.buckets.pop(index).items():
                _add(self.totals, key, -amount)

    def add(self, at_ms: int, key: Hashable, amount: int) -> None:
        index = at_ms // self.step_ms
        if self.cutoff is None or index < self.cutoff:
            return
        bucket = self.buckets.get(index)
        if bucket is None:
            bucket = self.buckets[index] = {}
        # _add, inlined twice: this runs for every contribution that changes, in every window
        value = bucket.get(key, 0) + amount
        if value:
            bucket[key] = value
        else:
            bucket.pop(key, None)
        totals = self.totals
        value = totals.get(key, 0) + amount
        if value:
            totals[key] = value
        else:
            totals.pop(key, None)


def _add(sums: dict[Hashable, int], key: Hashable, amount: int) -> None:
    value = sums.get(key, 0) + amount
    if value:
        sums[key] = value
    else:
        sums.pop(key, None)


class SlidingWindows:
    """A set of named windows fed with the same contributions."""

    def __init__(self, widths_ms: Mapping[str, int], steps: int = 240) -> None:
        self.windows = [
            Window(name, width, max(MIN_STEP_MS, width // steps))
            for name, width in widths_ms.items()
        ]
        self.largest_ms = max(widths_ms.values())

    def advance(self, now_ms: int) -> None:
        for window in self.windows:
            window.advance(now_ms)

    def add(self, at_ms: int, key: Hashable, amount: int) -> None:
        for window in self.windows:
            window.add(at_ms, key, amount)

    def totals(self) -> dict[str, dict[Hashable, int]]:
        return {w.name: w.totals for w in self.windows}
