"""The surge rules follow the policy's ``surge`` settings (the promtool cases are in
deploy/prometheus/tests/surge.test.yml)."""

from __future__ import annotations

import yaml

from streams.domain.sla.policy import parse_policy
from streams.generate import surge_rules

MINIMAL = {"version": 1, "policies": [{"name": "all", "targets": {"high": {"resolution": "4h"}}}]}


def test_the_alerts_use_the_policys_factor_and_minimum_per_channel_and_category() -> None:
    policy = parse_policy({**MINIMAL, "surge": {"factor": 4, "min_tickets": 7}})
    rules = yaml.safe_load(surge_rules.render(policy))["groups"][0]["rules"]
    alerts = [r for r in rules if "alert" in r]
    assert [a["labels"]["dimension"] for a in alerts] == ["channel", "category"]
    for alert in alerts:
        label = alert["labels"]["dimension"]
        assert f"{label}:support_tickets_created_vs_week:ratio > 4" in alert["expr"]
        assert f"{label}:support_tickets_created_vs_previous_hour:ratio > 4" in alert["expr"]
        assert f"{label}:support_tickets_created:1h >= 7" in alert["expr"]
        assert alert["labels"]["severity"] == "ticket"
    recorded = {r["record"] for r in rules if "record" in r}
    assert {a["expr"].split()[0] for a in alerts} <= recorded
