"""The team lead's drill-down: distributions, SLA outcomes, surveys and teams, with filters."""

from __future__ import annotations

from grafana_foundation_sdk.builders import bargauge, dashboard, heatmap
from grafana_foundation_sdk.models.dashboard import VariableRefresh

from streams.domain.sla.policy import SlaPolicy
from streams.generate.dashboards import panels as p
from streams.generate.dashboards.panels import DATASOURCE
from streams.metrics.kpis import DIMS, KPIS, TEAM, WINDOW

#: the team lead's filters: label names of the KPI table
TEAM_LEAD_FILTERS = (WINDOW, *DIMS, TEAM)


def _filter(label: str) -> dashboard.QueryVariable:
    """A variable over a label's values, read from the first windowed family that has it."""
    family = next(row.name for row in KPIS if label in row.family.labels)
    variable = (
        dashboard.QueryVariable(label)
        .label(label.capitalize())
        .query(f"label_values({family}, {label})")
        .datasource(DATASOURCE)
        .multi(True)
        .include_all(True)
        .all_value(".*")
        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
    )
    if label == WINDOW:  # one window at a time: the panels' figures are per window
        variable = variable.multi(False).include_all(False)
    return variable


def team_lead(policy: SlaPolicy | None) -> dashboard.Dashboard:
    f = 'channel=~"$channel",priority=~"$priority"'
    board = (
        dashboard.Dashboard("Support team lead")
        .uid("supportkpi-team-lead")
        .tags(["supportkpi"])
        .refresh("1m")
        .time("now-24h", "now")
        .timezone("browser")
    )
    for label in TEAM_LEAD_FILTERS:
        board = board.with_variable(_filter(label))
    panels = [
        p.place(
            heatmap.Panel()
            .title("First response time distribution")
            .with_target(
                p.query(
                    f'sum by (le) (support_first_response_seconds_bucket{{window="$window",{f}}})',
                    "{{le}}",
                    heatmap_format=True,
                )
            ),
            0,
            0,
            12,
            9,
        ),
        p.place(
            heatmap.Panel()
            .title("Resolution time distribution")
            .with_target(
                p.query(
                    f'sum by (le) (support_resolution_seconds_bucket{{window="$window",{f}}})',
                    "{{le}}",
                    heatmap_format=True,
                )
            ),
            12,
            0,
            12,
            9,
        ),
        p.series(
            "SLA outcomes by SLA and priority",
            [
                p.query(
                    "sum by (sla, priority, outcome) (support_sla_tickets"
                    '{window="$window",priority=~"$priority"})',
                    "{{sla}} {{priority}} {{outcome}}",
                )
            ],
            "none",
            0,
            9,
            12,
            8,
        ),
        p.series(
            "Next reply p90 by priority",
            [
                p.query(
                    "histogram_quantile(0.9, sum by (priority, le) (support_next_reply_seconds"
                    f'_bucket{{window="$window",{f}}}))',
                    "{{priority}}",
                )
            ],
            "s",
            12,
            9,
            12,
            8,
        ),
        p.place(
            bargauge.Panel()
            .title("Survey answers by score")
            .with_target(
                p.query(
                    f'sum by (survey, score) (support_survey_responses{{window="$window",{f}}})',
                    "{{survey}} {{score}}",
                )
            ),
            0,
            17,
            12,
            8,
        ),
        p.series(
            "Tickets by team",
            [
                p.query(
                    'sum by (team) (support_team_tickets_created{window="$window",team=~"$team"})',
                    "created {{team}}",
                ),
                p.query(
                    'sum by (team) (support_team_tickets_resolved{window="$window",team=~"$team"})',
                    "resolved {{team}}",
                ),
                p.query(
                    'sum by (team) (support_team_open_tickets{team=~"$team"})', "open {{team}}"
                ),
            ],
            "none",
            12,
            17,
            12,
            8,
        ),
        p.series(
            "One-touch rate and reopens",
            [
                p.query(
                    f'sum(support_one_touch_resolutions{{window="$window",{f}}}) / '
                    f'sum(support_tickets_resolved{{window="$window",{f}}})',
                    "one-touch rate",
                ),
                p.query(
                    f'sum(support_tickets_reopened{{window="$window",{f}}}) or vector(0)', "reopens"
                ),
            ],
            "none",
            0,
            25,
            24,
            7,
        ),
    ]
    return p.with_panels(board, panels)
