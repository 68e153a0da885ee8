"""Rules generated from the objectives: a value and a target per objective, reusing the KPIs'
recording rules, and an alert of severity ticket for a sustained miss."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

from streams.domain.sla.objectives import KPIS
from streams.domain.sla.policy import SlaPolicy, load_policy, parse_policy
from streams.generate import objectives_rules
from streams.generate.files import exports
from tests.support.tools import ROOT, require

RULES = ROOT / "deploy/prometheus/rules"


def _with_objectives(*objectives: dict[str, object]) -> SlaPolicy:
    return parse_policy(
        {
            "version": 1,
            "policies": [{"name": "all", "targets": {"high": {"resolution": "4h"}}}],
            "objectives": list(objectives),
        },
        exports(),
    )


def _every_kpi() -> SlaPolicy:
    """One objective per KPI, each with a target its range allows."""
    entries: list[dict[str, object]] = []
    for kpi, span in KPIS.items():
        entry: dict[str, object] = {"kpi": kpi, "at_least": span.high, "window": "24h"}
        if span.within:
            entry["within"] = "1h"
        entries.append(entry)
    return _with_objectives(*entries)


def test_each_objective_records_its_value_and_target_and_has_one_alert() -> None:
    policy = load_policy(str(ROOT / "deploy/sla/policy.yaml"), exports())
    groups = objectives_rules.document(policy)["groups"]
    records, alerts = groups[0]["rules"], groups[1]["rules"]
    for objective in policy.objectives:
        labels = {"objective": objective.name, "kpi": objective.kpi, "window": objective.window}
        mine = [r for r in records if r["labels"] == labels]
        assert [r["record"] for r in mine] == [
            "support_objective_value",
            "support_objective_target",
        ]
        assert float(mine[1]["expr"]) == objective.target
        assert f'window="{objective.window}"' in mine[0]["expr"]
        (alert,) = [a for a in alerts if f'objective="{objective.name}"' in a["expr"]]
        assert alert["alert"] == "SupportObjectiveMissed"
        assert alert["labels"] == {"severity": "ticket", "objective": objective.name}
        assert alert["for"] == "1d"
        assert objective.name in alert["annotations"]["summary"]
        assert "{{ $value" in alert["annotations"]["summary"]
    assert len(alerts) == len(policy.objectives)


def test_an_at_most_objective_is_missed_above_its_target_and_for_is_configurable() -> None:
    policy = _with_objectives(
        {"kpi": "repeat_contact_ratio", "at_most": 0.03, "window": "7d", "for": "12h"},
        {"kpi": "nps", "at_least": 72, "window": "24h"},
    )
    repeat, nps = objectives_rules.document(policy)["groups"][1]["rules"]
    assert repeat["expr"] == 'support_objective_value{objective="repeat_contact_ratio"} > 0.03'
    assert (
        repeat["for"] == "12h"
        and "above its target (<= 3%)" in repeat["annotations"]["description"]
    )
    assert nps["expr"] == 'support_objective_value{objective="nps"} < 72'
    assert nps["for"] == "1d" and "target >= 72" in nps["annotations"]["summary"]


def test_values_reuse_the_shipped_recording_rules_of_their_kpi() -> None:
    shipped = {
        rule["record"]
        for path in RULES.glob("*.yml")
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
        if "record" in rule
    }
    for kpi, record in objectives_rules.RECORDED.items():
        assert record in shipped, kpi
    for objective in _every_kpi().objectives:
        expr = objectives_rules.value_expr(objective)
        used = set(re.findall(r"window\w*:[a-z_]+:[a-z0-9]+", expr))
        assert used <= shipped, expr
        if objective.kpi in objectives_rules.RECORDED:
            assert expr == f'{objectives_rules.RECORDED[objective.kpi]}{{window="24h"}}'


def test_a_share_within_a_time_is_its_bucket_over_the_count() -> None:
    (objective,) = _with_objectives(
        {"kpi": "first_response_within", "within": "12h", "at_least": 0.9, "window": "7d"}
    ).objectives
    assert objectives_rules.value_expr(objective) == (
        'sum by (window) (support_first_response_seconds_bucket{window="7d", le="43200"})\n'
        '/ (sum by (window) (support_first_response_seconds_gcount{window="7d"}) > 0)'
    )


def test_the_survey_response_ratio_is_narrowed_to_one_survey_when_named() -> None:
    every, csat = _with_objectives(
        {"kpi": "survey_response_ratio", "at_least": 0.2, "window": "7d"},
        {
            "name": "csat_rate",
            "kpi": "survey_response_ratio",
            "survey": "csat",
            "at_least": 0.2,
            "window": "7d",
        },
    ).objectives
    assert 'survey="' not in objectives_rules.value_expr(every)
    assert 'support_surveys_sent{window="7d", survey="csat"}' in objectives_rules.value_expr(csat)


def test_rules_for_every_kpi_pass_promtool(tmp_path: Path) -> None:
    path = tmp_path / "objectives.rules.yml"
    path.write_text(objectives_rules.render(_every_kpi()))
    result = subprocess.run(
        [require("promtool"), "check", "rules", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and not result.stderr, result.stdout + result.stderr
    assert f"{2 * len(KPIS) + len(KPIS)} rules found" in result.stdout
