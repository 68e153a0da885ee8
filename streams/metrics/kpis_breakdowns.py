"""The KPI table's breakdowns: per category, per team (with transfers), per survey method, and
repeat contacts. Each is a family of its own (see ``kpis``): no product of category or team with
channel and priority.
"""

from __future__ import annotations

from streams.domain import contributions as c
from streams.domain import customers
from streams.metrics.kpi_row import CATEGORY, TEAM, Shape, WindowedKpi

BREAKDOWNS = (
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
        c.TEAM_SLA,
        "support_team_sla_tickets",
        Shape.GAUGE,
        (TEAM, "sla", "outcome"),
        help="SLA clocks decided in the window per the ticket's current team.",
        meaning="SLA clocks decided, per current team",
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
