"""The times helpdesks define besides the plain ones: business-hours first response and
resolution, full resolution, and time in status (requester wait, on hold).

- Business hours: the same spans as ``first_response`` and ``resolution`` (created → first
  public human reply, created → first resolution), counted on a schedule's working hours with
  the SLA calendar (``sla.calendar.working_ms``). No status pauses them: they are times, not
  SLA clocks.
- Full resolution: created → the final resolution (``resolutions.final_resolution_ms``); a
  reopen withdraws the earlier observation, and the next resolution observes the whole span.
- Requester wait and on hold: the time in ``open`` and in ``on_hold`` from the creation to the
  final resolution, not counting the stretches the ticket spent resolved. The status at an
  instant is the latest one given at or before it (``ticket-created``'s, or ``ticket-updated``),
  ``open`` when none was; at one instant, the statuses apply in name order.

All five are observed at the final resolution, except business first response (at the reply)
and business resolution (at the first resolution), as their plain counterparts are.
"""

from __future__ import annotations

from streams.domain.resolutions import final_resolution_ms, resolved_gaps
from streams.domain.series import Buckets, Contribution, Observe, Sums
from streams.domain.sla.calendar import Calendar, Interval, working_ms
from streams.domain.ticket import TicketRecord

# The KPI ids (``streams.metrics.kpis_times`` names each one's labels: channel, priority).
FIRST_RESPONSE_BUSINESS = "first_response_business"  # histogram, on the ticket's schedule
RESOLUTION_BUSINESS = "resolution_business"  # histogram, on the ticket's schedule
FULL_RESOLUTION = "full_resolution"  # histogram: created to the final resolution
REQUESTER_WAIT = "requester_wait"  # histogram: time in open up to the final resolution
ON_HOLD = "on_hold"  # histogram: time in on_hold up to the final resolution

DEFAULT_STATUS = "open"  # a ticket's status until one is given


def contribute(
    out: list[Contribution],
    record: TicketRecord,
    created: int,
    schedule: Calendar | None,
    series: tuple[Sums, Buckets],
    observe: Observe,
) -> None:
    """The five times of a created ticket (business hours only with a ``schedule``)."""
    sums, buckets = series
    if schedule is not None:
        if record.replies:
            first = record.replies[0]
            spent = working_ms(schedule, created, first)
            observe(out, first, FIRST_RESPONSE_BUSINESS, sums, buckets, spent)
        resolved = record.resolved_ms
        if resolved is not None:
            spent = working_ms(schedule, created, resolved)
            observe(out, resolved, RESOLUTION_BUSINESS, sums, buckets, spent)
    final = final_resolution_ms(record)
    if final is not None:
        observe(out, final, FULL_RESOLUTION, sums, buckets, final - created)
        in_status = status_times(record, created, final)
        observe(out, final, REQUESTER_WAIT, sums, buckets, in_status.get("open", 0))
        observe(out, final, ON_HOLD, sums, buckets, in_status.get("on_hold", 0))


def status_times(record: TicketRecord, start_ms: int, end_ms: int) -> dict[str, int]:
    """Milliseconds spent in each status from ``start_ms`` to ``end_ms``, not counting the
    stretches between a resolution and its reopen."""
    gaps = resolved_gaps(record)
    spent: dict[str, int] = {}
    status, since = DEFAULT_STATUS, start_ms
    for at, changed in record.statuses:  # sorted by time, then name
        if at <= start_ms:
            status = changed
            continue
        if at >= end_ms:
            break
        spent[status] = spent.get(status, 0) + _outside(since, at, gaps)
        status, since = changed, at
    spent[status] = spent.get(status, 0) + _outside(since, end_ms, gaps)
    return spent


def _outside(begin: int, end: int, gaps: list[Interval]) -> int:
    """The length of [begin, end) outside the (sorted, disjoint) ``gaps``."""
    length = end - begin
    for gap_begin, gap_end in gaps:
        if gap_begin >= end:
            break
        length -= max(0, min(end, gap_end) - max(begin, gap_begin))
    return max(0, length)
