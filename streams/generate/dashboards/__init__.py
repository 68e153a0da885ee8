"""Grafana dashboards generated with grafana-foundation-sdk from the metrics contract and the SLA
policy: a wall display for the support floor, a team-lead drill-down, the quality view of
categories, surveys, repeat contacts and teams, and processor health.

Every query is plain PromQL over the contract's families (summed over workers), so
``tests/e2e/test_dashboards.py`` can run each of them against a live Prometheus.
"""

from __future__ import annotations

from grafana_foundation_sdk.cog.encoder import JSONEncoder

from streams.domain.sla.policy import SlaPolicy
from streams.generate.dashboards.health import health
from streams.generate.dashboards.quality import quality
from streams.generate.dashboards.team_lead import team_lead
from streams.generate.dashboards.wall import wall

DASHBOARDS = {"wall": wall, "team-lead": team_lead, "quality": quality, "health": health}


def render(name: str, policy: SlaPolicy | None) -> str:
    built = DASHBOARDS[name](policy).build()
    return JSONEncoder(sort_keys=True, indent=2).encode(built) + "\n"
