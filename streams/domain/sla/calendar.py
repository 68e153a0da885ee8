"""Working time: 24/7, or business hours in a time zone with weekly hours and holidays.

All arithmetic is on epoch milliseconds; local wall-clock hours are turned into instants through
``zoneinfo``, so a business day across a DST change is as long as its local hours say.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
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
    # the working intervals of a span of days, flat and sorted: every SLA clock of every event
    # walks it, so a lookup is a bisect, and the time-zone maths runs once per day, not per walk
    _timeline: _Timeline = field(default_factory=lambda: _Timeline(), compare=False, repr=False)
    _memo: dict[tuple[int, tuple[int, ...], tuple[Interval, ...]], tuple[int | None, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )  # see add_working_many

    def __post_init__(self) -> None:
        if not any(self.weekly.values()):
            raise ValueError(f"schedule {self.name!r} has no working hours at all")

    def open_intervals(self, start_ms: int) -> Iterator[Interval]:
        line = self._timeline
        if not line.covers(start_ms) and not self._cover(start_ms):
            yield from self._walk_days(start_ms)  # years away from every other clock
            return
        begins, ends = line.begins, line.ends
        index = bisect_right(ends, start_ms)
        horizon = start_ms + WALK_LIMIT_DAYS * DAY_MS
        cursor = start_ms  # everything up to here has been yielded
        while True:
            if index == len(ends):
                self._extend(line.last + timedelta(days=1), EXTEND_DAYS)
                # re-read: the lists may have been replaced while this walk was suspended
                begins, ends = line.begins, line.ends
                index = bisect_right(ends, cursor)
                continue
            begin = begins[index]
            if begin > horizon:
                return
            cursor = ends[index]
            yield max(begin, start_ms), cursor
            index += 1

    def _cover(self, start_ms: int) -> bool:
        """Extend the timeline to the day of ``start_ms`` if that is near it; else False."""
        line = self._timeline
        day = datetime.fromtimestamp(start_ms / 1000, ZoneInfo(self.timezone)).date()
        if not line.days:
            self._extend(day - timedelta(days=1), EXTEND_DAYS)
        elif line.last < day <= line.last + timedelta(days=MAX_GAP_DAYS):
            self._extend(line.last + timedelta(days=1), (day - line.last).days + EXTEND_DAYS)
        elif line.first - timedelta(days=MAX_GAP_DAYS) <= day < line.first:
            self._prepend(day - timedelta(days=1))
        else:
            return False
        return True

    def working_between(self, start_ms: int, end_ms: int) -> int | None:
        """Working time in [start, end) from the timeline's running totals, in two bisects;
        None when the timeline cannot reach both instants (then walk)."""
        line = self._timeline
        for at_ms in (start_ms, end_ms):
            if not line.covers(at_ms) and not self._cover(at_ms):
                return None
        return self._worked_until(end_ms) - self._worked_until(start_ms)

    def add_working_on_timeline(
        self, start_ms: int, amounts: Sequence[int]
    ) -> tuple[int | None, ...] | None:
        """``add_working_many`` without pauses, from the timeline's running totals: a bisect per
        amount instead of a walk over the intervals. None when the timeline cannot reach
        ``start_ms`` or an answer within the walk's horizon (then walk)."""
        line = self._timeline
        if not line.covers(start_ms) and not self._cover(start_ms):
            return None
        first = bisect_right(line.ends, start_ms)  # the first interval that ends after start
        goal_base = self._worked_until(start_ms)
        horizon = start_ms + WALK_LIMIT_DAYS * DAY_MS
        results: list[int | None] = []
        for amount in amounts:
            goal = goal_base + amount
            while not line.worked or line.worked[-1] < goal:
                if line.hi_ms > horizon:
                    return None  # years of working time: the walk decides where it stops
                self._extend(line.last + timedelta(days=1), EXTEND_DAYS)
            index = bisect_left(line.worked, goal, first)
            results.append(line.ends[index] - (line.worked[index] - goal))
        return tuple(results)

    def _worked_until(self, at_ms: int) -> int:
        line = self._timeline
        index = bisect_right(line.ends, at_ms)  # intervals over by then
        done = line.worked[index - 1] if index else 0
        if index < len(line.begins) and line.begins[index] < at_ms:
            done += at_ms - line.begins[index]  # inside an interval
        return done

    def _extend(self, first: date, days: int) -> None:
        """Append ``days`` days from ``first`` on (the day after ``last``, or a new timeline)."""
        line, zone = self._timeline, ZoneInfo(self.timezone)
        if not line.days:
            line.first, line.lo_ms = first, _instant_ms(first, time(0), zone)
        for offset in range(days):
            for begin, end in self._intervals_on(first + timedelta(days=offset), zone):
                line.begins.append(begin)
                line.ends.append(end)
                line.worked.append((line.worked[-1] if line.worked else 0) + end - begin)
        line.days += days
        line.last = first + timedelta(days=days - 1)
        line.hi_ms = _instant_ms(line.last + timedelta(days=1), time(0), zone)

    def _prepend(self, first: date) -> None:
        """Start the timeline earlier, in new lists."""
        line = self._timeline
        begins, ends, days, last, hi_ms = line.begins, line.ends, line.days, line.last, line.hi_ms
        worked = line.worked
        line.begins, line.ends, line.worked, line.days = [], [], [], 0
        self._extend(first, (line.first - first).days)
        before = line.worked[-1] if line.worked else 0
        line.begins += begins
        line.ends += ends
        line.worked += [before + w for w in worked]
        line.days += days
        line.last, line.hi_ms = last, hi_ms

    def _walk_days(self, start_ms: int) -> Iterator[Interval]:
        zone = ZoneInfo(self.timezone)
        day = datetime.fromtimestamp(start_ms / 1000, zone).date()
        for _ in range(WALK_LIMIT_DAYS):
            for begin, end in self._intervals_on(day, zone):
                if end > start_ms:
                    yield max(begin, start_ms), end
            day += timedelta(days=1)

    def _intervals_on(self, day: date, zone: ZoneInfo) -> tuple[Interval, ...]:
        if day in self.holidays:
            return ()
        return tuple(
            (
                _instant_ms(day, opens, zone),
                _instant_ms(day, closes, zone)
                if closes != time(0)
                else _instant_ms(day + timedelta(days=1), time(0), zone),
            )
            for opens, closes in self.weekly.get(day.weekday(), ())
        )


DAY_MS = 86_400_000
WALK_LIMIT_DAYS = 3660  # ten years of days: a bound on one walk, not a limit anyone meets
EXTEND_DAYS = 64  # days added to a timeline at a time
MAX_GAP_DAYS = 800  # farther from the timeline than this, a walk goes day by day (kept small)


@dataclass
class _Timeline:
    """Working intervals of the consecutive days ``first``..``last``, in two sorted lists."""

    begins: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    worked: list[int] = field(default_factory=list)  # working ms up to each interval's end
    days: int = 0
    first: date = date.min
    last: date = date.min
    lo_ms: int = 0  # local midnight starting ``first``
    hi_ms: int = 0  # local midnight ending ``last``

    def covers(self, at_ms: int) -> bool:
        return self.lo_ms <= at_ms < self.hi_ms


def _instant_ms(day: date, at: time, zone: ZoneInfo) -> int:
    """The instant a local wall-clock time names (fold=0; a skipped hour maps forward)."""
    return int(datetime.combine(day, at, tzinfo=zone).timestamp() * 1000)


def working_ms(
    calendar: Calendar, start_ms: int, end_ms: int, pauses: Sequence[Interval] = ()
) -> int:
    """Working time between two instants, not counting paused intervals."""
    if not pauses and start_ms < end_ms:
        if type(calendar) is Calendar:
            return end_ms - start_ms
        if isinstance(calendar, BusinessHours):
            found = calendar.working_between(start_ms, end_ms)
            if found is not None:
                return found
    total = 0
    for begin, end in calendar.open_intervals(start_ms):
        if begin >= end_ms:
            break
        total += _minus_pauses(begin, min(end, end_ms), pauses)
    return total


def add_working_ms(
    calendar: Calendar, start_ms: int, amount_ms: int, pauses: Sequence[Interval] = ()
) -> int | None:
    """The instant at which ``amount_ms`` of working time has passed since ``start_ms``.

    ``pauses`` are intervals that do not count; an open pause (end ``FOREVER``) that the
    amount runs into means there is no such instant yet: None.
    """
    return add_working_many(calendar, start_ms, (amount_ms,), pauses)[0]


def add_working_many(
    calendar: Calendar, start_ms: int, amounts: Sequence[int], pauses: Sequence[Interval] = ()
) -> tuple[int | None, ...]:
    """``add_working_ms`` for ascending amounts in one walk over the calendar."""
    if type(calendar) is Calendar:
        if not pauses:  # the common case: plain addition
            return tuple(start_ms + amount for amount in amounts)
        return _walk(calendar, start_ms, amounts, pauses)
    if not isinstance(calendar, BusinessHours):
        return _walk(calendar, start_ms, amounts, pauses)
    # a ticket's clocks are derived again at each of its events, mostly from the same inputs
    key = (start_ms, tuple(amounts), tuple(pauses))
    memo = calendar._memo
    found = memo.get(key)
    if found is None:
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        found = None if pauses else calendar.add_working_on_timeline(start_ms, amounts)
        if found is None:
            found = _walk(calendar, start_ms, amounts, pauses)
        memo[key] = found
    return found


MEMO_SIZE = 32_768  # walks remembered per schedule: ~6 MB at most


def _walk(
    calendar: Calendar, start_ms: int, amounts: Sequence[int], pauses: Sequence[Interval]
) -> tuple[int | None, ...]:
    results: list[int | None] = [None] * len(amounts)
    paused_from = FOREVER  # an open pause stops the walk
    for begin, end in pauses:
        if end >= FOREVER and begin < paused_from:
            paused_from = begin
    done, index, last = 0, 0, len(amounts) - 1
    for begin, end in calendar.open_intervals(start_ms):
        if begin >= paused_from:
            break
        parts = _running_parts(begin, end, pauses) if pauses else ((begin, end),)
        for run_begin, run_end in parts:
            span = run_end - run_begin
            while amounts[index] - done <= span:
                results[index] = run_begin + amounts[index] - done
                if index == last:
                    return tuple(results)
                index += 1
            done += span
    return tuple(results)


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
