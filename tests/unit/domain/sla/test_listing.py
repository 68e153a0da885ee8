"""The drill-down's rows: states as the gauges count them, filters, and a total order cut at the
limit, whatever slices the keys come in."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.domain.contributions import KpiModel
from streams.domain.partition import PartitionState
from streams.domain.sla.listing import ClockQuery, ClockRow, Listing, QueryError
from streams.domain.sla.policy import parse_policy
from tests.support.builders import (
    NOW,
    H,
    M,
    S,
    created,
    partition_state,
    replied,
    spread_over_partitions,
)

POLICY = parse_policy(
    {
        "version": 1,
        "at_risk": 0.5,
        "policies": [
            {
                "name": "vip",
                "match": {"team": ["vip"]},
                "targets": {"urgent": {"first_response": "10m", "resolution": "1h"}},
            },
            {
                "name": "rest",
                "targets": {
                    "urgent": {"first_response": "30m", "resolution": "4h"},
                    "high": {"first_response": "1h", "next_reply": "2h", "resolution": "8h"},
                },
            },
        ],
    }
)


def _four_tickets() -> PartitionState:
    """A: vip urgent, 8 min old (first response at risk); B: urgent, 40 min old (breached);
    C: high, answered (resolution only); D: high, 5 min old (on track)."""
    s = partition_state({"1h": H}, model=KpiModel(sla=POLICY), now_ms=NOW)
    s.apply(created("A", NOW - 8 * M, channel="chat", priority="urgent", team="vip"))
    s.apply(created("B", NOW - 40 * M, channel="email", priority="urgent"))
    s.apply(created("C", NOW - 2 * H, priority="high", team="tier1"))
    s.apply(replied("C", NOW - H, "r-C"))
    s.apply(created("D", NOW - 5 * M, priority="high"))
    return s


def _listed(s: PartitionState, **params: str) -> list[ClockRow]:
    listing = Listing(ClockQuery.parse(params), NOW)
    listing.add(s, list(s.with_running_clocks()))
    return listing.rows()


def _ids(rows: list[ClockRow]) -> list[tuple[str, str]]:
    return [(r.ticket_id, r.sla) for r in rows]


def test_rows_are_sorted_by_time_left_the_most_overdue_first() -> None:
    rows = _listed(_four_tickets())
    assert _ids(rows) == [
        ("B", "first_response"),  # 10 min overdue
        ("A", "first_response"),  # 2 min left
        ("A", "resolution"),  # 52 min left
        ("D", "first_response"),  # 55 min left
        ("B", "resolution"),  # 3h20 left
        ("C", "resolution"),  # 6h left
        ("D", "resolution"),  # 7h55 left
    ]
    b = rows[0]
    assert b.time_left_ms == -10 * M and b.deadline_ms == NOW - 10 * M
    assert (b.state, b.policy, b.priority, b.channel, b.team) == (
        "breached",
        "rest",
        "urgent",
        "email",
        None,
    )
    assert b.waiting_since_ms == NOW - 40 * M
    assert (rows[1].state, rows[1].policy, rows[1].team) == ("at_risk", "vip", "vip")
    assert rows[3].state == "on_track"


@pytest.mark.parametrize(
    ("params", "wanted"),
    [
        ({"state": "breached"}, [("B", "first_response")]),
        ({"state": "at_risk"}, [("A", "first_response")]),
        (
            {"state": "waiting"},
            [("B", "first_response"), ("A", "first_response"), ("D", "first_response")],
        ),
        (
            {"state": "upcoming", "sla": "resolution"},
            [("A", "resolution"), ("B", "resolution"), ("C", "resolution"), ("D", "resolution")],
        ),
        ({"priority": "high", "sla": "first_response"}, [("D", "first_response")]),
        ({"team": "tier1"}, [("C", "resolution")]),
        ({"limit": "2"}, [("B", "first_response"), ("A", "first_response")]),
    ],
)
def test_filters_pick_what_the_gauges_count(params: dict[str, str], wanted: list) -> None:
    assert _ids(_listed(_four_tickets(), **params)) == wanted


def test_matched_counts_the_rows_beyond_the_limit_too() -> None:
    s = _four_tickets()
    listing = Listing(ClockQuery(limit=1), NOW)
    listing.add(s, list(s.with_running_clocks()))
    assert listing.matched == 7 and len(listing.rows()) == 1


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"state": "late"}, "state: 'late' is not one of waiting, at_risk, breached, upcoming"),
        ({"sla": "reply"}, "sla: 'reply'"),
        ({"limit": "0"}, "limit: '0' is not a whole number from 1 to 5000"),
        ({"limit": "ten"}, "limit: 'ten'"),
        ({"limit": "5001"}, "limit: '5001'"),
        ({"ticket": "A"}, "unknown parameter 'ticket'"),
    ],
)
def test_a_bad_parameter_is_refused_by_name(params: dict[str, str], names: str) -> None:
    with pytest.raises(QueryError, match=names.replace("(", r"\(")):
        ClockQuery.parse(params)


@given(
    limit=st.integers(1, 30),
    slices=st.integers(1, 7),
    seed=st.integers(0, 2**16),
)
def test_any_limit_and_slicing_keep_the_first_rows_of_the_whole_order(
    limit: int, slices: int, seed: int
) -> None:
    """Ties on time left included: the order is total (time left, ticket id, SLA), so two
    workers' first ``limit`` merge into the cluster's first ``limit``."""
    rng = random.Random(seed)
    s = partition_state({"1h": H}, model=KpiModel(sla=POLICY), now_ms=NOW)
    for n in range(25):
        age = rng.choice([5 * M, 20 * M, 40 * M, 2 * H])  # few distinct ages: many ties
        s.apply(created(f"T{n:02}", NOW - age, priority=rng.choice(["urgent", "high"])))
    keys = list(s.with_running_clocks())
    rng.shuffle(keys)
    whole = Listing(ClockQuery(limit=5_000), NOW)
    whole.add(s, keys)
    cut = Listing(ClockQuery(limit=limit), NOW)
    size = max(1, len(keys) // slices)
    for start in range(0, len(keys), size):
        cut.add(s, keys[start : start + size])
    assert cut.rows() == whole.rows()[:limit]
    assert cut.matched == whole.matched
    lefts = [(r.time_left_ms, r.ticket_id, r.sla) for r in whole.rows()]
    assert lefts == sorted(lefts)
    assert len({r.time_left_ms for r in whole.rows()}) < len(lefts)  # ties were there


def test_a_key_closed_between_slices_is_skipped() -> None:
    s = _four_tickets()
    keys = list(s.with_running_clocks())
    s.apply(replied("B", NOW - S, "r-B"))  # answered: its first-response clock stops
    rows = _rows_of(s, keys)
    assert ("B", "first_response") not in _ids(rows)
    del s.records["D"]  # gone altogether (expired)
    assert "D" not in {r.ticket_id for r in _rows_of(s, keys)}


def _rows_of(s: PartitionState, keys: list[str]) -> list[ClockRow]:
    listing = Listing(ClockQuery(), NOW)
    listing.add(s, keys)
    return listing.rows()


def test_the_rows_equal_the_oracle_across_pauses_business_hours_and_dst() -> None:
    """Every running clock of a week's trace (LIVE_POLICY), at two instants: the same rows,
    fields and states as the oracle's, and each deadline the first instant its working time
    outside pauses reaches the target (the oracle checks it without computing one)."""
    from tests.support import oracle_sla, trace
    from tests.support.schedules import AFTER_DST, LIVE_POLICY

    model = KpiModel(sla=parse_policy(LIVE_POLICY))
    recorded = trace.build(seed=11, now_ms=AFTER_DST, tickets=200, customers=True)
    states = spread_over_partitions(recorded.messages, model, AFTER_DST)
    for now_ms in (AFTER_DST, AFTER_DST + 3 * H + 17 * M):
        listing = Listing(ClockQuery(limit=5_000), now_ms)
        for state in states:
            state.advance(now_ms)
            listing.add(state, list(state.with_running_clocks()))
        rows = listing.rows()
        clocks = {
            (c["ticket_id"], c["sla"]): c
            for c in oracle_sla.live_clocks(recorded.events, now_ms, LIVE_POLICY)
        }
        wanted = oracle_sla.drilldown(recorded.events, now_ms, LIVE_POLICY)
        got = {
            (r.ticket_id, r.sla): {
                "policy": r.policy,
                "priority": r.priority,
                "team": r.team,
                "channel": r.channel,
                "state": r.state,
                "waiting_since_ms": r.waiting_since_ms,
            }
            for r in rows
        }
        assert got == wanted
        wrong = [
            (r.ticket_id, r.sla)
            for r in rows
            if not oracle_sla.deadline_is_right(clocks[(r.ticket_id, r.sla)], r.deadline_ms)
        ]
        assert wrong == []
        assert all(r.time_left_ms == r.deadline_ms - now_ms for r in rows)
        assert {r.state for r in rows} == {"breached", "at_risk", "on_track"}
        assert {r.sla for r in rows} == {
            "first_response",
            "next_reply",
            "resolution",
            "periodic_update",
        }
