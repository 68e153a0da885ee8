"""Awkward but valid input at the state level: each case, how it is handled, nothing lost."""

from __future__ import annotations

import pytest

from streams.domain import contributions as c
from streams.domain.contributions import KpiModel
from streams.domain.events import Event, Kind
from streams.domain.labels import LabelPolicy
from streams.domain.partition import Horizons, Outcome, PartitionState
from streams.domain.windows import SlidingWindows

pytestmark = pytest.mark.reliability

H = 3_600_000
NOW = 1000 * H


def _state() -> PartitionState:
    return PartitionState(
        KpiModel(), SlidingWindows({"24h": 24 * H}), LabelPolicy(), Horizons(), NOW
    )


def _totals(state: PartitionState) -> dict:
    return dict(state.windows.totals()["24h"])


def created(eid: str = "c", at: int = NOW - 5 * H) -> Event:
    return Event(Kind.CREATED, eid, at, "T", channel="email", priority="high")


def test_a_reply_after_resolution_counts_as_a_reply_but_does_not_undo_one_touch() -> None:
    state = _state()
    for event in (
        created(),
        Event(Kind.REPLIED, "r1", NOW - 4 * H, "T", counts_as_response=True),
        Event(Kind.RESOLVED, "x", NOW - 3 * H, "T"),
        Event(Kind.REPLIED, "r2", NOW - 2 * H, "T", counts_as_response=True),
    ):
        assert state.apply(event) is Outcome.PROCESSED
    assert _totals(state)[c.Series(c.ONE_TOUCH, ("email", "high"))] == 1
    assert state.backlog() == {}  # still resolved


def test_two_resolutions_count_one_resolved_ticket_at_the_first() -> None:
    state = _state()
    state.apply(created())
    state.apply(Event(Kind.RESOLVED, "x2", NOW - 1 * H, "T"))
    state.apply(Event(Kind.RESOLVED, "x1", NOW - 2 * H, "T"))
    assert _totals(state)[c.Series(c.RESOLVED, ("email", "high"))] == 1
    assert _totals(state)[c.Series(c.RESOLUTION, ("email", "high"), c.SUM)] == 3 * H


def test_a_survey_for_a_ticket_never_seen_counts_under_unknown() -> None:
    state = _state()
    state.apply(Event(Kind.SURVEY, "s", NOW - H, "NOPE", survey="csat", score=2))
    assert _totals(state) == {
        c.Series(c.SURVEY, ("csat", "2", "unknown", "unknown")): 1,
        c.Series(c.SURVEY_SCORE_SUM, ("csat", "unknown", "unknown")): 2,
    }


def test_the_same_event_id_with_different_content_keeps_the_first() -> None:
    state = _state()
    state.apply(created("same", at=NOW - 5 * H))
    again = Event(Kind.CREATED, "same", NOW - 1 * H, "T", channel="chat", priority="low")
    assert state.apply(again) is Outcome.DUPLICATE
    assert _totals(state) == {
        c.Series(c.CREATED, ("email", "high")): 1,
        c.Series(c.TEAM_CREATED, ("unknown",)): 1,
    }


def test_a_second_ticket_created_keeps_the_earliest_creation() -> None:
    state = _state()
    state.apply(created("c2", at=NOW - 2 * H))
    state.apply(Event(Kind.CREATED, "c1", NOW - 6 * H, "T", channel="chat", priority="low"))
    assert _totals(state)[c.Series(c.CREATED, ("chat", "low"))] == 1
    assert c.Series(c.CREATED, ("email", "high")) not in _totals(state)
