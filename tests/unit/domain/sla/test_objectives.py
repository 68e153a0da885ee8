"""Objectives in the policy file: the shipped ones load, each mistake is named with its place."""

from __future__ import annotations

from typing import Any

import pytest

from streams.domain.contributions import DEFAULT_DURATION_BUCKETS_S
from streams.domain.sla.objectives import (
    Comparison,
    Exports,
    Objective,
    ObjectiveError,
    parse_objectives,
)
from streams.domain.sla.policy import PolicyError, load_policy, parse_policy
from tests.support.tools import ROOT

EXPORTS = Exports(("1h", "24h", "7d"), DEFAULT_DURATION_BUCKETS_S)
MINIMAL = {"version": 1, "policies": [{"name": "all", "targets": {"high": {"resolution": "4h"}}}]}


def test_the_shipped_policy_has_the_articles_figures_as_objectives() -> None:
    policy = load_policy(str(ROOT / "deploy/sla/policy.yaml"), EXPORTS)
    by_name = {o.name: o for o in policy.objectives}
    assert by_name["csat_average"].target == 4.7
    assert by_name["one_touch_ratio"].target == 0.965
    assert by_name["repeat_contact_ratio"].comparison is Comparison.AT_MOST
    assert by_name["repeat_contact_ratio"].target == 0.03
    assert by_name["nps"].target == 72
    assert by_name["resolution_within_24h"] == Objective(
        name="resolution_within_24h",
        kpi="resolution_within",
        comparison=Comparison.AT_LEAST,
        target=0.8,
        window="7d",
        within_s=86400,
        within="24h",
    )
    assert by_name["resolution_within_48h"].within_s == 172800
    assert by_name["first_response_within_12h"].within_s == 43200
    assert all(o.for_ == "1d" and o.window in EXPORTS.windows for o in policy.objectives)


def test_a_policy_without_objectives_has_none() -> None:
    assert parse_policy(MINIMAL).objectives == ()


def test_every_field_of_an_entry_is_read() -> None:
    (objective,) = parse_objectives(
        [
            {
                "name": "csat_replies",
                "kpi": "survey_response_ratio",
                "survey": "csat",
                "at_most": 0.5,
                "window": "24h",
                "for": "12h",
            }
        ],
        EXPORTS,
    )
    assert objective == Objective(
        name="csat_replies",
        kpi="survey_response_ratio",
        comparison=Comparison.AT_MOST,
        target=0.5,
        window="24h",
        survey="csat",
        for_="12h",
    )


def test_without_exports_only_the_shape_is_checked() -> None:
    """The worker loads the file without knowing what the generators will check."""
    spec = [{"kpi": "resolution_within", "within": "90m", "at_least": 0.8, "window": "30d"}]
    (objective,) = parse_objectives(spec)
    assert (objective.within_s, objective.window) == (5400, "30d")
    with pytest.raises(ObjectiveError, match="not a bucket bound"):
        parse_objectives(spec, EXPORTS)


def _entry(**change: Any) -> dict[str, Any]:
    return {"kpi": "nps", "at_least": 30, "window": "7d", **change}


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"kpi": "nps"}, "objectives: expected a list"),
        (["nps >= 30"], "objectives[0]: expected a mapping"),
        ([_entry(owner="me")], "objectives[0]: unknown keys ['owner']"),
        ([_entry(kpi="csat")], "objectives[0].kpi: unknown KPI 'csat' (known: csat_percent,"),
        ([_entry(kpi=["nps"])], "objectives[0].kpi: unknown KPI ['nps']"),
        ([_entry(name="NPS 7d")], "objectives[0].name: expected a lower-case identifier"),
        ([{"kpi": "nps", "window": "7d"}], "objectives[0] (nps): expected exactly one of at_least"),
        ([_entry(at_most=10)], "objectives[0] (nps): expected exactly one of at_least, at_most"),
        ([_entry(at_least="72")], "objectives[0] (nps).at_least: expected a number, got '72'"),
        ([_entry(at_least=True)], "objectives[0] (nps).at_least: expected a number"),
        ([_entry(at_least=120)], "(nps).at_least: nps lies between -100 and 100, got 120"),
        (
            [_entry(kpi="one_touch_ratio", at_least=96.5)],
            "(one_touch_ratio).at_least: one_touch_ratio lies between 0 and 1, got 96.5",
        ),
        (
            [_entry(kpi="csat_percent", at_least=0.9)],
            "(csat_percent).at_least: csat_percent is in percent (0-100), so 0.9 means 0.9 %;"
            " write 90 for 90 %",
        ),
        ([_entry(kpi="csat_average", at_least=0)], "csat_average lies between 1 and 5, got 0"),
        ([_entry(window=None)], "objectives[0] (nps).window: expected one of the exported"),
        (
            [_entry(window="90d")],
            "objectives[0] (nps).window: '90d' is not an exported window "
            "(SUPPORTKPI_WINDOWS: 1h, 24h, 7d)",
        ),
        (
            [_entry(kpi="resolution_within", at_least=0.8)],
            "objectives[0].within: resolution_within needs a time, e.g. within: 24h",
        ),
        (
            [_entry(kpi="resolution_within", within="a day", at_least=0.8)],
            "objectives[0].within: 'a day' is not a duration",
        ),
        (
            [_entry(kpi="first_response_within", within="90m", at_least=0.8)],
            "objectives[0].within: 90m is not a bucket bound of the duration histograms, so "
            "the share within it would not be exact; use one of 1m, 5m, 10m, 15m, 30m, 1h, 2h,"
            " 4h, 8h, 12h, 1d, 2d, 3d, 7d",
        ),
        ([_entry(within="24h")], "objectives[0].within: only for the *_within KPIs, not nps"),
        ([_entry(survey="csat")], "(nps).survey: only for survey_response_ratio, not nps"),
        (
            [_entry(kpi="survey_response_ratio", at_least=0.2, survey="poll")],
            "(survey_response_ratio).survey: expected one of csat, nps, ces",
        ),
        ([_entry(**{"for": "a while"})], "objectives[0] (nps).for: 'a while' is not a duration"),
        ([_entry(**{"for": "0h"})], "objectives[0] (nps).for: must be positive"),
        (
            [_entry(), _entry(window="24h")],
            "objectives: names must be unique, ['nps'] more than once (give each a 'name')",
        ),
        (
            [_entry(), _entry(), _entry(kpi="ces_average", at_least=5)],
            "objectives: names must be unique",
        ),
    ],
)
def test_a_broken_objective_is_named_with_its_place(entries: Any, message: str) -> None:
    with pytest.raises(ObjectiveError) as error:
        parse_objectives(entries, EXPORTS)
    assert message in str(error.value)


def test_a_policy_file_with_a_broken_objective_fails_to_load_naming_the_place(
    tmp_path: Any,
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "version: 1\n"
        "policies: [{name: all, targets: {high: {resolution: 4h}}}]\n"
        "objectives:\n"
        "  - {kpi: nps, at_least: 72, window: 7d}\n"
        "  - {kpi: csat_average, at_least: 4.7, window: 7d}\n"
        "  - {kpi: resolution_within, within: 20h, at_least: 0.8, window: 7d}\n"
    )
    with pytest.raises(PolicyError) as error:
        load_policy(str(path), EXPORTS)
    assert str(error.value).startswith(f"{path}: objectives[2].within: 20h is not a bucket bound")


def test_a_second_objective_for_a_kpi_is_told_apart_by_its_time_or_its_name() -> None:
    objectives = parse_objectives(
        [
            {"kpi": "resolution_within", "within": "24h", "at_least": 0.8, "window": "7d"},
            {"kpi": "resolution_within", "within": "2d", "at_least": 0.95, "window": "7d"},
            {"name": "nps_today", "kpi": "nps", "at_least": 50, "window": "24h"},
            {"kpi": "nps", "at_least": 72, "window": "7d"},
        ],
        EXPORTS,
    )
    assert [o.name for o in objectives] == [
        "resolution_within_24h",
        "resolution_within_2d",
        "nps_today",
        "nps",
    ]
