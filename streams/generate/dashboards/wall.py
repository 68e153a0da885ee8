"""The wall display for the support floor: big numbers in SLA colours, no scrolling."""

from __future__ import annotations

from grafana_foundation_sdk.builders import bargauge, dashboard
from grafana_foundation_sdk.builders import stat as stat_builder

from streams.domain.sla.lookahead import DEFAULT_HORIZONS
from streams.domain.sla.policy import SlaPolicy
from streams.generate.dashboards import panels as p
from streams.generate.dashboards.drilldown import closest_to_breach
from streams.generate.dashboards.freshness import data_as_of
from streams.generate.dashboards.objectives import objectives_row
from streams.generate.dashboards.panels import AMBER, BLUE, GREEN, RED
from streams.generate.windows import configured

HOUR_MS = 3_600_000


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


def _coming(policy: SlaPolicy | None, x: int, y: int) -> stat_builder.Panel:
    """Breaches expected within the hour (or the policy's horizon nearest to it): the clocks
    that will run out unless someone answers, beside those at risk now."""
    horizons = policy.lookahead.horizons if policy else DEFAULT_HORIZONS
    nearest = min(horizons, key=lambda h: (abs(h.ms - HOUR_MS), h.ms))
    title = "hour" if nearest.ms == HOUR_MS else nearest.label
    return p.stat(
        f"Breaches in the next {title}",
        p.count(f'support_sla_breaches_expected{{horizon="{nearest.label}"}}'),
        "none",
        ((None, GREEN), (1, AMBER), (5, RED)),
        x,
        y,
    )


def wall(policy: SlaPolicy | None) -> dashboard.Dashboard:
    """Readable across a room: big numbers, SLA colours, no scrolling at 1920x1080."""
    targets = _targets(policy)
    normal = targets.get("normal", 3600.0)
    urgent = targets.get("urgent", 900.0)
    objective = policy.objective if policy else 0.95
    windows = configured()
    hour, day = (windows.require(name, "the wall display") for name in ("1h", "24h"))
    month = windows.longest  # the survey figures of the monthly reports (30d by default)

    goals = objectives_row(policy.objectives if policy else (), 10)
    middle = 10 + goals.height  # the charts below the objectives, shorter when there are some
    tall, short = (8, 7) if goals.height == 0 else (6, 5)

    def compliance(window: str) -> str:
        return f'window_sla:support_sla_compliance:ratio{{sla="first_response",window="{window}"}}'

    panels = [
        p.stat(
            f"First response p50 · {hour}",
            p.quantile(0.5, "support_first_response_seconds", hour),
            "s",
            ((None, GREEN), (0.75 * normal, AMBER), (normal, RED)),
            0,
            0,
        ),
        p.stat(
            f"First response p90 · {hour}",
            p.quantile(0.9, "support_first_response_seconds", hour),
            "s",
            ((None, GREEN), (0.75 * normal, AMBER), (normal, RED)),
            4,
            0,
        ),
        p.stat(
            f"Urgent first response p90 · {hour}",
            p.quantile(0.9, "support_first_response_seconds", hour, match=',priority="urgent"'),
            "s",
            ((None, GREEN), (0.75 * urgent, AMBER), (urgent, RED)),
            8,
            0,
        ),
        p.stat(
            f"SLA compliance · {hour}",
            compliance(hour),
            "percentunit",
            ((None, RED), (objective - 0.05, AMBER), (objective, GREEN)),
            12,
            0,
            decimals=1,
        ),
        p.stat(
            "SLA compliance · today",
            compliance(day),
            "percentunit",
            ((None, RED), (objective - 0.05, AMBER), (objective, GREEN)),
            16,
            0,
            decimals=1,
        ),
        p.stat(
            "Breaches today",
            p.count(f'support_sla_tickets{{window="{day}",outcome="breached"}}'),
            "none",
            ((None, GREEN), (1, AMBER), (10, RED)),
            20,
            0,
        ),
        p.stat(
            "At risk now",
            p.count("support_sla_at_risk_tickets"),
            "none",
            ((None, GREEN), (1, AMBER), (5, RED)),
            0,
            5,
        ),
        _coming(policy, 4, 5),
        p.stat(
            "Breached & still open",
            p.count("support_sla_breached_open_tickets"),
            "none",
            ((None, GREEN), (1, RED)),
            8,
            5,
        ),
        p.stat(
            f"CSAT · {day} / {month}",
            f'window:support_csat:percent{{window=~"{day}|{month}"}}',
            "percent",
            ((None, RED), (70, AMBER), (85, GREEN)),
            12,
            5,
            w=3,
            decimals=1,
        ),
        p.stat(
            f"NPS · {day} / {month}",
            f'window:support_nps:score{{window=~"{day}|{month}"}}',
            "none",
            ((None, RED), (0, AMBER), (30, GREEN)),
            15,
            5,
            w=3,
        ),
        p.stat(
            f"CES · {day} / {month}",
            f'window:support_ces:average{{window=~"{day}|{month}"}}',
            "none",
            ((None, RED), (4, AMBER), (5, GREEN)),
            18,
            5,
            w=3,
            decimals=1,
        ),
        data_as_of(21, 5, w=3),
        p.place(
            bargauge.Panel()
            .title("Open backlog by priority")
            .with_target(p.query("sum by (priority) (support_open_tickets)", "{{priority}}"))
            .thresholds(p.thresholds((None, BLUE))),
            0,
            middle,
            8,
            tall,
        ),
        p.series(
            "Tickets created per hour, by channel",
            [
                p.query(
                    f'sum by (channel) (support_tickets_created{{window="{hour}"}})', "{{channel}}"
                )
            ],
            "none",
            8,
            middle,
            8,
            tall,
        ),
        closest_to_breach(16, middle, 8, tall + short),
        p.series(
            f"SLA compliance · {hour}, by SLA",
            [p.query(f'window_sla:support_sla_compliance:ratio{{window="{hour}"}}', "{{sla}}")],
            "percentunit",
            0,
            middle + tall,
            8,
            short,
        ),
        p.series(
            "Open backlog and oldest open ticket",
            [
                p.query("sum(support_open_tickets)", "open tickets"),
                p.query(
                    "max(support_oldest_open_ticket_age_seconds) / 3600", "oldest open (hours)"
                ),
            ],
            "none",
            8,
            middle + tall,
            8,
            short,
        ),
        *goals.panels,
    ]
    board = (
        dashboard.Dashboard("Support floor")
        .uid("supportkpi-wall")
        .tags(["supportkpi", "wall"])
        .refresh("30s")
        .time("now-6h", "now")
        .timezone("browser")
    )
    return p.with_panels(board, panels)
