"""Working-time arithmetic: nights, weekends, holidays, DST, pauses."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from streams.domain.sla.calendar import FOREVER, BusinessHours, Calendar, add_working_ms, working_ms
from tests.support.builders import H, M

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = BusinessHours(
    name="office",
    timezone="Europe/Berlin",
    weekly={d: ((time(8), time(18)),) for d in range(5)},
    holidays=frozenset({date(2026, 12, 24), date(2026, 12, 25)}),
)


def at(*args: int) -> int:
    return int(datetime(*args, tzinfo=BERLIN).timestamp() * 1000)  # type: ignore[misc]


def test_calendar_time_is_plain_addition_and_pauses_shift_the_deadline() -> None:
    assert add_working_ms(Calendar(), 1000, 5000) == 6000
    assert add_working_ms(Calendar(), 0, 10 * M, [(2 * M, 5 * M)]) == 13 * M
    assert add_working_ms(Calendar(), 0, 10 * M, [(2 * M, FOREVER)]) is None  # paused now


def test_a_friday_evening_ticket_is_due_on_monday_morning() -> None:
    friday_1730 = at(2026, 11, 20, 17, 30)
    assert add_working_ms(OFFICE, friday_1730, H) == at(2026, 11, 23, 8, 30)
    assert working_ms(OFFICE, friday_1730, at(2026, 11, 23, 8, 30)) == H


def test_a_night_does_not_count() -> None:
    assert add_working_ms(OFFICE, at(2026, 11, 17, 16, 0), 4 * H) == at(2026, 11, 18, 10, 0)
    assert add_working_ms(OFFICE, at(2026, 11, 17, 22, 0), 1 * H) == at(2026, 11, 18, 9, 0)


def test_holidays_are_skipped() -> None:
    wednesday_1700 = at(2026, 12, 23, 17, 0)  # Thu 24 and Fri 25 are holidays, then a weekend
    assert add_working_ms(OFFICE, wednesday_1700, 2 * H) == at(2026, 12, 28, 9, 0)


def test_dst_days_have_their_real_length() -> None:
    sundays = BusinessHours(
        name="sun", timezone="Europe/Berlin", weekly={6: ((time(0), time(0)),)}
    )  # 00:00-24:00
    assert working_ms(sundays, at(2026, 3, 29, 0, 0), at(2026, 3, 30, 0, 0)) == 23 * H
    assert working_ms(sundays, at(2026, 10, 25, 0, 0), at(2026, 10, 26, 0, 0)) == 25 * H
    office_hours = working_ms(OFFICE, at(2026, 10, 23, 8, 0), at(2026, 10, 26, 18, 0))
    assert office_hours == 20 * H  # Friday and Monday, the weekend's extra hour is not work


def test_pauses_inside_business_hours_push_the_deadline() -> None:
    start = at(2026, 11, 17, 9, 0)
    pauses = [(at(2026, 11, 17, 10, 0), at(2026, 11, 17, 12, 0))]
    assert add_working_ms(OFFICE, start, 3 * H, pauses) == at(2026, 11, 17, 14, 0)


def _reference_add(hours: BusinessHours, start_ms: int, amount_ms: int) -> int:
    """Day by day with datetime, independent of the timeline and the memo."""
    day = datetime.fromtimestamp(start_ms / 1000, BERLIN).date()
    left = amount_ms
    while True:
        if day not in hours.holidays:
            for opens, closes in hours.weekly.get(day.weekday(), ()):
                begin = max(start_ms, int(datetime.combine(day, opens, BERLIN).timestamp() * 1000))
                end = int(datetime.combine(day, closes, BERLIN).timestamp() * 1000)
                if end > begin:
                    if end - begin >= left:
                        return begin + left
                    left -= end - begin
        day = date.fromordinal(day.toordinal() + 1)


def test_walks_in_any_order_agree_with_a_day_by_day_reference() -> None:
    """Starts far apart and out of order make the cached timeline grow at both ends and fall
    back to day-by-day walks; asking twice exercises the memo."""
    import random

    rng = random.Random(7)
    hours = BusinessHours(
        name="office",
        timezone="Europe/Berlin",
        weekly={d: ((time(8), time(12)), (time(13), time(18))) for d in range(5)},
        holidays=frozenset({date(2026, 12, 24), date(2027, 4, 2)}),
    )
    base = at(2026, 11, 1, 0, 0)
    starts = [
        base + rng.randrange(-900, 900) * 86_400_000 + rng.randrange(86_400_000) for _ in range(150)
    ] + [at(1990, 1, 1, 9, 0), at(2060, 6, 1, 9, 0)]
    for start in starts + starts[:20]:
        amount = rng.choice([15 * M, H, 8 * H, 48 * H, 120 * H])
        assert add_working_ms(hours, start, amount) == _reference_add(hours, start, amount), start


def test_a_walk_past_the_end_of_the_cached_days_goes_on_seamlessly() -> None:
    hours = BusinessHours(name="office", timezone="Europe/Berlin", weekly=OFFICE.weekly)
    first = at(2026, 11, 2, 9, 0)
    assert add_working_ms(hours, first, H) == _reference_add(hours, first, H)
    for days in range(55, 75):  # the cache ends about two months after its first walk
        start = first + days * 86_400_000
        assert add_working_ms(hours, start, 120 * H) == _reference_add(hours, start, 120 * H)


def test_working_time_from_running_totals_equals_the_walk_anywhere() -> None:
    """Spans inside, across and beyond the cached timeline, which grows at both ends as they
    come; each equals the walk over the intervals (``add_working_ms``'s inverse)."""
    import itertools
    import random

    rng = random.Random(11)
    hours = BusinessHours(
        name="office",
        timezone="Europe/Berlin",
        weekly={d: ((time(8), time(12)), (time(13), time(18))) for d in range(5)}
        | {6: ((time(0), time(0)),)},  # Sundays whole: 23 and 25 hours at the DST changes
        holidays=frozenset({date(2026, 12, 24), date(2027, 4, 2)}),
    )
    base = at(2026, 10, 20, 0, 0)
    for _ in range(400):
        start = base + rng.randrange(-700, 700) * 86_400_000 + rng.randrange(86_400_000)
        end = start + rng.choice([M, 7 * H, 3 * 86_400_000, 40 * 86_400_000, 900 * 86_400_000])
        spans = itertools.takewhile(
            lambda span, end=end: span[0] < end, hours.open_intervals(start)
        )
        walked = sum(min(e, end) - b for b, e in spans)
        assert working_ms(hours, start, end) == walked, (start, end)
    assert working_ms(hours, at(2026, 10, 25, 0, 0), at(2026, 10, 26, 0, 0)) == 25 * H


def test_deadlines_from_running_totals_equal_the_walk_anywhere() -> None:
    """A deadline without pauses comes from the timeline's running totals (a bisect); at any
    start (in hours, at an interval's edge, at night, on a holiday, across DST, past the cached
    days) and for any amount (zero too) it is the instant the interval walk finds."""
    import random

    from streams.domain.sla.calendar import _walk

    rng = random.Random(5)
    hours = BusinessHours(
        name="office",
        timezone="Europe/Berlin",
        weekly={d: ((time(8), time(12)), (time(13), time(18))) for d in range(5)}
        | {6: ((time(0), time(0)),)},
        holidays=frozenset({date(2026, 12, 24), date(2027, 4, 2)}),
    )
    base = at(2026, 10, 20, 0, 0)
    edges = [at(2026, 10, 26, 12, 0), at(2026, 10, 26, 13, 0), at(2026, 10, 25, 0, 0)]
    starts = edges + [
        base + rng.randrange(-700, 700) * 86_400_000 + rng.randrange(86_400_000) for _ in range(300)
    ]
    for start in starts:
        amounts = tuple(sorted(rng.choice([0, M, H, 8 * H, 48 * H, 900 * H]) for _ in range(2)))
        found = hours.add_working_on_timeline(start, amounts)
        assert found is not None
        assert found == _walk(hours, start, amounts, ()), (start, amounts)
