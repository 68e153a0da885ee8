"""The shipped recording rules are valid and compute the documented KPIs (promtool)."""

from __future__ import annotations

import subprocess
from typing import Any

from tests.support.tools import ROOT, require

DEPLOY = ROOT / "deploy" / "prometheus"


def _promtool(*args: str) -> None:
    result = subprocess.run(
        [require("promtool"), *args], capture_output=True, text=True, check=False, cwd=DEPLOY
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_rules_pass_promtool_check() -> None:
    _promtool("check", "rules", *[str(p) for p in sorted((DEPLOY / "rules").glob("*.yml"))])


def test_rules_pass_their_promtool_unit_tests() -> None:
    _promtool("test", "rules", *[str(p) for p in sorted((DEPLOY / "tests").glob("*.yml"))])


def test_generated_files_are_up_to_date_with_the_sla_policy() -> None:
    from streams.generate import files

    assert files.stale(ROOT) == [], "run `supportkpi generate` and commit the result"


def test_generated_rules_follow_the_policy_objective() -> None:
    from streams.domain.sla.policy import parse_policy
    from streams.generate.prometheus_rules import rules

    policy = parse_policy(
        {
            "version": 1,
            "objective": 0.99,
            "policies": [{"name": "all", "targets": {"urgent": {"first_response": "5m"}}}],
        }
    )
    generated = rules(policy)
    exprs = [r.get("expr", "") for g in generated["groups"] for r in g["rules"]]
    assert "window_sla:support_sla_error:ratio / 0.01" in exprs
    targets = [r for r in generated["groups"][0]["rules"]]
    assert targets == [
        {
            "record": "support_sla_target_seconds",
            "expr": "300.0",
            "labels": {"policy": "all", "priority": "urgent", "sla": "first_response"},
        }
    ]


def test_the_burn_rate_alerts_refuse_windows_that_are_not_configured() -> None:
    import pytest

    from streams.domain.sla.policy import parse_policy
    from streams.generate.prometheus_rules import rules
    from streams.generate.windows import ExportedWindows

    policy = parse_policy(
        {"version": 1, "policies": [{"name": "all", "targets": {"urgent": {"resolution": "1h"}}}]}
    )
    assert rules(policy, ExportedWindows.of(("1h", "24h", "7d")))["groups"]
    with pytest.raises(ValueError, match="SupportSLABudgetBurnSlow needs the 7d window"):
        rules(policy, ExportedWindows.of(("1h", "24h", "30d")))


def test_alertmanager_config_is_valid_and_routes_pages_and_tickets_apart() -> None:
    import yaml

    path = DEPLOY.parent / "alertmanager" / "alertmanager.yml"
    result = subprocess.run(
        [require("amtool"), "check-config", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for severity, receiver in (("page", "support-oncall-pager"), ("ticket", "support-ops-queue")):
        routed = subprocess.run(
            [
                require("amtool"),
                "config",
                "routes",
                "test",
                f"--config.file={path}",
                f"severity={severity}",
                "alertname=SupportUrgentSLABreached",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert routed.stdout.strip() == receiver, routed.stdout + routed.stderr
    assert yaml.safe_load(path.read_text())["route"]["receiver"] == "support-ops-queue"


def _alerts() -> list[dict[str, Any]]:
    import yaml

    return [
        rule
        for path in sorted((DEPLOY / "rules").glob("*.yml"))
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
        if "alert" in rule
    ]


def test_processor_alerts_page_for_a_stall_and_ticket_for_lost_state_or_events() -> None:
    from streams.domain.sla.policy import parse_policy
    from streams.generate.prometheus_rules import rules

    policy = parse_policy(
        {
            "version": 1,
            "objective": 0.99,
            "policies": [{"name": "all", "targets": {"urgent": {"first_response": "5m"}}}],
        }
    )
    group = next(g for g in rules(policy)["groups"] if g["name"] == "supportkpi-processor-alerts")
    alerts = {r["alert"]: r for r in group["rules"]}
    assert {name: r["labels"]["severity"] for name, r in alerts.items()} == {
        "SupportkpiProcessingStalled": "page",
        "SupportkpiChangelogRecordsQuarantined": "ticket",
        "SupportkpiEventsFailedOrUndecodable": "ticket",
    }
    stalled = alerts["SupportkpiProcessingStalled"]
    assert "support_processing_stalled" in stalled["expr"] and stalled["for"] == "2m"
    assert "$labels.stage" in stalled["annotations"]["summary"]
    assert "/health" in stalled["annotations"]["description"]
    # a counter series that first appears above zero is caught too, not only increase()
    for name in ("SupportkpiChangelogRecordsQuarantined", "SupportkpiEventsFailedOrUndecodable"):
        assert "increase(" in alerts[name]["expr"] and " unless " in alerts[name]["expr"]
    assert 'outcome=~"failed|undecodable"' in alerts["SupportkpiEventsFailedOrUndecodable"]["expr"]


def test_every_shipped_alert_has_a_summary_and_routes_by_its_severity() -> None:
    path = DEPLOY.parent / "alertmanager" / "alertmanager.yml"
    receivers = {"page": "support-oncall-pager", "ticket": "support-ops-queue"}
    alerts = _alerts()
    assert {"SupportkpiProcessingStalled", "SupportUrgentSLABreached"} <= {
        a["alert"] for a in alerts
    }
    for alert in alerts:
        labels, annotations = alert["labels"], alert["annotations"]
        assert annotations["summary"] and annotations["description"], alert["alert"]
        routed = subprocess.run(
            [
                require("amtool"),
                "config",
                "routes",
                "test",
                f"--config.file={path}",
                f"severity={labels['severity']}",
                f"alertname={alert['alert']}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert routed.stdout.strip() == receivers[labels["severity"]], routed.stdout
