"""The cardinality budget: the series one worker exports at the defaults with the simulator's
mix stay within the documented budget, and the bound at the label caps is a true bound."""

from __future__ import annotations

import pytest

from streams.config import Settings
from streams.generate import cardinality
from streams.generate.cardinality import BUDGET, FamilySeries
from streams.metrics import contract
from tests.support.tools import ROOT

POLICY = ROOT / "deploy/sla/policy.yaml"


@pytest.fixture(scope="module")
def settings() -> Settings:
    return cardinality.default_settings(POLICY)


@pytest.fixture(scope="module")
def rows(settings: Settings) -> list[FamilySeries]:
    return cardinality.measure(settings)


def test_the_simulated_total_at_the_defaults_stays_within_the_budget(
    rows: list[FamilySeries],
) -> None:
    total = sum(row.series for row in rows)
    assert total <= BUDGET, (
        f"{total} series per worker at the defaults, over the budget of {BUDGET}: prefer a "
        "separate family to multiplying labels, or raise BUDGET in "
        "streams/generate/cardinality.py on purpose and run `supportkpi generate`"
    )


def test_every_family_of_the_contract_is_counted_and_every_exported_series_too(
    settings: Settings, rows: list[FamilySeries]
) -> None:
    assert len(rows) == len(contract.ALL_FAMILIES)
    exported = cardinality.exported(settings)
    assert sum(exported.values()) == sum(row.series for row in rows)
    # a family the simulation never reaches would be documented at 0 series: feed it (the
    # simulator's mix, or the state behind it in cardinality.exported), do not skip it
    assert [row.name for row in rows if row.series == 0] == []


def test_no_family_exports_more_series_than_its_bound_at_the_caps(
    rows: list[FamilySeries],
) -> None:
    for row in rows:
        assert row.bound is None or row.series <= row.bound, row


def test_the_bound_multiplies_label_values_and_histogram_series() -> None:
    values = {"window": 3, "channel": 8, "priority": 6, "team": 52}
    assert cardinality.bound(("window", "channel", "priority"), values, 0) == 144
    # 14 buckets, +Inf, _gsum and _gcount per label set
    assert cardinality.bound(("window", "team"), values, 14) == 3 * 52 * 17
    # each survey has its own scale: csat 1..5, nps 0..10, ces 1..7
    assert cardinality.bound(("window", "survey", "score"), values, 0) == 3 * 23
    assert cardinality.bound(("window", "shoe_size"), values, 0) is None


def test_the_committed_docs_hold_the_current_table() -> None:
    text = (ROOT / "docs/metrics.md").read_text()
    assert cardinality.render(text, POLICY) == text
