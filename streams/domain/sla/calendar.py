"""Working time: 24/7, or business hours in a time zone with weekly hours and holidays.

All arithmetic is on epoch milliseconds; local wall-clock hours are turned into instants through
``zoneinfo``, so a business day across a DST change is as long as its local hours say.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Interval = tuple[int, int]  # [start, end) in epoch ms
FOREVER = 2**62


class Calendar:
    """Every instant counts (calendar time)."""

    name = "calendar"

    def open_intervals(self, start_ms: int) -> Iterator[Interval]:
        """Working intervals from ``start_ms`` on, in order (endless)."""
        yield start_ms, FOREVER


@dataclass(frozen=True, kw_only=True)
class BusinessHours(Calendar):
    """Weekly opening hours (local time) minus holidays."""

    name: str
    timezone: str
    weekly: dict[int, tuple[tuple[time, time], ...]]  # weekday (Mon=0) -> [(open, close)]
    holidays: frozenset[date] = field(default_factory=frozenset)
    # day -> that day's working intervals; time-zone maths once per day, not once per clock
    _days: dict[date, tuple[Interval, ...]] = field(default_factory=dict, compare=False,
                                                    repr=False)

    def __post_init__(self) -> None:
        if not any(self.weekly.values()):
            raise ValueError(f"schedule {self.name!r} has no working hours at all")

    def open_intervals(self, start_ms: int) -> Iterator[Interval]:
        zone = ZoneInfo(self.timezone)
        day = datetime.fromtimestamp(start_ms / 1000, zone).date()
        for _ in range(3660):  # ten years of days: a bound, not a limit anyone meets
            for begin, end in self._intervals_on(day, zone):
                if end > start_ms:
                    yield max(begin, start_ms), end
            day += timedelta(days=1)

    def _intervals_on(self, day: date, zone: ZoneInfo) -> tuple[Interval, ...]:
        cached = self._days.get(day)
        if cached is None:
            if len(self._days) > 20_000:
                self._days.clear()
            cached = () if day in self.holidays else tuple(
                (_instant_ms(day, opens, zone),
                 _instant_ms(day, closes, zone) if closes != time(0)
                 else _instant_ms(day + timedelta(days=1), time(0), zone))
                for opens, closes in self.weekly.get(day.weekday(), ()))
            self._days[day] = cached
        return cached


def _instant_ms(day: date, at: time, zone: ZoneInfo) -> int:
    """The instant a local wall-clock time names (fold=0; a skipped hour maps forward)."""
    return int(datetime.combine(day, at, tzinfo=zone).timestamp() * 1000)


def working_ms(calendar: Calendar, start_ms: int, end_ms: int,
               pauses: Sequence[Interval] = ()) -> int:
    """Working time between two instants, not counting paused intervals."""
    total = 0
    for begin, end in calendar.open_intervals(start_ms):
        if begin >= end_ms:
            break
        total += _minus_pauses(begin, min(end, end_ms), pauses)
    return total


def add_working_ms(calendar: Calendar, start_ms: int, amount_ms: int,
                   pauses: Sequence[Interval] = ()) -> int | None:
    """The instant at which ``amount_ms`` of working time has passed since ``start_ms``.

    ``pauses`` are intervals that do not count; an open pause (end ``FOREVER``) that the
    amount runs into means there is no such instant yet: None.
    """
    return add_working_many(calendar, start_ms, (amount_ms,), pauses)[0]


def add_working_many(calendar: Calendar, start_ms: int, amounts: Sequence[int],
                     pauses: Sequence[Interval] = ()) -> list[int | None]:
    """``add_working_ms`` for ascending amounts in one walk over the calendar."""
    results: list[int | None] = [None] * len(amounts)
    if not pauses and type(calendar) is Calendar:  # the common case: plain addition
        return [start_ms + amount for amount in amounts]
    paused_from = min((b for b, e in pauses if e >= FOREVER), default=FOREVER)
    done, index = 0, 0
    for begin, end in calendar.open_intervals(start_ms):
        if begin >= paused_from:
            return results
        for run_begin, run_end in _running_parts(begin, end, pauses):
            while amounts[index] - done <= run_end - run_begin:
                results[index] = run_begin + amounts[index] - done
                index += 1
                if index == len(amounts):
                    return results
            done += run_end - run_begin
    return results


def _running_parts(begin: int, end: int, pauses: Sequence[Interval]) -> Iterator[Interval]:
    cursor = begin
    for p_begin, p_end in pauses:  # sorted, non-overlapping
        if p_end <= cursor or p_begin >= end:
            continue
        if p_begin > cursor:
            yield cursor, p_begin
        cursor = max(cursor, p_end)
        if cursor >= end:
            return
    if cursor < end:
        yield cursor, end


def _minus_pauses(begin: int, end: int, pauses: Sequence[Interval]) -> int:
    return sum(e - b for b, e in _running_parts(begin, end, pauses))

