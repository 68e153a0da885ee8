"""A policy file's ``schedules`` entry: time zone, weekly hours and holidays, validated."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from streams.domain.sla.calendar import BusinessHours

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ScheduleError(ValueError):
    """An invalid schedule; the message names the key, e.g. schedules.office.hours."""


def parse_schedule(name: str, spec: Any) -> BusinessHours:
    where = f"schedules.{name}"
    if not isinstance(spec, dict):
        raise ScheduleError(f"{where}: expected a mapping with timezone and hours")
    unknown = set(spec) - {"timezone", "hours", "holidays"}
    if unknown:
        raise ScheduleError(f"{where}: unknown keys {sorted(unknown)}")
    zone = spec.get("timezone")
    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"{where}.timezone: unknown time zone {zone!r}") from None
    weekly: dict[int, list[tuple[time, time]]] = {}
    for days, ranges in (spec.get("hours") or {}).items():
        for day in _days(days, f"{where}.hours"):
            for text in ranges:
                weekly.setdefault(day, []).append(_range(text, f"{where}.hours.{days}"))
    holidays = set()
    for value in spec.get("holidays") or []:
        try:
            holidays.add(value if isinstance(value, date) else date.fromisoformat(str(value)))
        except ValueError:
            raise ScheduleError(f"{where}.holidays: {value!r} is not a YYYY-MM-DD date") from None
    try:
        return BusinessHours(
            name=name,
            timezone=str(zone),
            weekly={d: tuple(sorted(r)) for d, r in weekly.items()},
            holidays=frozenset(holidays),
        )
    except ValueError as exc:
        raise ScheduleError(f"{where}: {exc}") from None


def _days(text: str, where: str) -> list[int]:
    parts = str(text).lower().split("-")
    if not all(p in DAYS for p in parts) or len(parts) > 2:
        raise ScheduleError(f"{where}: {text!r} is not a day or range like mon-fri")
    first, last = DAYS.index(parts[0]), DAYS.index(parts[-1])
    return list(range(first, last + 1))


def _range(text: str, where: str) -> tuple[time, time]:
    match = re.fullmatch(r"(\d\d):(\d\d)-(\d\d):(\d\d)", str(text))
    if not match:
        raise ScheduleError(f"{where}: {text!r} is not a range like 09:00-17:00")
    h1, m1, h2, m2 = map(int, match.groups())
    opens = time(h1, m1)
    closes = time(0) if (h2, m2) == (24, 0) else time(h2, m2)
    if closes != time(0) and closes <= opens:
        raise ScheduleError(f"{where}: {text!r} closes before it opens")
    return opens, closes
