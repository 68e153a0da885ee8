"""The windowed KPIs: one row per metric family, from the KPI id the domain emits it under.

Pure data. The KPI collector exports every row with one loop, the contract lists them, and
``supportkpi generate`` writes the docs table and the dashboards' variables from them. Adding a
KPI: compute its contributions in ``streams.domain.contributions``, and add its row here.
The rows are in the order the families are exposed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from streams.domain import contributions as c
from streams.domain import customers
from streams.metrics.family import Family

WINDOW = "window"  # every windowed family's first label: one of SUPPORTKPI_WINDOWS
DIMS = ("channel", "priority")
TEAM = "team"  # bounded: see SUPPORTKPI_MAX_TEAMS
CATEGORY = "category"  # bounded: see SUPPORTKPI_MAX_CATEGORIES


class Shape(StrEnum):
    GAUGE = "gauge"  # the sum of the amounts in the window
    # a duration histogram: buckets (``le`` in seconds, cumulative) and the sum of the
    # milliseconds observed in the window, exposed in seconds
    GAUGE_HISTOGRAM = "gauge histogram"


@dataclass(frozen=True)
class WindowedKpi:
    """A KPI id of the domain, and the metric family it is exported as."""

    kpi: str  # a KPI id of ``streams.domain.contributions``
    name: str
    shape: Shape
    labels: tuple[str, ...]  # the names of the series' labels, in the order the domain emits
    help: str
    meaning: str  # for the docs table (markdown)

    @property
    def family(self) -> Family:
        return Family(self.name, self.help, (WINDOW, *self.labels))


KPIS = (
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
        customers.REPEAT_CONTACTS,
        "support_repeat_contacts",
        Shape.GAUGE,
        ("channel",),
        help="Tickets created in the window whose customer created another ticket within "
        "SUPPORTKPI_REPEAT_HORIZON before them.",
        meaning="repeat contacts: tickets whose customer had another ticket created within "
        "the repeat horizon (default 7d) before or at the same instant",
    ),
    WindowedKpi(
        customers.REPEAT_CUSTOMERS,
        "support_repeat_contact_customers",
        Shape.GAUGE,
        (),
        help="Customers with at least one repeat contact created in the window.",
        meaning="customers with at least one repeat contact in the window",
    ),
    WindowedKpi(
        c.TEAM_CREATED,
        "support_team_tickets_created",
        Shape.GAUGE,
        (TEAM,),
        help="Tickets created in the window per current team (bounded: see SUPPORTKPI_MAX_TEAMS).",
        meaning="tickets created, per current team",
    ),
    WindowedKpi(
        c.TEAM_RESOLVED,
        "support_team_tickets_resolved",
        Shape.GAUGE,
        (TEAM,),
        help="Tickets resolved in the window per current team.",
        meaning="tickets resolved, per current team",
    ),
    WindowedKpi(
        c.TRANSFERS,
        "support_ticket_transfers",
        Shape.GAUGE,
        (),
        help="Transfers in the window: ticket-updated moving a ticket to another team.",
        meaning="moves of a ticket from one team to another (not its first team)",
    ),
    WindowedKpi(
        c.CATEGORY_CREATED,
        "support_category_tickets_created",
        Shape.GAUGE,
        (CATEGORY,),
        help="Tickets created in the window per current category "
        "(bounded: see SUPPORTKPI_MAX_CATEGORIES).",
        meaning="tickets created, per current category",
    ),
    WindowedKpi(
        c.CATEGORY_RESOLVED,
        "support_category_tickets_resolved",
        Shape.GAUGE,
        (CATEGORY,),
        help="Tickets resolved in the window per current category.",
        meaning="tickets resolved, per current category",
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
        c.TEAM_SLA,
        "support_team_sla_tickets",
        Shape.GAUGE,
        (TEAM, "sla", "outcome"),
        help="SLA clocks decided in the window per the ticket's current team.",
        meaning="SLA clocks decided, per current team",
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
        c.SURVEY_SCORE_SUM,
        "support_survey_score_points",
        Shape.GAUGE,
        ("survey", *DIMS),
        help="Sum of the scores of survey answers in the window (averages such as "
        "CES = score points / responses).",
        meaning="sum of the scores of those answers (for averages)",
    ),
    WindowedKpi(
        c.CATEGORY_SURVEY,
        "support_category_survey_responses",
        Shape.GAUGE,
        (CATEGORY, "survey", "score"),
        help="Survey answers in the window by their ticket's current category, survey and score.",
        meaning="survey answers, per current category (`unknown` while the ticket is unknown)",
    ),
    WindowedKpi(
        c.TEAM_SURVEY,
        "support_team_survey_responses",
        Shape.GAUGE,
        (TEAM, "survey", "score"),
        help="Survey answers in the window by their ticket's current team, survey and score.",
        meaning="survey answers, per current team (`unknown` while the ticket is unknown)",
    ),
    WindowedKpi(
        c.SURVEYS_SENT,
        "support_surveys_sent",
        Shape.GAUGE,
        ("survey", "method"),
        help="Surveys sent in the window (survey-sent) by survey and method.",
        meaning="`survey-sent` events; `method` ∈ email, sms, in_app, phone, social, web, chat, "
        "other",
    ),
    WindowedKpi(
        c.METHOD_RESPONSES,
        "support_survey_method_responses",
        Shape.GAUGE,
        ("survey", "method"),
        help="Survey answers in the window by survey and method (the answer's, else its "
        "send's, else unknown).",
        meaning="survey answers per method: the answer's own, else its send's, else `unknown`",
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
        c.CATEGORY_FIRST_RESPONSE,
        "support_category_first_response_seconds",
        Shape.GAUGE_HISTOGRAM,
        (CATEGORY,),
        help="First response time of first replies in the window, per current category.",
        meaning="created → first public human reply, per current category",
    ),
    WindowedKpi(
        c.CATEGORY_RESOLUTION,
        "support_category_resolution_seconds",
        Shape.GAUGE_HISTOGRAM,
        (CATEGORY,),
        help="Resolution time of resolutions in the window, per current category.",
        meaning="created → resolved, per current category",
    ),
    WindowedKpi(
        c.TEAM_FIRST_RESPONSE,
        "support_team_first_response_seconds",
        Shape.GAUGE_HISTOGRAM,
        (TEAM,),
        help="First response time of first replies in the window, per current team.",
        meaning="created → first public human reply, per current team",
    ),
    WindowedKpi(
        c.TEAM_RESOLUTION,
        "support_team_resolution_seconds",
        Shape.GAUGE_HISTOGRAM,
        (TEAM,),
        help="Resolution time of resolutions in the window, per current team.",
        meaning="created → resolved, per current team",
    ),
    WindowedKpi(
        c.ANSWER_TIME,
        "support_survey_answer_seconds",
        Shape.GAUGE_HISTOGRAM,
        ("survey", "method"),
        help="Time from survey-sent to the answer, of answers in the window that have a send.",
        meaning="the matching `survey-sent` → `survey-answered`, observed at the answer",
    ),
)
