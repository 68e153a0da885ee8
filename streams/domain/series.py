"""The windowed series a contribution adds to, and a memo that builds each series once.

Evaluating a record runs for every event. Building a ``Series`` costs about as much as the rest
of a contribution, while the series a record needs repeat across records (label values are
bounded by ``LabelPolicy`` and ``TeamLabels``): so each one is built on first use and reused.
The memo grows with the label combinations seen, never with tickets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, NamedTuple, TypeVar

T = TypeVar("T")

#: ``Series.bucket`` of a series' plain sum: a count, or a duration histogram's milliseconds
SUM = -1


class Series(NamedTuple):
    """One windowed sum. Its ``kpi`` is a plain ``str``: series are hashed for every event."""

    kpi: str
    labels: tuple[str, ...]  # values, in the order the KPI table names them
    bucket: int = SUM  # a duration histogram's bucket index (``len(buckets)``: +Inf), or SUM


#: (at_ms, series, amount): the event time that decides it, the sum it adds to, how much. A
#: plain tuple, not a NamedTuple: each evaluation builds one per KPI a ticket contributes to, and
#: a plain tuple is built without a call (the compiled core spent ~10% of its time in them)
Contribution = tuple[int, Series, int]


class Sums(dict[str, Series]):
    """The plain-sum series of one label tuple, by KPI id."""

    __slots__ = ("labels",)

    def __init__(self, labels: tuple[str, ...]) -> None:
        super().__init__()
        self.labels = labels

    def __missing__(self, kpi: str) -> Series:
        series = self[kpi] = Series(kpi, self.labels)
        return series


class Buckets(dict[str, tuple[Series, ...]]):
    """The bucket series of one label tuple, by KPI id; index ``i`` is bucket ``i``."""

    __slots__ = ("count", "labels")

    def __init__(self, labels: tuple[str, ...], count: int) -> None:
        super().__init__()
        self.labels, self.count = labels, count

    def __missing__(self, kpi: str) -> tuple[Series, ...]:
        buckets = self[kpi] = tuple(Series(kpi, self.labels, i) for i in range(self.count))
        return buckets


class _ByLabels(dict[tuple[str, ...], T], Generic[T]):
    """Per label tuple, what ``make`` builds for it."""

    __slots__ = ("_make",)

    def __init__(self, make: Callable[[tuple[str, ...]], T]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, labels: tuple[str, ...]) -> T:
        made = self[labels] = self._make(labels)
        return made


class SeriesMemo:
    """``sums[labels][kpi]`` and ``buckets[labels][kpi][index]``: plain dict look-ups."""

    __slots__ = ("buckets", "sums")

    def __init__(self, bucket_count: int) -> None:
        self.sums: _ByLabels[Sums] = _ByLabels(Sums)
        self.buckets: _ByLabels[Buckets] = _ByLabels(lambda labels: Buckets(labels, bucket_count))


#: adds a duration observation: (out, at_ms, kpi, sums, buckets, duration_ms)
Observe = Callable[[list[Contribution], int, str, Sums, Buckets, int], None]
