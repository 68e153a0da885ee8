"""The oracle's live SLA state: the clocks running at a given instant, from the raw events.

Written from docs/metrics.md ("SLA families", "Who is waiting, breaches coming"), importing
nothing from ``streams``. No deadline is computed: a running clock's elapsed working time at
``now`` is summed segment by segment (paused segments left out, business hours counted day by
day by ``oracle_times.working_ms``), and a clock is due within a horizon when the working time
from now to now + horizon covers what is left of its target. Slow and obviously right.
"""

from __future__ import annotations

import itertools
import re
from functools import partial

from tests.support import oracle_times as times
from tests.support.oracle import BUCKETS_S, known_tickets
from tests.support.scrape import Sample

WAITING = ("first_response", "next_reply")
FAMILIES = (
    "support_sla_at_risk_tickets",
    "support_sla_breached_open_tickets",
    "support_sla_breaches_expected",
    "support_waiting_seconds",
)
_UNIT_MS = {"s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


def duration_ms(text: str) -> int:
    match = re.fullmatch(r"(\d+)([smhd])", text)
    assert match, text
    return int(match.group(1)) * _UNIT_MS[match.group(2)]


def live_samples(scraped: dict[Sample, float]) -> dict[Sample, float]:
    """The part of a scrape this oracle predicts."""
    return {k: v for k, v in scraped.items() if any(k[0].startswith(n) for n in FAMILIES)}


def expected_live(
    events: list[tuple[str, dict]], now_ms: int, policy: dict | None, schedule: str | None = None
) -> dict[Sample, float]:
    """At-risk, breached, expected-breach and waiting samples at ``now_ms`` under ``policy``."""
    out: dict[Sample, float] = {}
    if policy is None:
        return out

    def add(name: str, labels: dict[str, str], value: float = 1.0) -> None:
        key = (name, tuple(sorted(labels.items())))
        out[key] = out.get(key, 0.0) + value

    lookahead = policy.get("lookahead") or {}
    horizons = lookahead.get("horizons", ["15m", "1h", "4h"])
    les = _waiting_bounds_s(policy)
    for clock in live_clocks(events, now_ms, policy, schedule):
        labels = {"sla": clock["sla"], "priority": clock["priority"]}
        target, elapsed = clock["target"], clock["elapsed"]
        add("support_sla_breached_open_tickets", labels, float(clock["state"] == "breached"))
        add("support_sla_at_risk_tickets", labels, float(clock["state"] == "at_risk"))
        for horizon in horizons:
            ahead = _working(clock["hours"], now_ms, now_ms + duration_ms(horizon))
            due = elapsed < target and ahead >= target - elapsed
            add("support_sla_breaches_expected", {**labels, "horizon": horizon}, float(due))
        if clock["sla"] in WAITING:
            waited = max(0, now_ms - clock["start"]) / 1000
            for le in les:
                add(
                    "support_waiting_seconds_bucket", {**labels, "le": _le(le)}, float(waited <= le)
                )
            add("support_waiting_seconds_bucket", {**labels, "le": "+Inf"})
            add("support_waiting_seconds_gcount", labels)
            add("support_waiting_seconds_gsum", labels, waited)
    return out


def live_clocks(
    events: list[tuple[str, dict]], now_ms: int, policy: dict, schedule: str | None = None
) -> list[dict]:
    """Every clock running at ``now_ms`` (paused ones only once breached), with its ticket's
    id, policy, priority, team (as published), channel, start, target, elapsed working time and
    state: ``breached``, ``at_risk`` (past the at-risk share) or ``on_track``."""
    share = policy.get("at_risk", 0.75)
    out = []
    for ticket_id, ticket in known_tickets(events, now_ms, policy, schedule).items():
        entry = times.policy_entry(ticket, policy)
        if entry is None:
            continue
        for sla, start in running_clocks(ticket):
            terms = clock_terms(ticket, entry, policy, sla, ticket["priority"])
            if terms is None:
                continue
            target, hours, pausing, gaps = terms
            elapsed = _elapsed(ticket, start, now_ms, hours, pausing, gaps)
            if _paused_at(ticket, now_ms, pausing, gaps) and elapsed < target:
                continue  # paused before its deadline: not running
            state = "on_track"
            if elapsed >= target:
                state = "breached"
            elif int(target * share) <= elapsed:
                state = "at_risk"
            out.append(
                {
                    "ticket_id": ticket_id,
                    "policy": entry["name"],
                    "priority": ticket["priority"],
                    "team": ticket["team_name"],
                    "channel": ticket["channel"],
                    "sla": sla,
                    "state": state,
                    "start": start,
                    "target": target,
                    "elapsed": elapsed,
                    "hours": hours,
                    "reached": partial(
                        _elapsed, ticket, start, hours=hours, pausing=pausing, gaps=gaps
                    ),
                }
            )
    return out


def drilldown(
    events: list[tuple[str, dict]], now_ms: int, policy: dict, schedule: str | None = None
) -> dict[tuple[str, str], dict]:
    """The rows ``GET /tickets`` lists at ``now_ms``, by (ticket id, sla), without the deadline
    (see ``deadline_is_right``): what the docs' table says each row holds."""
    fields = ("policy", "priority", "team", "channel", "state")
    return {
        (c["ticket_id"], c["sla"]): {**{f: c[f] for f in fields}, "waiting_since_ms": c["start"]}
        for c in live_clocks(events, now_ms, policy, schedule)
    }


def deadline_is_right(clock: dict, deadline_ms: int) -> bool:
    """The deadline is the first instant at which the clock's working time outside pauses
    (none assumed ahead) reaches its target; checked without computing one."""
    reached = clock["reached"]
    return reached(now_ms=deadline_ms) >= clock["target"] > reached(now_ms=deadline_ms - 1)


def running_clocks(ticket: dict) -> list[tuple[str, int]]:
    """(sla, start) of each clock not stopped by a reply or a resolution, per the docs' table:
    first response until the first public human reply; next reply from the oldest customer
    message since the last reply; resolution while the ticket is open; the periodic update
    from the last reply made while open, if neither a reply nor a resolution came after it."""
    clocks: list[tuple[str, int]] = []
    replies = sorted(ticket["replies"])
    if not replies:
        clocks.append(("first_response", ticket["created"]))
    else:
        unanswered = [c for c in ticket["customer"] if c >= replies[-1]]  # a tie: after it
        if unanswered:
            clocks.append(("next_reply", min(unanswered)))
    if ticket["open"]:
        clocks.append(("resolution", ticket["created"]))
    # at one instant a reopen comes first, then a reply, then a resolution
    marks = sorted(
        [(t, 0) for t in ticket["reopens"]]
        + [(t, 1) for t in replies]
        + [(t, 2) for t in ticket["resolutions"]]
    )
    while marks and marks[-1][1] == 0:
        marks.pop()  # a reopen after the last reply neither starts nor ends a cycle
    if marks and marks[-1][1] == 1:
        at = marks[-1][0]
        before = [kind for _, kind in marks[:-1] if kind != 1]
        if not before or before[-1] != 2:  # made while open
            clocks.append(("periodic_update", at))
    return clocks


def clock_terms(
    ticket: dict, entry: dict, policy: dict, sla: str, priority: str
) -> tuple[int, dict | None, set[str], list[tuple[int, int]]] | None:
    """(target, business hours or None, pausing statuses, resolved gaps) of one clock under
    the ticket's policy entry (None: no target for that priority)."""
    target_text = (entry["targets"].get(priority) or {}).get(sla)
    if target_text is None:
        return None
    hours = policy["schedules"][entry["schedule"]] if sla in _business(entry) else None
    pausing = set((entry.get("pause") or {}).get(sla, []))
    gaps = times.resolved_gaps(ticket) if sla == "resolution" else []
    return duration_ms(target_text), hours, pausing, gaps


def _business(entry: dict) -> list[str]:
    return list(entry.get("business_hours") or [])


def _paused_at(ticket: dict, at: int, pausing: set[str], gaps: list[tuple[int, int]]) -> bool:
    given = [status for when, status in sorted(ticket["statuses"]) if when <= at]
    status = given[-1] if given else "open"
    return status in pausing or any(a <= at < b for a, b in gaps)


def _elapsed(
    ticket: dict,
    start: int,
    now_ms: int,
    hours: dict | None,
    pausing: set[str],
    gaps: list[tuple[int, int]],
) -> int:
    """Working time from ``start`` to ``now_ms`` outside pauses."""
    changes = {at for at, _ in ticket["statuses"]} | {x for gap in gaps for x in gap}
    cuts = sorted({start, now_ms, *(at for at in changes if start < at < now_ms)})
    return sum(
        _working(hours, begin, end)
        for begin, end in itertools.pairwise(cuts)
        if not _paused_at(ticket, begin, pausing, gaps)
    )


def _working(hours: dict | None, begin: int, end: int) -> int:
    if end <= begin:
        return 0
    return end - begin if hours is None else times.working_ms(hours, begin, end)


def _waiting_bounds_s(policy: dict) -> list[int]:
    """The usual steps and every first-response and next-reply target, in seconds."""
    targets = {
        duration_ms(text) // 1000
        for entry in policy["policies"]
        for per in entry["targets"].values()
        for sla, text in per.items()
        if sla in WAITING
    }
    return sorted(set(BUCKETS_S) | targets)


def _le(seconds: int) -> str:
    return str(seconds)
