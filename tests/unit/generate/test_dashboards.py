"""Generated dashboards: well-formed, on the provisioned datasource, and the wall fits a TV."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from streams.generate import quality_rules
from streams.generate.dashboards import DASHBOARDS
from streams.metrics.kpis import KPIS
from tests.support.tools import ROOT

BOARDS = sorted((ROOT / "grafana/dashboards").glob("*.json"))
TV_ROWS = 25  # 1080 px in kiosk mode: ~25 grid rows of 30 px plus gaps


def _datasource_uid(name: str = "prometheus") -> str:
    doc = yaml.safe_load((ROOT / f"grafana/provisioning/datasources/{name}.yml").read_text())
    return str(doc["datasources"][0]["uid"])


def test_every_generated_dashboard_is_committed_and_no_other() -> None:
    assert {p.stem for p in BOARDS} == {
        "supportkpi-wall",
        "supportkpi-team-lead",
        "supportkpi-quality",
        "supportkpi-health",
    }
    assert {f"supportkpi-{name}" for name in DASHBOARDS} == {p.stem for p in BOARDS}


@pytest.mark.parametrize("path", BOARDS, ids=lambda p: p.stem)
def test_dashboard_structure(path: Path) -> None:
    board = json.loads(path.read_text())
    assert board["uid"] == path.stem and board["title"] and board["refresh"]
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    cells: set[tuple[int, int]] = set()
    for panel in board["panels"]:
        pos = panel["gridPos"]
        assert pos["x"] >= 0 and pos["x"] + pos["w"] <= 24, panel["title"]
        for x in range(pos["x"], pos["x"] + pos["w"]):
            for y in range(pos["y"], pos["y"] + pos["h"]):
                assert (x, y) not in cells, f"{panel['title']} overlaps another panel"
                cells.add((x, y))
        refs = [t["refId"] for t in panel["targets"]]
        assert refs and len(refs) == len(set(refs)) and all(refs), panel["title"]
        if panel["datasource"]["type"] == "yesoreyeram-infinity-datasource":  # the drill-down
            assert panel["datasource"]["uid"] == _datasource_uid("tickets")
            continue
        assert panel["datasource"]["uid"] == _datasource_uid()
        for target in panel["targets"]:
            assert target["expr"].strip() and target["datasource"]["uid"] == _datasource_uid()


def test_the_wall_display_needs_no_scrolling_and_colours_at_the_sla_targets() -> None:
    board = json.loads((ROOT / "grafana/dashboards/supportkpi-wall.json").read_text())
    assert max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in board["panels"]) <= TV_ROWS
    assert board["refresh"] == "30s"
    urgent = next(p for p in board["panels"] if p["title"].startswith("Urgent first response"))
    steps = urgent["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert steps[-1] == {"color": "red", "value": 3600.0}  # the standard policy's urgent target


def test_every_window_a_panel_names_is_configured_and_the_wall_reads_the_largest() -> None:
    from streams.config import Settings

    named: set[str] = set()
    for path in BOARDS:
        for panel in json.loads(path.read_text())["panels"]:
            for target in panel["targets"]:
                for match in re.findall(r'window=~?"([^"$]+)"', target.get("expr", "")):
                    named.update(match.split("|"))
    assert named and named <= set(Settings().windows)
    titles = [p["title"] for p in _board("wall")["panels"]]
    assert {"CSAT · 24h / 30d", "NPS · 24h / 30d", "CES · 24h / 30d"} <= set(titles)


def test_the_wall_display_refuses_windows_that_are_not_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib

    from streams.generate.windows import ExportedWindows

    module = importlib.import_module("streams.generate.dashboards.wall")  # not the function
    monkeypatch.setattr(module, "configured", lambda: ExportedWindows.of(("1h", "7d")))
    with pytest.raises(ValueError, match="the wall display needs the 24h window"):
        module.wall(None)


def _board(name: str) -> dict[str, Any]:
    return dict(json.loads((ROOT / f"grafana/dashboards/supportkpi-{name}.json").read_text()))


def test_team_lead_dashboard_has_channel_priority_team_and_category_variables() -> None:
    board = _board("team-lead")
    names = {v["name"] for v in board["templating"]["list"]}
    assert {"channel", "priority", "team", "category", "window"} <= names
    assert any(p["type"] == "heatmap" for p in board["panels"])


def test_the_category_variable_filters_every_category_query() -> None:
    """A category panel that ignored the variable would show all categories whatever is picked;
    a panel of another family filtered by category would show nothing."""
    for name in ("team-lead", "quality"):
        exprs = [t["expr"] for p in _board(name)["panels"] for t in p["targets"]]
        by_category = [e for e in exprs if "support_category_" in e]
        assert by_category, name
        for expr in exprs:
            filtered = 'category=~"$category"' in expr
            assert filtered == ("support_category_" in expr), expr


@pytest.mark.parametrize("name", ["team-lead", "quality"])
def test_variables_read_label_values_of_families_that_carry_the_label(name: str) -> None:
    labels = {row.name: row.family.labels for row in KPIS}
    for variable in _board(name)["templating"]["list"]:
        match = re.fullmatch(r"label_values\((\w+), (\w+)\)", variable["query"])
        assert match, variable["query"]
        family, label = match.groups()
        assert label == variable["name"] and label in labels[family], variable["query"]


def test_quality_dashboard_shows_every_quality_rule_per_window() -> None:
    exprs = [t["expr"] for p in _board("quality")["panels"] for t in p["targets"]]
    for rule in quality_rules.rules():
        assert any(rule["record"] in e for e in exprs), rule["record"]
    for expr in exprs:
        assert 'window="$window"' in expr, expr


def test_the_team_comparison_joins_one_instant_series_per_team_and_column() -> None:
    table = next(p for p in _board("quality")["panels"] if p["title"] == "Team comparison")
    assert table["transformations"][0]["id"] == "merge"
    named = {o["matcher"]["options"] for o in table["fieldConfig"]["overrides"]}
    for target in table["targets"]:
        assert target["instant"] and target["format"] == "table", target["expr"]
        assert target["expr"].startswith("sum by (team) ("), target["expr"]
        assert 'team=~"$team"' in target["expr"], target["expr"]
        assert f"Value #{target['refId']}" in named


def _health() -> dict[str, Any]:
    return _board("health")


def test_health_dashboard_shows_stalled_stages_and_quarantined_records() -> None:
    exprs = {t["expr"] for p in _health()["panels"] for t in p["targets"]}
    assert "max by (instance, stage) (support_processing_stalled)" in exprs
    assert "sum by (instance) (support_changelog_records_quarantined_total)" in exprs


def test_health_dashboard_shows_every_event_outcome() -> None:
    """Each outcome of support_events_total is a series of a panel: grouped by outcome and not
    filtered down to some of them (a filter that names outcomes would hide new ones)."""
    queries = [
        t["expr"]
        for p in _health()["panels"]
        for t in p["targets"]
        if "support_events_total" in t["expr"]
    ]
    by_outcome = [q for q in queries if "by (topic, outcome)" in q or "by (outcome)" in q]
    assert by_outcome
    for query in by_outcome:
        assert not re.search(r'outcome=~?"', query), query  # at most outcome!="processed"


def test_health_dashboard_queries_keep_zero_series() -> None:
    """tests/e2e/test_dashboards.py needs data from every query on a healthy worker: no
    comparison filter (``> 0``) may drop the zeros."""
    for panel in _health()["panels"]:
        for target in panel["targets"]:
            assert not re.search(r"[<>]=?\s*\d", target["expr"]), panel["title"]


def test_the_wall_shows_every_objective_of_the_policy_against_its_target() -> None:
    from streams.domain.sla.objectives import Comparison
    from streams.domain.sla.policy import load_policy
    from streams.generate.files import exports

    policy = load_policy(str(ROOT / "deploy/sla/policy.yaml"), exports())
    assert policy.objectives
    panels = {
        t["expr"]: p
        for p in _board("wall")["panels"]
        for t in p["targets"]
        if "objective" in t.get("expr", "")
    }
    for objective in policy.objectives:
        panel = panels.pop(f'support_objective_value{{objective="{objective.name}"}}')
        assert objective.window in panel["title"], panel["title"]
        steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
        if objective.comparison is Comparison.AT_LEAST:  # red below, green from the target on
            assert steps == [
                {"color": "red", "value": None},
                {"color": "green", "value": objective.target},
            ]
        else:  # green up to the target, red above it
            assert steps[0] == {"color": "green", "value": None} and steps[1]["color"] == "red"
            assert objective.target < steps[1]["value"] < objective.target * 1.0001
    assert not panels, "a wall panel for an objective the policy does not have"


def test_the_wall_says_how_fresh_its_data_is_in_amber_then_red() -> None:
    """Event time of the newest event (as an age) and the consumer lag, each with its own
    amber and red steps: a frozen screen must not pass for a quiet floor."""
    panel = next(p for p in _board("wall")["panels"] if p["title"].startswith("Data as of"))
    exprs = {t["refId"]: t["expr"] for t in panel["targets"]}
    assert "support_last_event_timestamp_seconds" in exprs["A"]
    assert "support_consumer_lag_messages" in exprs["B"]
    behind = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert [s["color"] for s in behind] == ["green", "#EAB839", "red"]
    assert panel["fieldConfig"]["defaults"]["unit"] == "s"
    (lag,) = panel["fieldConfig"]["overrides"]
    assert lag["matcher"] == {"id": "byFrameRefID", "options": "B"}
    steps = next(p["value"]["steps"] for p in lag["properties"] if p["id"] == "thresholds")
    assert [s["color"] for s in steps] == ["green", "#EAB839", "red"]
    assert steps[1]["value"] < steps[2]["value"]


def test_breaches_in_the_next_hour_stand_beside_at_risk_now() -> None:
    panels = {p["title"]: p for p in _board("wall")["panels"]}
    at_risk, coming = panels["At risk now"]["gridPos"], panels["Breaches in the next hour"]
    assert coming["gridPos"]["y"] == at_risk["y"]
    assert coming["gridPos"]["x"] == at_risk["x"] + at_risk["w"]
    (target,) = coming["targets"]
    assert 'support_sla_breaches_expected{horizon="1h"}' in target["expr"]
    row = sorted(
        (p["gridPos"]["x"], p["gridPos"]["w"])
        for p in panels.values()
        if p["gridPos"]["y"] == at_risk["y"]
    )
    assert [x for x, _ in row] == list(itertools.accumulate([0] + [w for _, w in row[:-1]]))
    assert sum(w for _, w in row) == 24, "the row overlaps or leaves a gap"


@pytest.mark.parametrize(
    ("horizons", "label", "title"),
    [
        (["15m", "4h"], "15m", "Breaches in the next 15m"),
        (["30m", "2h"], "30m", "Breaches in the next 30m"),
        (["90m", "1d"], "90m", "Breaches in the next 90m"),
    ],
)
def test_without_a_1h_horizon_the_wall_reads_the_nearest(
    horizons: list[str], label: str, title: str
) -> None:
    from streams.domain.sla.policy import parse_policy
    from streams.generate.dashboards import render

    doc = {
        "version": 1,
        "policies": [{"name": "all", "targets": {"urgent": {"first_response": "1h"}}}],
        "lookahead": {"horizons": horizons},
    }
    board = json.loads(render("wall", parse_policy(doc)))
    (panel,) = [p for p in board["panels"] if p["title"].startswith("Breaches in the next")]
    assert panel["title"] == title
    assert f'horizon="{label}"' in panel["targets"][0]["expr"]


def test_the_wall_lists_the_tickets_closest_to_breach_from_the_cluster_view() -> None:
    """The table asks the drill-down for the deadlines still ahead, through the provisioned
    Infinity datasource; every column it selects is a field of a row (docs/drilldown.md)."""
    from streams.drilldown.wire import row_json
    from tests.unit.drilldown.test_wire import ROW

    panel = next(p for p in _board("wall")["panels"] if p["title"] == "Closest to breach")
    (target,) = panel["targets"]
    assert target["url"].startswith("/tickets?") and "state=upcoming" in target["url"]
    assert target["root_selector"] == "tickets" and target["format"] == "table"
    fields = set(row_json(ROW))
    assert {c["selector"] for c in target["columns"]} <= fields
    source = yaml.safe_load((ROOT / "grafana/provisioning/datasources/tickets.yml").read_text())
    (entry,) = source["datasources"]
    assert entry["type"] == panel["datasource"]["type"]
    assert (
        entry["jsonData"]["auth_method"] == "bearerToken" and entry["secureJsonData"]["bearerToken"]
    )
    assert entry["url"] in entry["jsonData"]["allowedHosts"]
