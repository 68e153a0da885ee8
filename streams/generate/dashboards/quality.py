"""The support-operations lead's quality view: where complaints grow (categories), who answers
surveys (per method), how many contacts are repeats or reopens, and how each team does."""

from __future__ import annotations

from typing import Any

from grafana_foundation_sdk.builders import dashboard

from streams.domain.sla.policy import SlaPolicy
from streams.generate.dashboards import panels as p
from streams.generate.dashboards.panels import BLUE, GREEN, Column
from streams.generate.quality_rules import CSAT_SATISFIED
from streams.metrics.kpis import CATEGORY, TEAM, WINDOW

QUALITY_FILTERS = (WINDOW, CATEGORY, TEAM)
W = 'window="$window"'
IN_CATEGORY = f'{W},category=~"$category"'
IN_TEAM = f'{W},team=~"$team"'


def quality(policy: SlaPolicy | None) -> dashboard.Dashboard:
    board = (
        dashboard.Dashboard("Support quality")
        .uid("supportkpi-quality")
        .tags(["supportkpi"])
        .refresh("1m")
        .time("now-24h", "now")
        .timezone("browser")
    )
    for label in QUALITY_FILTERS:
        board = board.with_variable(p.label_variable(label))
    panels = [*_categories(0), *_surveys(8), *_repeats(16), *_teams(23)]
    return p.with_panels(board, panels)


def _categories(y: int) -> list[Any]:
    csat = f'support_category_survey_responses{{{IN_CATEGORY},survey="csat"'
    return [
        p.series(
            "Tickets created by category",
            [
                p.query(
                    f"sum by (category) (support_category_tickets_created{{{IN_CATEGORY}}})",
                    "{{category}}",
                )
            ],
            "none",
            0,
            y,
            8,
            8,
        ),
        p.category_first_response_p90(8, y, 8),
        p.series(
            "CSAT % by category",
            [
                p.query(
                    f"100 * (sum by (category) ({csat},{CSAT_SATISFIED}}})"
                    f" or 0 * sum by (category) ({csat}}}))"
                    f" / sum by (category) ({csat}}})",
                    "{{category}}",
                )
            ],
            "percent",
            16,
            y,
            8,
            8,
        ),
    ]


def _surveys(y: int) -> list[Any]:
    def answer_time(q: float) -> str:
        return p.quantile(q, "support_survey_answer_seconds", "$window", "method")

    return [
        p.series(
            "Surveys sent by method",
            [
                p.query(
                    f"sum by (survey, method) (support_surveys_sent{{{W}}})",
                    "{{survey}} {{method}}",
                )
            ],
            "none",
            0,
            y,
            8,
            8,
        ),
        p.series(
            "Survey response rate by method",
            [
                p.query(
                    f"window_survey_method:support_survey_response:ratio{{{W}}}",
                    "{{survey}} {{method}}",
                )
            ],
            "percentunit",
            8,
            y,
            8,
            8,
        ),
        p.series(
            "Survey answer time by method (sent to answered)",
            [
                p.query(answer_time(0.5), "p50 {{method}}"),
                p.query(answer_time(0.9), "p90 {{method}}"),
            ],
            "s",
            16,
            y,
            8,
            8,
        ),
    ]


def _repeats(y: int) -> list[Any]:
    return [
        p.series(
            "Repeat-contact and reopen rates",
            [
                p.query(f"window:support_repeat_contact:ratio{{{W}}}", "repeat contacts / created"),
                p.query(f"window:support_reopen:ratio{{{W}}}", "reopens / resolutions"),
            ],
            "percentunit",
            0,
            y,
            12,
            7,
        ),
        p.series(
            "Repeat contacts by channel",
            [p.query(f"sum by (channel) (support_repeat_contacts{{{W}}})", "{{channel}}")],
            "none",
            12,
            y,
            6,
            7,
        ),
        p.stat(
            "Customers with a repeat contact",
            p.count(f"support_repeat_contact_customers{{{W}}}"),
            "none",
            ((None, BLUE),),
            18,
            y,
            w=6,
            h=7,
        ),
    ]


def _teams(y: int) -> list[Any]:
    def compliance(sla: str) -> str:
        return f'window_team_sla:support_sla_compliance:ratio{{{IN_TEAM},sla="{sla}"}}'

    # every column is summed by team: one series per team, without __name__ or window, so
    # the columns join on the team
    columns = [
        Column("Created", f"sum by (team) (support_team_tickets_created{{{IN_TEAM}}})"),
        Column(
            "First response p90",
            f"sum by (team) (window_team:support_team_first_response_seconds:p90{{{IN_TEAM}}})",
            "s",
        ),
        Column(
            "CSAT %",
            f"sum by (team) (window_team:support_csat:percent{{{IN_TEAM}}})",
            "percent",
            1,
        ),
        Column(
            "First response SLA met",
            f"sum by (team) ({compliance('first_response')})",
            "percentunit",
            1,
        ),
        Column(
            "Resolution SLA met", f"sum by (team) ({compliance('resolution')})", "percentunit", 1
        ),
    ]
    return [
        p.joined_table("Team comparison", columns, 0, y, 18, 9),
        p.stat(
            "Transfers between teams",
            p.count(f"support_ticket_transfers{{{W}}}"),
            "none",
            ((None, GREEN),),
            18,
            y,
            w=6,
            h=9,
        ),
    ]
