"""Working-time arithmetic: nights, weekends, holidays, DST, pauses."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from streams.domain.sla.calendar import FOREVER, BusinessHours, Calendar, add_working_ms, working_ms

BERLIN = ZoneInfo("Europe/Berlin")
H, M = 3_600_000, 60_000
OFFICE = BusinessHours(name="office", timezone="Europe/Berlin",
                       weekly={d: ((time(8), time(18)),) for d in range(5)},
                       holidays=frozenset({date(2026, 12, 24), date(2026, 12, 25)}))


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
    sundays = BusinessHours(name="sun", timezone="Europe/Berlin",
                            weekly={6: ((time(0), time(0)),)})  # 00:00-24:00
    assert working_ms(sundays, at(2026, 3, 29, 0, 0), at(2026, 3, 30, 0, 0)) == 23 * H
    assert working_ms(sundays, at(2026, 10, 25, 0, 0), at(2026, 10, 26, 0, 0)) == 25 * H
    office_hours = working_ms(OFFICE, at(2026, 10, 23, 8, 0), at(2026, 10, 26, 18, 0))
    assert office_hours == 20 * H  # Friday and Monday, the weekend's extra hour is not work


def test_pauses_inside_business_hours_push_the_deadline() -> None:
    start = at(2026, 11, 17, 9, 0)
    pauses = [(at(2026, 11, 17, 10, 0), at(2026, 11, 17, 12, 0))]
    assert add_working_ms(OFFICE, start, 3 * H, pauses) == at(2026, 11, 17, 14, 0)
