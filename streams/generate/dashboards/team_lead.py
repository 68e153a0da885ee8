"""The team lead's drill-down: distributions, SLA outcomes, surveys and teams, with filters."""

from __future__ import annotations

from grafana_foundation_sdk.builders import bargauge, dashboard, heatmap, timeseries
from grafana_foundation_sdk.builders.prometheus import Dataquery

from streams.domain.sla.policy import SlaPolicy
from streams.generate.dashboards import panels as p
from streams.metrics.kpis import CATEGORY, DIMS, TEAM, WINDOW

#: the team lead's filters: label names of the KPI table
TEAM_LEAD_FILTERS = (WINDOW, *DIMS, TEAM, CATEGORY)


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
        board = board.with_variable(p.label_variable(label))
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
            "First response and next reply p90 by priority",
            [
                p.query(
                    "histogram_quantile(0.9, sum by (priority, le) (support_first_response_"
                    f'seconds_bucket{{window="$window",{f}}}))',
                    "first response {{priority}}",
                    ref="A",
                ),
                p.query(
                    "histogram_quantile(0.9, sum by (priority, le) (support_next_reply_seconds"
                    f'_bucket{{window="$window",{f}}}))',
                    "next reply {{priority}}",
                    ref="B",
                ),
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
        *_category_panels(y=32),
        *_bot_and_touch_panels(f, y=40),
        *_time_definition_panels(f, y=48),
    ]
    return p.with_panels(board, panels)


def _bot_and_touch_panels(f: str, y: int) -> list[timeseries.Panel]:
    """What bots answer and contain, and how many human touches a resolution takes."""
    touches = f'support_resolution_touches_bucket{{window="$window",{f},le='
    count = f'sum(support_resolution_touches_gcount{{window="$window",{f}}})'

    def share(upper: str, lower: str | None) -> str:
        above = f' - sum({touches}"{lower}"}})' if lower is not None else ""
        return f'(sum({touches}"{upper}"}}){above}) / {count}'

    return [
        p.series(
            "Bot first response p90 by channel",
            [
                p.query(
                    p.quantile(
                        0.9,
                        "support_bot_first_response_seconds",
                        "$window",
                        "channel",
                        ',channel=~"$channel"',
                    ),
                    "{{channel}}",
                )
            ],
            "s",
            0,
            y,
            12,
            8,
        ),
        p.series(
            "Touches per resolution, and contained by bots",
            [
                p.query(share("1", "0"), "one-touch"),
                p.query(share("2", "1"), "two-touch"),
                p.query(share("+Inf", "2"), "three or more"),
                p.query(
                    f'sum(support_contained_resolutions{{window="$window",channel=~"$channel"}})'
                    f' / sum(support_tickets_resolved{{window="$window",{f}}})',
                    "contained",
                ),
            ],
            "percentunit",
            12,
            y,
            12,
            8,
        ),
    ]


def _category_panels(y: int) -> list[timeseries.Panel]:
    """Volume and first response per current category, filtered by ``$category``."""
    c = 'category=~"$category"'
    return [
        p.series(
            "Tickets by category",
            [
                p.query(
                    f'sum by (category) (support_category_tickets_created{{window="$window",{c}}})',
                    "created {{category}}",
                ),
                p.query(
                    "sum by (category) (support_category_tickets_resolved"
                    f'{{window="$window",{c}}})',
                    "resolved {{category}}",
                ),
                p.query(
                    f"sum by (category) (support_category_open_tickets{{{c}}})", "open {{category}}"
                ),
            ],
            "none",
            0,
            y,
            12,
            8,
        ),
        p.category_first_response_p90(12, y, 12),
    ]


def _time_definition_panels(f: str, y: int) -> list[timeseries.Panel]:
    """Calendar against business hours, first against full resolution, and where the time of
    a resolved ticket went (docs/metrics.md, "Time definitions")."""
    match = "," + f

    def p90(family: str, legend: str) -> Dataquery:
        return p.query(p.quantile(0.9, family, "$window", "", match), legend)

    def mean(family: str, legend: str) -> Dataquery:
        sums = f'sum({family}_gsum{{window="$window",{f}}})'
        return p.query(f'{sums} / sum({family}_gcount{{window="$window",{f}}})', legend)

    return [
        p.series(
            "p90: calendar against business hours, first against full resolution",
            [
                p90("support_first_response_seconds", "first response"),
                p90("support_first_response_business_seconds", "first response, business hours"),
                p90("support_resolution_seconds", "first resolution"),
                p90("support_resolution_business_seconds", "first resolution, business hours"),
                p90("support_full_resolution_seconds", "full resolution"),
            ],
            "s",
            0,
            y,
            12,
            8,
        ),
        p.series(
            "Average time per resolved ticket: waiting for us, on hold, in all",
            [
                mean("support_requester_wait_seconds", "requester wait (open)"),
                mean("support_on_hold_seconds", "on hold"),
                mean("support_full_resolution_seconds", "full resolution"),
            ],
            "s",
            12,
            y,
            12,
            8,
        ),
    ]
