"""The policy file: the shipped one loads; mistakes are reported with their place."""

from __future__ import annotations

import pytest

from streams.domain.sla.calendar import BusinessHours
from streams.domain.sla.policy import PolicyError, load_policy, parse_policy
from tests.support.tools import ROOT

MINIMAL = {"version": 1, "policies": [{"name": "all", "targets": {"high": {"resolution": "4h"}}}]}


def test_the_shipped_policy_loads_and_first_match_wins() -> None:
    policy = load_policy(str(ROOT / "deploy/sla/policy.yaml"))
    assert policy.policy_for("email", "Enterprise", None).name == "enterprise"  # type: ignore[union-attr]
    standard = policy.policy_for("chat", "billing", "refund")
    assert standard is not None and standard.name == "standard"
    assert isinstance(standard.calendars["first_response"], BusinessHours)
    assert standard.target_ms("urgent", "first_response") == 3_600_000
    assert standard.pause["resolution"] == {"pending", "on_hold"}


def test_a_ticket_matching_no_policy_has_no_sla() -> None:
    policy = parse_policy(
        {
            "version": 1,
            "policies": [
                {
                    "name": "vip",
                    "match": {"team": ["vip"]},
                    "targets": {"high": {"resolution": "1h"}},
                }
            ],
        }
    )
    assert policy.policy_for("email", "billing", None) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": 2}, "version: expected one of (1,)"),
        ({"policies": []}, "policies: expected a non-empty list"),
        ({"surprise": 1}, "unknown keys ['surprise']"),
        ({"at_risk": 1.5}, "at_risk: expected a number between 0 and 1"),
        (
            {"policies": [{"name": "all", "targets": {"high": {"resolution": "4 hours"}}}]},
            "policies[0] (all).targets.high.resolution: '4 hours' is not a duration",
        ),
        (
            {"policies": [{"name": "all", "targets": {"high": {"first_reply": "4h"}}}]},
            "unknown SLA 'first_reply'",
        ),
        (
            {"policies": [{"name": "all", "schedule": "office", "targets": {"high": {}}}]},
            "unknown schedule 'office'",
        ),
        (
            {"policies": [{"name": "all", "pause": {"resolution": ["waiting"]}, "targets": {}}]},
            "unknown statuses ['waiting']",
        ),
        (
            {"policies": [{"name": "all", "match": {"country": ["de"]}, "targets": {}}]},
            "unknown field 'country'",
        ),
        (
            {"schedules": {"eu": {"timezone": "Mars/Olympus", "hours": {}}}},
            "schedules.eu.timezone: unknown time zone 'Mars/Olympus'",
        ),
        (
            {"schedules": {"eu": {"timezone": "UTC", "hours": {"mon-fri": ["18:00-08:00"]}}}},
            "closes before it opens",
        ),
        (
            {"schedules": {"eu": {"timezone": "UTC", "hours": {"weekdays": ["08:00-18:00"]}}}},
            "'weekdays' is not a day or range",
        ),
        (
            {
                "policies": [
                    {"name": "a", "targets": {"h": {"resolution": "1h"}}},
                    {"name": "a", "targets": {"h": {"resolution": "1h"}}},
                ]
            },
            "must be unique",
        ),
        ({"surge": {"factor": 1}}, "surge.factor: expected a number above 1, got 1"),
        ({"surge": {"factor": float("nan")}}, "surge.factor: expected a number above 1"),
        ({"surge": {"min_tickets": 2.5}}, "surge.min_tickets: expected a whole number"),
        ({"surge": {"minimum": 5}}, "surge: unknown keys ['minimum']"),
        ({"surge": 3}, "surge: expected a mapping"),
        ({"lookahead": {"horizons": []}}, "lookahead.horizons: expected a non-empty list"),
        ({"lookahead": {"horizons": ["1h", "ten"]}}, "lookahead.horizons[1]: "),
        ({"lookahead": {"horizons": ["1h", "60m"]}}, "lookahead.horizons: each horizon once"),
        ({"lookahead": {"horizons": ["0s"]}}, "lookahead.horizons[0]: must be positive"),
        (
            {"lookahead": {"page": {"priorities": ["urgent"]}}},
            "lookahead.page.priorities: no policy has targets for ['urgent']",
        ),
        (
            {"lookahead": {"page": {"priorities": ["high"], "within": "30m"}}},
            "lookahead.page.within: 30m is not one of the horizons ['15m', '1h', '4h']",
        ),
        ({"lookahead": {"pages": {}}}, "lookahead: unknown keys ['pages']"),
    ],
)
def test_invalid_policies_are_rejected_with_the_place_named(change: dict, message: str) -> None:
    with pytest.raises(PolicyError) as error:
        parse_policy({**MINIMAL, **change})
    assert message in str(error.value)


def test_surge_settings_default_and_come_from_the_file() -> None:
    assert (parse_policy(MINIMAL).surge.factor, parse_policy(MINIMAL).surge.min_tickets) == (3, 20)
    tuned = parse_policy({**MINIMAL, "surge": {"factor": 2.5, "min_tickets": 5}}).surge
    assert (tuned.factor, tuned.min_tickets) == (2.5, 5)


def test_lookahead_defaults_page_on_urgent_only_where_a_policy_has_urgent_targets() -> None:
    assert parse_policy(MINIMAL).lookahead.page_priorities == ()  # no urgent targets: no page
    shipped = load_policy(str(ROOT / "deploy/sla/policy.yaml")).lookahead
    assert [h.label for h in shipped.horizons] == ["15m", "1h", "4h"]
    assert shipped.horizons_ms == (900_000, 3_600_000, 14_400_000)
    assert (shipped.page_priorities, shipped.page_within) == (("urgent",), "15m")
    tuned = parse_policy(
        {**MINIMAL, "lookahead": {"horizons": ["2h", "90m", "1d"], "page": {"within": "90m"}}}
    ).lookahead
    assert [h.label for h in tuned.horizons] == ["90m", "2h", "1d"]  # sorted, spelt shortest
    assert tuned.page_within == "90m"


def test_the_waiting_buckets_are_the_usual_steps_and_the_waiting_targets() -> None:
    policy = load_policy(str(ROOT / "deploy/sla/policy.yaml"))
    bounds = policy.waiting_bounds_ms((60_000, 3_600_000))
    hours = {15 * 60_000, 30 * 60_000, 3_600_000, 2 * 3_600_000, 4 * 3_600_000}
    assert set(bounds) == {60_000, 8 * 3_600_000, 24 * 3_600_000} | hours
    assert list(bounds) == sorted(bounds)  # resolution targets (48h...) are not waits
