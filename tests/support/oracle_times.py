"""The oracle's time definitions: business hours, full resolution, time in status.

Written from docs/metrics.md ("Time definitions"), importing nothing from ``streams``: the SLA
policy is read as the YAML document it is, and working time is counted day by day in the
schedule's time zone, which is slow and obviously right.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def policy_entry(ticket: dict, policy: dict) -> dict | None:
    """The first entry of the policy document's ``policies`` that matches the ticket now."""
    values = {
        "channel": ticket["channel"],
        "team": ticket["team_name"],
        "category": ticket["category_name"],
    }
    for entry in policy["policies"]:
        match = entry.get("match") or {}
        if all(
            (values[field] or "").lower()
            in {v.lower() for v in ([allowed] if isinstance(allowed, str) else allowed)}
            for field, allowed in match.items()
        ):
            return entry
    return None


def schedule_of(ticket: dict, policy: dict | None, default: str | None) -> dict | None:
    """The schedule of the first policy that matches the ticket, else the default one."""
    if policy is None:
        return None
    entry = policy_entry(ticket, policy)
    name = (entry.get("schedule") if entry else None) or default
    return policy["schedules"][name] if name else None


def working_ms(schedule: dict, start_ms: int, end_ms: int) -> int:
    """Working time of ``schedule`` between two instants, one local day at a time."""
    zone = ZoneInfo(schedule["timezone"])
    holidays = {date.fromisoformat(str(h)) for h in schedule.get("holidays") or []}
    hours: dict[int, list[tuple[time, time]]] = {}
    for days, ranges in schedule["hours"].items():
        first, _, last = days.partition("-")
        for weekday in range(DAYS.index(first), DAYS.index(last or first) + 1):
            for text in ranges:
                opens, closes = text.split("-")
                hours.setdefault(weekday, []).append((_clock(opens), _clock(closes)))
    total = 0
    day = datetime.fromtimestamp(start_ms / 1000, zone).date() - timedelta(days=1)
    last_day = datetime.fromtimestamp(end_ms / 1000, zone).date() + timedelta(days=1)
    while day <= last_day:
        if day not in holidays:
            for opens, closes in hours.get(day.weekday(), []):
                begin = _at(day, opens, zone)
                end = _at(day + timedelta(days=1), time(0), zone) if closes == time(0) else None
                end = end if end is not None else _at(day, closes, zone)
                total += max(0, min(end, end_ms) - max(begin, start_ms))
        day += timedelta(days=1)
    return total


def _clock(text: str) -> time:
    return time(0) if text == "24:00" else time.fromisoformat(text)


def _at(day: date, at: time, zone: ZoneInfo) -> int:
    return int(datetime.combine(day, at, tzinfo=zone).timestamp() * 1000)


def final_resolution(ticket: dict) -> int | None:
    """The resolution that left the ticket resolved: the first at or after the last reopen."""
    if ticket["open"]:
        return None
    last_reopen = max(ticket["reopens"], default=None)
    kept = sorted(r for r in ticket["resolutions"] if last_reopen is None or r >= last_reopen)
    return kept[0]


def resolved_gaps(ticket: dict) -> list[tuple[int, int]]:
    """From each resolution to the reopen after it: the ticket was resolved in between."""
    gaps: list[tuple[int, int]] = []
    since = None
    for at, is_resolution in sorted(
        [(r, 1) for r in ticket["resolutions"]] + [(o, 0) for o in ticket["reopens"]]
    ):
        if is_resolution and since is None:
            since = at
        elif not is_resolution and since is not None:
            gaps.append((since, at))
            since = None
    return gaps


def time_in_status(ticket: dict, end_ms: int) -> dict[str, int]:
    """Milliseconds in each status from the creation to ``end_ms``, minus the stretches from a
    resolution to the reopen after it; the status at an instant is the latest given by then."""
    created = ticket["created"]
    if end_ms <= created:  # clock skew: no time at all
        return {}
    resolved = resolved_gaps(ticket)
    changes = sorted(ticket["statuses"])
    spent: dict[str, int] = {}
    cuts = sorted({created, end_ms, *(at for at, _ in changes if created < at < end_ms)})
    for begin, end in itertools.pairwise(cuts):
        given = [status for at, status in changes if at <= begin]
        status = given[-1] if given else "open"
        outside = (end - begin) - sum(max(0, min(end, b) - max(begin, a)) for a, b in resolved)
        spent[status] = spent.get(status, 0) + outside
    return spent


def observe_times(
    ticket: dict,
    inside: Callable[[int], bool],
    dims: dict[str, str],
    observe: Callable[[str, dict[str, str], float], None],
) -> None:
    """The business-hours, full-resolution and time-in-status observations in one window."""
    created, schedule = ticket["created"], ticket["schedule"]
    replies = sorted(ticket["replies"])
    if schedule is not None:
        if replies and inside(replies[0]):
            spent = working_ms(schedule, created, replies[0])
            observe("support_first_response_business_seconds", dims, spent / 1000)
        if ticket["resolved"] is not None and inside(ticket["resolved"]):
            spent = working_ms(schedule, created, ticket["resolved"])
            observe("support_resolution_business_seconds", dims, spent / 1000)
    final = final_resolution(ticket)
    if final is not None and inside(final):
        observe("support_full_resolution_seconds", dims, max(0, final - created) / 1000)
        spent = time_in_status(ticket, final)
        observe("support_requester_wait_seconds", dims, spent.get("open", 0) / 1000)
        observe("support_on_hold_seconds", dims, spent.get("on_hold", 0) / 1000)
