"""The oracle's decided SLA clocks: every clock that ended, or whose deadline passed, by a
given instant, met or breached, from the raw events.

Written from docs/metrics.md ("SLA families"), importing nothing from ``streams``. As in
``oracle_sla``, no deadline is computed: a clock stopped at ``s`` met its target when its
working time outside pauses had not reached the target just before ``s``, and a clock still
running has breached once its working time by now has reached it. The target is that of the
priority in force at the stop.
"""

from __future__ import annotations

from collections import Counter

from tests.support import oracle_times as times
from tests.support.oracle import known_tickets
from tests.support.oracle_sla import _elapsed, clock_terms


def decided_counts(
    events: list[tuple[str, dict]], now_ms: int, policy: dict, schedule: str | None = None
) -> Counter:
    """Decided clocks by (sla, priority, outcome) at ``now_ms``."""
    return Counter(
        (sla, p, outcome) for _, sla, p, outcome in decided(events, now_ms, policy, schedule)
    )


def decided(
    events: list[tuple[str, dict]], now_ms: int, policy: dict, schedule: str | None = None
) -> list[tuple[str, str, str, str]]:
    """(ticket id, sla, priority, met|breached) of every decided clock at ``now_ms``."""
    out = []
    for ticket_id, ticket in known_tickets(events, now_ms, policy, schedule).items():
        entry = times.policy_entry(ticket, policy)
        if entry is None:
            continue
        for sla, start, stop, ends_without_outcome in _clocks(ticket):
            priority = _priority_at(ticket, stop)
            terms = clock_terms(ticket, entry, policy, sla, priority)
            if terms is None:
                continue
            target, hours, pausing, gaps = terms

            def reached(at: int) -> bool:
                return _elapsed(ticket, start, at, hours, pausing, gaps) >= target  # noqa: B023

            if stop is None:  # still running: breached once its deadline has come
                outcome = "breached" if reached(now_ms) else None
            elif reached(stop - 1):  # the deadline came before the stop
                outcome = "breached"
            else:
                outcome = None if ends_without_outcome else "met"
            if outcome is not None:
                out.append((ticket_id, sla, priority, outcome))
    return out


def _priority_at(ticket: dict, at: int | None) -> str:
    """The priority whose target applies: the one in force when the clock stopped (the
    current one while it runs), as the docs say."""
    if at is None:
        return str(ticket["priority"])
    changes = sorted(c for c in ticket["escalations"] if ticket["created"] < c[0] <= at)
    return str(changes[-1][1]) if changes else str(ticket["created_priority"])


def _clocks(ticket: dict) -> list[tuple[str, int, int | None, bool]]:
    """(sla, start, stop or None while running, whether the stop decides nothing) per clock,
    per the docs' table."""
    replies = sorted(ticket["replies"])
    clocks: list[tuple[str, int, int | None, bool]] = [
        ("first_response", ticket["created"], replies[0] if replies else None, False)
    ]
    for k, reply in enumerate(replies):  # next reply: the messages after a reply (a tie: after)
        after = replies[k + 1] if k + 1 < len(replies) else None
        waiting = [c for c in ticket["customer"] if c >= reply and (after is None or c < after)]
        if waiting:
            clocks.append(("next_reply", min(waiting), after, False))
    final = max(ticket["resolutions"]) if not ticket["open"] else None
    clocks.append(("resolution", ticket["created"], final, False))
    clocks += _update_cycles(ticket, replies)
    return clocks


def _update_cycles(ticket: dict, replies: list[int]) -> list[tuple[str, int, int | None, bool]]:
    """Periodic update: a cycle from each reply made while open to the next reply; a
    resolution ends the one under way without an outcome. At one instant a reopen comes first,
    then a reply, then a resolution."""
    marks = sorted(
        [(t, 0) for t in ticket["reopens"]]
        + [(t, 1) for t in replies]
        + [(t, 2) for t in ticket["resolutions"]]
    )
    cycles: list[tuple[str, int, int | None, bool]] = []
    resolved, since = False, None
    for at, kind in marks:
        if kind == 0:
            resolved = False
        elif kind == 1:
            if since is not None:
                cycles.append(("periodic_update", since, at, False))
            since = None if resolved else at
        else:
            if since is not None:
                cycles.append(("periodic_update", since, at, True))
            resolved, since = True, None
    if since is not None:
        cycles.append(("periodic_update", since, None, False))
    return cycles
