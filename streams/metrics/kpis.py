"""The windowed KPIs: one row per metric family, from the KPI id the domain emits it under.

Pure data. The KPI collector exports every row with one loop, the contract lists them, and
``supportkpi generate`` writes the docs table and the dashboards' variables from them. Adding a
KPI: compute its contributions in ``streams.domain.contributions``, and add its row here (or,
for a breakdown by category, team, survey method or customer, in ``kpis_breakdowns``; for
the other time definitions, in ``kpis_times``). The rows are in the order the families are
exposed.
"""

from __future__ import annotations

from streams.domain import contributions as c
from streams.domain import survey_scales
from streams.metrics.kpi_row import CATEGORY, DIMS, TEAM, WINDOW, Shape, WindowedKpi
from streams.metrics.kpis_breakdowns import BREAKDOWNS
from streams.metrics.kpis_times import TIMES

__all__ = ["CATEGORY", "DIMS", "KPIS", "TEAM", "WINDOW", "Shape", "WindowedKpi"]

_CORE = (
    WindowedKpi(
        c.CREATED,
        "support_tickets_created",
        Shape.GAUGE,
        DIMS,
        help="Tickets created in the window (event time).",
        meaning="tickets whose `ticket-created` time is in the window",
    ),
    WindowedKpi(
        c.RESOLVED,
        "support_tickets_resolved",
        Shape.GAUGE,
        DIMS,
        help="Tickets resolved in the window (event time).",
        meaning="tickets whose (first) resolution time is in the window",
    ),
    WindowedKpi(
        c.ONE_TOUCH,
        "support_one_touch_resolutions",
        Shape.GAUGE,
        DIMS,
        help="Tickets resolved in the window with exactly one public human reply.",
        meaning="of those, resolved with exactly one public human reply up to the resolution",
    ),
    WindowedKpi(
        c.REOPENED,
        "support_tickets_reopened",
        Shape.GAUGE,
        DIMS,
        help="Reopens in the window.",
        meaning="reopens in the window",
    ),
    WindowedKpi(
        c.SLA,
        "support_sla_tickets",
        Shape.GAUGE,
        ("sla", "priority", "outcome"),
        help="SLA clocks decided in the window (met at the stop, breached at the deadline).",
        meaning="SLA clocks decided in the window, `met` or `breached` (see SLA families)",
    ),
    WindowedKpi(
        c.SURVEY,
        "support_survey_responses",
        Shape.GAUGE,
        ("survey", "score", *DIMS),
        help="Survey answers in the window by survey (csat, nps, ces) and score.",
        meaning="survey answers (`survey` ∈ csat, nps, ces)",
    ),
    WindowedKpi(
        c.SURVEY_SATISFIED,
        "support_survey_satisfied",
        Shape.GAUGE,
        ("survey", *DIMS),
        help="Satisfied CSAT (4-5 of 5, 8-10 of 10) and easy CES (5-7 of 7, 4-5 of 5) answers "
        "in the window, whatever their scale.",
        meaning="satisfied CSAT and easy CES answers, on any scale (CSAT % = satisfied / "
        "responses)",
    ),
    WindowedKpi(
        c.SURVEY_SCORE_SUM,
        "support_survey_score_points",
        Shape.GAUGE,
        ("survey", *DIMS),
        help="Sum of the scores of survey answers in the window, on each survey's default "
        "scale (CSAT 5, CES 7; other scales mapped linearly): CES = score points / responses.",
        meaning="sum of the scores of those answers on the default scale (for averages)",
        unit=survey_scales.POINT,
    ),
    WindowedKpi(
        c.FIRST_RESPONSE,
        "support_first_response_seconds",
        Shape.GAUGE_HISTOGRAM,
        DIMS,
        help="First response time (created to first public human reply) of first replies "
        "in the window.",
        meaning="created → first public human reply, observed at the reply's time",
    ),
    WindowedKpi(
        c.RESOLUTION,
        "support_resolution_seconds",
        Shape.GAUGE_HISTOGRAM,
        DIMS,
        help="Resolution time (created to resolved) of resolutions in the window.",
        meaning="created → resolved, observed at the resolution's time",
    ),
    WindowedKpi(
        c.NEXT_REPLY,
        "support_next_reply_seconds",
        Shape.GAUGE_HISTOGRAM,
        DIMS,
        help="Next reply time (oldest unanswered customer message to the next public "
        "human reply) of replies in the window.",
        meaning="oldest unanswered customer message → next public human reply, observed at "
        "the reply",
    ),
    WindowedKpi(
        c.BOT_FIRST_RESPONSE,
        "support_bot_first_response_seconds",
        Shape.GAUGE_HISTOGRAM,
        ("channel",),
        help="Created to the first public bot or automation reply, of those in the window.",
        meaning="created → first public bot or automation reply, observed at that reply",
    ),
    WindowedKpi(
        c.CONTAINED,
        "support_contained_resolutions",
        Shape.GAUGE,
        ("channel",),
        help="Tickets resolved in the window with no public human reply (and not resolved_by "
        "human): contained by bots, automations or the customer.",
        meaning="resolved with no public human reply up to the resolution, unless `resolved_by` "
        "is `human`",
    ),
    WindowedKpi(
        c.RESOLUTION_TOUCHES,
        "support_resolution_touches",
        Shape.COUNT_HISTOGRAM,
        DIMS,
        help="Public human replies up to the resolution, of resolutions in the window "
        "(le: 0, 1, 2, 3, 5, 10 replies).",
        meaning="public human replies up to the resolution (one-, two- and multi-touch rates)",
        buckets=c.TOUCH_BUCKETS,
    ),
)

KPIS = (*_CORE, *TIMES, *BREAKDOWNS)
