"""When a ticket was finally resolved, and the stretches it spent resolved before a reopen.

Full resolution time, the time-in-status KPIs and the SLA ``resolution`` clock all read a
ticket's resolutions and reopens the same way, so they are defined once, here. At one instant a
reopen comes before a resolution.
"""

from __future__ import annotations

from bisect import bisect_left

from streams.domain.sla.calendar import Interval
from streams.domain.ticket import TicketRecord


def final_resolution_ms(record: TicketRecord) -> int | None:
    """The resolution that left the ticket resolved: the first one at or after the last reopen
    (a later ``ticket-resolved`` of a ticket already resolved changes nothing); None while open."""
    if not record.is_resolved:
        return None
    resolutions = record.resolutions
    if not record.reopens:
        return resolutions[0]
    return resolutions[bisect_left(resolutions, record.reopens[-1])]


def resolved_gaps(record: TicketRecord) -> list[Interval]:
    """Intervals between a resolution and the reopen that followed it, sorted and disjoint (the
    final resolution, which no reopen follows, ends the ticket's life instead)."""
    marks = sorted([(t, 1) for t in record.resolutions] + [(t, 0) for t in record.reopens])
    gaps: list[Interval] = []
    resolved_at: int | None = None
    for at, is_resolution in marks:
        if is_resolution and resolved_at is None:
            resolved_at = at
        elif not is_resolution and resolved_at is not None:
            gaps.append((resolved_at, at))
            resolved_at = None
    return gaps
