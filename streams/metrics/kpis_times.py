"""The KPI table's rows for the times besides the plain ones: business hours, full resolution
and time in status (``streams.domain.ticket_times`` computes them). Definitions next to
Zendesk's: docs/metrics.md, "Time definitions"."""

from __future__ import annotations

from streams.domain import ticket_times as t
from streams.metrics.kpi_row import DIMS, Shape, WindowedKpi

TIMES = (
    WindowedKpi(
        t.FIRST_RESPONSE_BUSINESS,
        "support_first_response_business_seconds",
        Shape.GAUGE_HISTOGRAM,
        DIMS,
        help="First response time in business hours (the ticket's SLA policy schedule, else "
        "SUPPORTKPI_SCHEDULE) of first replies in the window.",
        meaning="created → first public human reply in working time of the ticket's schedule, "
        "observed at the reply (tickets with no schedule: none)",
    ),
    WindowedKpi(
        t.RESOLUTION_BUSINESS,
        "support_resolution_business_seconds",
        Shape.GAUGE_HISTOGRAM,
        DIMS,
        help="Resolution time in business hours (the ticket's SLA policy schedule, else "
        "SUPPORTKPI_SCHEDULE) of resolutions in the window.",
        meaning="created → first resolution in working time of the ticket's schedule, "
        "observed at the resolution",
    ),
    WindowedKpi(
        t.FULL_RESOLUTION,
        "support_full_resolution_seconds",
        Shape.GAUGE_HISTOGRAM,
        DIMS,
        help="Full resolution time (created to the final resolution; a reopen withdraws the "
        "earlier one) of final resolutions in the window.",
        meaning="created → the resolution that left the ticket resolved, observed then; a "
        "reopen withdraws it until the next resolution",
    ),
    WindowedKpi(
        t.REQUESTER_WAIT,
        "support_requester_wait_seconds",
        Shape.GAUGE_HISTOGRAM,
        DIMS,
        help="Time in status open (waiting for the team) up to the final resolution, of final "
        "resolutions in the window.",
        meaning="time in `open` from creation to the final resolution, resolved stretches "
        "excluded; observed at the final resolution",
    ),
    WindowedKpi(
        t.ON_HOLD,
        "support_on_hold_seconds",
        Shape.GAUGE_HISTOGRAM,
        DIMS,
        help="Time in status on_hold up to the final resolution, of final resolutions in the "
        "window.",
        meaning="time in `on_hold` from creation to the final resolution, resolved stretches "
        "excluded; observed at the final resolution",
    ),
)
