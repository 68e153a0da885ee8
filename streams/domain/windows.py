"""Sliding event-time windows that end at the processor's clock.

Each window keeps bucketed sums (bucket width = width / steps, at least one minute) and a running
total, so reading a window costs nothing per event and advancing it subtracts whole buckets. A
window therefore covers ``(now - width - one bucket, now]`` at most and ``(now - width, now]`` at
least: its edge moves in steps of one bucket.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

from streams.domain.series import Contribution

MIN_STEP_MS = 60_000
PENDING_MAX = 50_000  # additions buffered at most (loading a partition calls no advance)


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
    """A set of named windows fed with the same contributions.

    Additions wait in one buffer, summed per series and time slot, until the windows are
    advanced or read (or the buffer is full): a batch of events changes the same series at the
    same minute many times, and each change would otherwise be made in every window. A slot is
    the greatest common divisor of the windows' steps, so it lies inside one bucket of each.
    """

    def __init__(self, widths_ms: Mapping[str, int], steps: int = 240) -> None:
        self.windows = [
            Window(name, width, max(MIN_STEP_MS, width // steps))
            for name, width in widths_ms.items()
        ]
        self.largest_ms = max(widths_ms.values())
        self._slot_ms = math.gcd(*(w.step_ms for w in self.windows))
        self._pending: dict[tuple[int, Hashable], int] = {}

    def advance(self, now_ms: int) -> None:
        self.flush()
        for window in self.windows:
            window.advance(now_ms)

    def add(self, at_ms: int, key: Hashable, amount: int) -> None:
        pending = self._pending
        slot = (at_ms // self._slot_ms, key)
        pending[slot] = pending.get(slot, 0) + amount
        if len(pending) >= PENDING_MAX:
            self.flush()

    def flush(self) -> None:
        """Make every addition so far part of the windows."""
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        slot_ms, windows = self._slot_ms, self.windows
        for (slot, key), amount in pending.items():
            if amount:
                at_ms = slot * slot_ms
                for window in windows:
                    window.add(at_ms, key, amount)

    def totals(self) -> dict[str, dict[Hashable, int]]:
        self.flush()
        return {w.name: w.totals for w in self.windows}

    # -- snapshots (``snapshot``): the live dicts, so only to copy or encode at once ----------
    def export(self) -> list[WindowData]:
        """Each window's step, cutoff, buckets and totals, every addition included."""
        self.flush()
        return [(w.name, w.step_ms, w.cutoff, w.buckets, w.totals) for w in self.windows]

    def restore(self, saved: list[WindowData]) -> None:
        """Take the sums ``export`` gave, by window; a snapshot of other windows is refused."""
        if [(name, step) for name, step, *_ in saved] != [
            (w.name, w.step_ms) for w in self.windows
        ]:
            raise ValueError("the snapshot's windows are not these windows")
        self._pending = {}
        for window, (_, _, cutoff, buckets, totals) in zip(self.windows, saved, strict=True):
            window.cutoff, window.buckets, window.totals = cutoff, buckets, totals


#: (name, step_ms, cutoff, buckets, totals) of one window, as a snapshot keeps it
WindowData = tuple[str, int, int | None, dict[int, dict[Hashable, int]], dict[Hashable, int]]


def diff_into(
    windows: SlidingWindows, before: list[Contribution] | None, after: list[Contribution]
) -> None:
    """Move ``windows`` from what a record contributed to what it contributes now.

    A function, not a method: the customers' state holds it (``partial``), and a bound method
    would tie the partition state into a reference cycle that only the cyclic collector frees.
    """
    add = windows.add
    if before:
        # contributions come in a stable order and an event changes few of them: skip the
        # common prefix and suffix; what is left is taken out and put in, and the windows'
        # buffer sums both sides per series and time slot, so what is on both cancels
        same, end = 0, min(len(before), len(after))
        while same < end and before[same] == after[same]:
            same += 1
        b, a = len(before), len(after)
        while b > same and a > same and before[b - 1] == after[a - 1]:
            b, a = b - 1, a - 1
        for index in range(same, b):
            at_ms, key, amount = before[index]
            add(at_ms, key, -amount)
        after = after[same:a]
    for at_ms, key, amount in after:
        add(at_ms, key, amount)
