"""The shipped recording rules are valid and compute the documented KPIs (promtool)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.tools import require

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"


def _promtool(*args: str) -> None:
    result = subprocess.run([require("promtool"), *args], capture_output=True, text=True,
                            check=False, cwd=DEPLOY)
    assert result.returncode == 0, result.stdout + result.stderr


def test_rules_pass_promtool_check() -> None:
    _promtool("check", "rules", *[str(p) for p in sorted((DEPLOY / "rules").glob("*.yml"))])


def test_rules_pass_their_promtool_unit_tests() -> None:
    _promtool("test", "rules", *[str(p) for p in sorted((DEPLOY / "tests").glob("*.yml"))])


def test_generated_files_are_up_to_date_with_the_sla_policy() -> None:
    from streams.generate import files

    root = DEPLOY.parents[1]
    assert files.stale(root) == [], "run `supportkpi generate` and commit the result"


def test_generated_rules_follow_the_policy_objective() -> None:
    from streams.domain.sla.policy import parse_policy
    from streams.generate.prometheus_rules import rules

    policy = parse_policy({"version": 1, "objective": 0.99, "policies": [
        {"name": "all", "targets": {"urgent": {"first_response": "5m"}}}]})
    generated = rules(policy)
    exprs = [r.get("expr", "") for g in generated["groups"] for r in g["rules"]]
    assert "window_sla:support_sla_error:ratio / 0.01" in exprs
    targets = [r for r in generated["groups"][0]["rules"]]
    assert targets == [{"record": "support_sla_target_seconds", "expr": "300.0",
                        "labels": {"policy": "all", "priority": "urgent",
                                   "sla": "first_response"}}]


def test_alertmanager_config_is_valid_and_routes_pages_and_tickets_apart() -> None:
    import yaml

    path = DEPLOY.parent / "alertmanager" / "alertmanager.yml"
    result = subprocess.run([require("amtool"), "check-config", str(path)], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    for severity, receiver in (("page", "support-oncall-pager"), ("ticket", "support-ops-queue")):
        routed = subprocess.run([require("amtool"), "config", "routes", "test",
                                 f"--config.file={path}", f"severity={severity}",
                                 "alertname=SupportUrgentSLABreached"],
                                capture_output=True, text=True, check=False)
        assert routed.stdout.strip() == receiver, routed.stdout + routed.stderr
    assert yaml.safe_load(path.read_text())["route"]["receiver"] == "support-ops-queue"
