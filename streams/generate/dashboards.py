"""Grafana dashboards generated with grafana-foundation-sdk from the metrics contract and the SLA
policy: a wall display for the support floor, a team-lead drill-down and processor health.

Every query is plain PromQL over the contract's families (summed over workers), so
``tests/e2e/test_dashboards.py`` can run each of them against a live Prometheus.
"""

from __future__ import annotations

from typing import Any

from grafana_foundation_sdk.builders import bargauge, dashboard, heatmap, stat, timeseries
from grafana_foundation_sdk.builders.prometheus import Dataquery
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.common import BigValueColorMode, BigValueGraphMode
from grafana_foundation_sdk.models.dashboard import (
    DataSourceRef,
    GridPos,
    Threshold,
    ThresholdsMode,
    VariableRefresh,
)
from grafana_foundation_sdk.models.prometheus import PromQueryFormat

from streams.domain.sla.policy import SlaPolicy
from streams.metrics.kpis import DIMS, KPIS, TEAM, WINDOW

DATASOURCE = DataSourceRef(type_val="prometheus", uid="supportkpi-prometheus")
GREEN, AMBER, RED, BLUE = "green", "#EAB839", "red", "blue"
#: the team lead's filters: label names of the KPI table
TEAM_LEAD_FILTERS = (WINDOW, *DIMS, TEAM)


def _q(expr: str, legend: str = "", heatmap_format: bool = False, ref: str = "A") -> Dataquery:
    query = Dataquery().expr(expr).datasource(DATASOURCE).ref_id(ref)
    if legend:
        query = query.legend_format(legend)
    if heatmap_format:
        query = query.format(PromQueryFormat.HEATMAP)
    return query


def _thresholds(*steps: tuple[float | None, str]) -> dashboard.ThresholdsConfig:
    return (
        dashboard.ThresholdsConfig()
        .mode(ThresholdsMode.ABSOLUTE)
        .steps([Threshold(value=v, color=c) for v, c in steps])
    )


def _at(panel: Any, x: int, y: int, w: int, h: int) -> Any:
    return panel.grid_pos(GridPos(h=h, w=w, x=x, y=y)).datasource(DATASOURCE)


def _stat(
    title: str,
    expr: str,
    unit: str,
    steps: tuple[tuple[float | None, str], ...],
    x: int,
    y: int,
    w: int = 4,
    h: int = 5,
    decimals: int = 0,
) -> stat.Panel:
    panel = (
        stat.Panel()
        .title(title)
        .with_target(_q(expr))
        .unit(unit)
        .decimals(decimals)
        .thresholds(_thresholds(*steps))
        .color_mode(BigValueColorMode.BACKGROUND)
        .graph_mode(BigValueGraphMode.NONE)
    )
    return _at(panel, x, y, w, h)


def _series(
    title: str, queries: list[Dataquery], unit: str, x: int, y: int, w: int, h: int
) -> timeseries.Panel:
    panel = timeseries.Panel().title(title).unit(unit)
    for index, query in enumerate(queries):
        panel = panel.with_target(query.ref_id(chr(ord("A") + index)))
    return _at(panel, x, y, w, h)


def _quantile(q: float, family: str, window: str, by: str = "", match: str = "") -> str:
    group = f"{by}, le" if by else "le"
    return (
        f'histogram_quantile({q}, sum by ({group}) ({family}_bucket{{window="{window}"{match}}}))'
    )


def _count(expr: str) -> str:
    return f"sum({expr}) or vector(0)"


def _targets(policy: SlaPolicy | None) -> dict[str, float]:
    """First-response targets (seconds) per priority of the fallback (last) policy."""
    if policy is None:
        return {}
    fallback = policy.policies[-1]
    return {
        prio: per["first_response"] / 1000
        for prio, per in fallback.targets.items()
        if "first_response" in per
    }


def wall(policy: SlaPolicy | None) -> dashboard.Dashboard:
    """Readable across a room: big numbers, SLA colours, no scrolling at 1920x1080."""
    targets = _targets(policy)
    normal = targets.get("normal", 3600.0)
    urgent = targets.get("urgent", 900.0)
    objective = policy.objective if policy else 0.95

    def compliance(window: str) -> str:
        return f'window_sla:support_sla_compliance:ratio{{sla="first_response",window="{window}"}}'

    panels = [
        _stat(
            "First response p50 · 1h",
            _quantile(0.5, "support_first_response_seconds", "1h"),
            "s",
            ((None, GREEN), (0.75 * normal, AMBER), (normal, RED)),
            0,
            0,
        ),
        _stat(
            "First response p90 · 1h",
            _quantile(0.9, "support_first_response_seconds", "1h"),
            "s",
            ((None, GREEN), (0.75 * normal, AMBER), (normal, RED)),
            4,
            0,
        ),
        _stat(
            "Urgent first response p90 · 1h",
            _quantile(0.9, "support_first_response_seconds", "1h", match=',priority="urgent"'),
            "s",
            ((None, GREEN), (0.75 * urgent, AMBER), (urgent, RED)),
            8,
            0,
        ),
        _stat(
            "SLA compliance · 1h",
            compliance("1h"),
            "percentunit",
            ((None, RED), (objective - 0.05, AMBER), (objective, GREEN)),
            12,
            0,
            decimals=1,
        ),
        _stat(
            "SLA compliance · today",
            compliance("24h"),
            "percentunit",
            ((None, RED), (objective - 0.05, AMBER), (objective, GREEN)),
            16,
            0,
            decimals=1,
        ),
        _stat(
            "Breaches today",
            _count('support_sla_tickets{window="24h",outcome="breached"}'),
            "none",
            ((None, GREEN), (1, AMBER), (10, RED)),
            20,
            0,
        ),
        _stat(
            "At risk now",
            _count("support_sla_at_risk_tickets"),
            "none",
            ((None, GREEN), (1, AMBER), (5, RED)),
            0,
            5,
        ),
        _stat(
            "Breached & still open",
            _count("support_sla_breached_open_tickets"),
            "none",
            ((None, GREEN), (1, RED)),
            4,
            5,
        ),
        _stat(
            "CSAT · 24h",
            'window:support_csat:percent{window="24h"}',
            "percent",
            ((None, RED), (70, AMBER), (85, GREEN)),
            8,
            5,
            decimals=1,
        ),
        _stat(
            "CSAT · 7d",
            'window:support_csat:percent{window="7d"}',
            "percent",
            ((None, RED), (70, AMBER), (85, GREEN)),
            12,
            5,
            decimals=1,
        ),
        _stat(
            "NPS · 24h / 7d",
            'window:support_nps:score{window=~"24h|7d"}',
            "none",
            ((None, RED), (0, AMBER), (30, GREEN)),
            16,
            5,
        ),
        _stat(
            "CES · 24h / 7d",
            'window:support_ces:average{window=~"24h|7d"}',
            "none",
            ((None, RED), (4, AMBER), (5, GREEN)),
            20,
            5,
            decimals=1,
        ),
        _at(
            bargauge.Panel()
            .title("Open backlog by priority")
            .with_target(_q("sum by (priority) (support_open_tickets)", "{{priority}}"))
            .thresholds(_thresholds((None, BLUE))),
            0,
            10,
            8,
            8,
        ),
        _series(
            "Tickets created per hour, by channel",
            [_q('sum by (channel) (support_tickets_created{window="1h"})', "{{channel}}")],
            "none",
            8,
            10,
            8,
            8,
        ),
        _series(
            "First response p90 · 1h, by priority",
            [
                _q(
                    _quantile(0.9, "support_first_response_seconds", "1h", by="priority"),
                    "{{priority}}",
                )
            ],
            "s",
            16,
            10,
            8,
            8,
        ),
        _series(
            "SLA compliance · 1h, by SLA",
            [_q('window_sla:support_sla_compliance:ratio{window="1h"}', "{{sla}}")],
            "percentunit",
            0,
            18,
            12,
            7,
        ),
        _series(
            "Open backlog and oldest open ticket",
            [
                _q("sum(support_open_tickets)", "open tickets"),
                _q("max(support_oldest_open_ticket_age_seconds) / 3600", "oldest open (hours)"),
            ],
            "none",
            12,
            18,
            12,
            7,
        ),
    ]
    board = (
        dashboard.Dashboard("Support floor")
        .uid("supportkpi-wall")
        .tags(["supportkpi", "wall"])
        .refresh("30s")
        .time("now-6h", "now")
        .timezone("browser")
    )
    return _with_panels(board, panels)


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
        _at(
            heatmap.Panel()
            .title("First response time distribution")
            .with_target(
                _q(
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
        _at(
            heatmap.Panel()
            .title("Resolution time distribution")
            .with_target(
                _q(
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
        _series(
            "SLA outcomes by SLA and priority",
            [
                _q(
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
        _series(
            "Next reply p90 by priority",
            [
                _q(
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
        _at(
            bargauge.Panel()
            .title("Survey answers by score")
            .with_target(
                _q(
                    f'sum by (survey, score) (support_survey_responses{{window="$window",{f}}})',
                    "{{survey}} {{score}}",
                )
            ),
            0,
            17,
            12,
            8,
        ),
        _series(
            "Tickets by team",
            [
                _q(
                    'sum by (team) (support_team_tickets_created{window="$window",team=~"$team"})',
                    "created {{team}}",
                ),
                _q(
                    'sum by (team) (support_team_tickets_resolved{window="$window",team=~"$team"})',
                    "resolved {{team}}",
                ),
                _q('sum by (team) (support_team_open_tickets{team=~"$team"})', "open {{team}}"),
            ],
            "none",
            12,
            17,
            12,
            8,
        ),
        _series(
            "One-touch rate and reopens",
            [
                _q(
                    f'sum(support_one_touch_resolutions{{window="$window",{f}}}) / '
                    f'sum(support_tickets_resolved{{window="$window",{f}}})',
                    "one-touch rate",
                ),
                _q(
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
    return _with_panels(board, panels)


def health(policy: SlaPolicy | None) -> dashboard.Dashboard:
    board = (
        dashboard.Dashboard("supportkpi processor health")
        .uid("supportkpi-health")
        .tags(["supportkpi", "ops"])
        .refresh("30s")
        .time("now-1h", "now")
        .timezone("browser")
    )
    panels = [
        _series(
            "Events/s by topic and outcome",
            [
                _q(
                    "sum by (topic, outcome) (rate(support_events_total[$__rate_interval]))",
                    "{{topic}} {{outcome}}",
                )
            ],
            "ops",
            0,
            0,
            12,
            8,
        ),
        # every outcome but processed (duplicate, invalid, late, capped, failed, undecodable):
        # one series each, so a new outcome shows without a change here
        _series(
            "Share of events not processed, by outcome",
            [
                _q(
                    'sum by (outcome) (rate(support_events_total{outcome!="processed"}'
                    "[$__rate_interval])) / on () group_left "
                    "sum(rate(support_events_total[$__rate_interval]))",
                    "{{outcome}}",
                )
            ],
            "percentunit",
            12,
            0,
            12,
            8,
        ),
        _series(
            "Consumer lag",
            [_q("sum by (topic) (support_consumer_lag_messages)", "{{topic}}")],
            "none",
            0,
            8,
            8,
            7,
        ),
        _stat(
            "Last event age",
            "time() - max(support_last_event_timestamp_seconds)",
            "s",
            ((None, GREEN), (60, AMBER), (300, RED)),
            8,
            8,
            4,
            7,
        ),
        _stat(
            "Workers up",
            'sum(up{job="supportkpi"})',
            "none",
            ((None, RED), (1, GREEN)),
            12,
            8,
            4,
            7,
        ),
        _stat(
            "Partitions owned",
            "sum(support_owned_partitions)",
            "none",
            ((None, RED), (1, GREEN)),
            16,
            8,
            4,
            7,
        ),
        _series(
            "Rebalances and rewinds",
            [
                _q(
                    "sum by (instance) (increase(support_rebalances_total[$__rate_interval]))",
                    "{{instance}}",
                ),
                _q(
                    "sum by (instance) (increase(support_rewinds_total[$__rate_interval]))",
                    "rewinds {{instance}}",
                ),
            ],
            "none",
            20,
            8,
            4,
            7,
        ),
        _series(
            "Scrape duration and health",
            [_q('max by (instance) (scrape_duration_seconds{job="supportkpi"})', "{{instance}}")],
            "s",
            0,
            15,
            12,
            7,
        ),
        _series(
            "Orphaned events and folded labels",
            [
                _q("sum(support_orphaned_events_total)", "orphaned"),
                _q("sum by (label) (support_label_values_folded_total)", "folded {{label}}"),
            ],
            "none",
            12,
            15,
            12,
            7,
        ),
        # issue 13: a stage that makes no progress, and state a rebuild had to leave out (both
        # exported at 0 from the start, so the panels have data on a healthy worker)
        _stat(
            "Stalled stages",
            "sum(support_processing_stalled)",
            "none",
            ((None, GREEN), (1, RED)),
            0,
            22,
            4,
            7,
        ),
        _series(
            "Stalled stages by worker (1 = stalled, see /health)",
            [_q("max by (instance, stage) (support_processing_stalled)", "{{instance}} {{stage}}")],
            "none",
            4,
            22,
            10,
            7,
        ),
        _series(
            "Changelog records quarantined since start",
            [_q("sum by (instance) (support_changelog_records_quarantined_total)", "{{instance}}")],
            "none",
            14,
            22,
            10,
            7,
        ),
    ]
    return _with_panels(board, panels)


def _with_panels(board: dashboard.Dashboard, panels: list[Any]) -> dashboard.Dashboard:
    for number, panel in enumerate(panels, start=1):
        board = board.with_panel(panel.id(number))
    return board


DASHBOARDS = {"wall": wall, "team-lead": team_lead, "health": health}


def render(name: str, policy: SlaPolicy | None) -> str:
    built = DASHBOARDS[name](policy).build()
    return JSONEncoder(sort_keys=True, indent=2).encode(built) + "\n"
