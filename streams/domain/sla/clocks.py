"""SLA clocks of one ticket, derived from its facts and the policy that matches it.

- ``first_response``: from creation to the first public human reply.
- ``next_reply``: from the oldest customer message not yet answered (after the first reply) to
  the next public human reply; one clock per such cycle.
- ``resolution`` (full resolution): from creation to the resolution that leaves the ticket
  resolved; time between a resolution and a reopen does not count, so a reopen resumes the same
  clock. (``support_resolution_seconds`` measures the *first* resolution instead.)
- ``periodic_update`` (Zendesk's periodic update): from each public human reply made while the
  ticket is open to the next public human reply; one clock per such cycle, so the longest gap
  between consecutive updates decides whether the ticket keeps its target. The creation does
  not start a cycle (``first_response`` covers it), as in Zendesk, where the periodic update
  starts at the first public agent reply. A resolution ends the cycle under way *without an
  outcome* (Zendesk stops measuring at solve): neither met nor breached, unless its deadline
  had already passed, which stays a breach. A reply while the ticket is resolved starts no
  cycle; after a reopen the next cycle starts at the next public human reply.

A clock is paused while the ticket has a status its policy lists for that SLA. Its target is the
one for the ticket's priority at the moment the clock stops (or now, while it runs). A clock
that stops by its deadline is *met* at its stop time; one that does not is *breached* at its
deadline, which the processor notices on its own clock when the deadline passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from streams.domain.resolutions import final_resolution_ms, resolved_gaps
from streams.domain.sla.calendar import FOREVER, Interval, add_working_many
from streams.domain.sla.policy import Policy
from streams.domain.ticket import TicketRecord

MET, BREACHED = "met", "breached"
PERIODIC_UPDATE = "periodic_update"


@dataclass(slots=True)
class Clock:
    """One SLA clock of a ticket. Treat as immutable.

    The ``__init__`` is written out, not generated: the compiled core compiles what the source
    holds, while a generated one stays interpreted (~1.3 µs per clock, and a ticket's clocks
    are derived at each of its events); not ``frozen`` for the same reason.
    """

    sla: str
    priority: str
    start_ms: int
    stop_ms: int | None  # None: still running (or paused)
    target_ms: int
    deadline_ms: int | None  # None: paused before reaching the target
    at_risk_ms: int | None  # when the clock reaches the at-risk share of its target

    def __init__(
        self,
        sla: str,
        priority: str,
        start_ms: int,
        stop_ms: int | None,
        target_ms: int,
        deadline_ms: int | None,
        at_risk_ms: int | None,
    ) -> None:
        self.sla = sla
        self.priority = priority
        self.start_ms = start_ms
        self.stop_ms = stop_ms
        self.target_ms = target_ms
        self.deadline_ms = deadline_ms
        self.at_risk_ms = at_risk_ms

    def outcome(self, now_ms: int) -> tuple[str, int] | None:
        """(met|breached, the time that decided it) as known at ``now_ms``; None if open."""
        deadline = self.deadline_ms
        if self.stop_ms is not None:
            if deadline is None or self.stop_ms <= deadline:
                return MET, self.stop_ms
            return BREACHED, deadline
        if deadline is not None and deadline <= now_ms:
            return BREACHED, deadline
        return None

    def running(self) -> bool:
        return self.stop_ms is None and self.deadline_ms is not None


def clocks(record: TicketRecord, policy: Policy, at_risk: float) -> list[Clock]:
    created = record.created_ms
    if created is None:
        return []
    out: list[Clock] = []
    replies = record.replies
    first = replies[0] if replies else None
    _clock(out, record, policy, at_risk, "first_response", created, first, [])
    if first is not None:
        for start, stop in next_reply_cycles(replies, record.customer):
            _clock(out, record, policy, at_risk, "next_reply", start, stop, [])
    stop = final_resolution_ms(record)
    _clock(out, record, policy, at_risk, "resolution", created, stop, resolved_gaps(record))
    if replies and any(PERIODIC_UPDATE in per for per in policy.targets.values()):
        for cycle in periodic_update_cycles(record):
            _update_clock(out, record, policy, at_risk, cycle)
    return out


class UpdateCycle(NamedTuple):
    """One gap between updates: from a public human reply while the ticket is open."""

    start_ms: int
    stop_ms: int | None  # the next public human reply or a resolution; None: still running
    by_resolution: bool  # a resolution ended it (no outcome, unless already past its deadline)


def periodic_update_cycles(record: TicketRecord) -> list[UpdateCycle]:
    """The cycles of ``periodic_update``, from the record's replies, resolutions and reopens.

    At one instant a reopen comes first, then a reply, then a resolution: a reply at the time
    of a resolution ends the cycle before it (an update in time) and starts none that counts.
    """
    reopen, reply, resolution = 0, 1, 2
    marks = sorted(
        [(t, reopen) for t in record.reopens]
        + [(t, reply) for t in record.replies]
        + [(t, resolution) for t in record.resolutions]
    )
    cycles: list[UpdateCycle] = []
    started: int | None = None
    resolved = False
    for at, kind in marks:
        if kind == reopen:
            resolved = False
            continue
        if started is not None:
            cycles.append(UpdateCycle(started, at, by_resolution=kind == resolution))
            started = None
        if kind == resolution:
            resolved = True
        elif not resolved:
            started = at
    if started is not None:
        cycles.append(UpdateCycle(started, None, by_resolution=False))
    return cycles


def _update_clock(
    out: list[Clock], record: TicketRecord, policy: Policy, at_risk: float, cycle: UpdateCycle
) -> None:
    """The clock of one update cycle; a cycle that a resolution ended in time has none."""
    start, stop = cycle.start_ms, cycle.stop_ms
    clock = _make_clock(record, policy, at_risk, PERIODIC_UPDATE, start, stop, [])
    if clock is None:
        return
    decided = clock.outcome(start)  # a stopped clock's outcome does not depend on the time
    if cycle.by_resolution and decided is not None and decided[0] == MET:
        return  # resolved by its deadline: the cycle ends without an outcome
    out.append(clock)


def _clock(
    out: list[Clock],
    record: TicketRecord,
    policy: Policy,
    at_risk: float,
    sla: str,
    start: int,
    stop: int | None,
    extra_pauses: list[Interval],
) -> None:
    clock = _make_clock(record, policy, at_risk, sla, start, stop, extra_pauses)
    if clock is not None:
        out.append(clock)


def _make_clock(
    record: TicketRecord,
    policy: Policy,
    at_risk: float,
    sla: str,
    start: int,
    stop: int | None,
    extra_pauses: list[Interval],
) -> Clock | None:
    """The clock of ``sla`` from ``start`` to ``stop``; None if its priority has no target."""
    priority = _priority_at(record, stop)
    target = policy.target_ms(priority, sla)
    if target is None:
        return None
    pauses = _merge(_status_pauses(record, policy.pause.get(sla, frozenset()), stop) + extra_pauses)
    calendar = policy.calendars[sla]
    risk, deadline = add_working_many(calendar, start, (int(target * at_risk), target), pauses)
    return Clock(sla, priority, start, stop, target, deadline, risk)


def next_reply_cycles(
    replies: Sequence[int], customer: Sequence[int]
) -> list[tuple[int, int | None]]:
    """(oldest unanswered customer message, the reply that answered it) after the first reply."""
    cycles: list[tuple[int, int | None]] = []
    events = sorted([(t, 1) for t in customer] + [(t, 0) for t in replies])
    answered_once = False
    waiting: int | None = None
    for at, is_customer in events:
        if not is_customer:
            if waiting is not None:
                cycles.append((waiting, at))
                waiting = None
            answered_once = True
        elif answered_once and waiting is None:
            waiting = at
    if waiting is not None:
        cycles.append((waiting, None))
    return cycles


def _priority_at(record: TicketRecord, at: int | None) -> str:
    if at is None or not record.priorities:
        return record.priority
    current = record.priorities[0][1]
    for when, label in record.priorities:
        if when > at:
            break
        current = label
    return current


def _status_pauses(
    record: TicketRecord, pausing: frozenset[str], until: int | None
) -> list[Interval]:
    if not pausing:
        return []
    pauses: list[Interval] = []
    paused_since: int | None = None
    for at, status in record.statuses:
        if until is not None and at > until:
            break
        if status in pausing and paused_since is None:
            paused_since = at
        elif status not in pausing and paused_since is not None:
            pauses.append((paused_since, at))
            paused_since = None
    if paused_since is not None:
        pauses.append((paused_since, FOREVER))
    return pauses


def _merge(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for begin, end in sorted(intervals):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged
