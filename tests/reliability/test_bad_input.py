"""Awkward but valid input at the state level: each case, how it is handled, nothing lost."""

from __future__ import annotations

import pytest

from streams.domain import contributions as c
from streams.domain.events import Event, Kind
from streams.domain.partition import Outcome
from tests.support.builders import NOW, H, created, partition_state, totals

pytestmark = pytest.mark.reliability


def test_a_reply_after_resolution_counts_as_a_reply_but_does_not_undo_one_touch() -> None:
    state = partition_state({"24h": 24 * H})
    for event in (
        created(),
        Event(Kind.REPLIED, "r1", NOW - 4 * H, "T", counts_as_response=True),
        Event(Kind.RESOLVED, "x", NOW - 3 * H, "T"),
        Event(Kind.REPLIED, "r2", NOW - 2 * H, "T", counts_as_response=True),
    ):
        assert state.apply(event) is Outcome.PROCESSED
    assert totals(state, "24h")[c.Series(c.ONE_TOUCH, ("email", "high"))] == 1
    assert state.backlog() == {}  # still resolved


def test_two_resolutions_count_one_resolved_ticket_at_the_first() -> None:
    state = partition_state({"24h": 24 * H})
    state.apply(created())
    state.apply(Event(Kind.RESOLVED, "x2", NOW - 1 * H, "T"))
    state.apply(Event(Kind.RESOLVED, "x1", NOW - 2 * H, "T"))
    assert totals(state, "24h")[c.Series(c.RESOLVED, ("email", "high"))] == 1
    assert totals(state, "24h")[c.Series(c.RESOLUTION, ("email", "high"), c.SUM)] == 3 * H


def test_a_survey_for_a_ticket_never_seen_counts_under_unknown() -> None:
    state = partition_state({"24h": 24 * H})
    state.apply(Event(Kind.SURVEY, "s", NOW - H, "NOPE", survey="csat", score=2))
    assert totals(state, "24h") == {
        c.Series(c.SURVEY, ("csat", "2", "unknown", "unknown")): 1,
        c.Series(c.SURVEY_SCORE_SUM, ("csat", "unknown", "unknown")): 2,
        c.Series(c.CATEGORY_SURVEY, ("unknown", "csat", "2")): 1,
    }


def test_the_same_event_id_with_different_content_keeps_the_first() -> None:
    state = partition_state({"24h": 24 * H})
    state.apply(created(event_id="same"))
    again = Event(Kind.CREATED, "same", NOW - 1 * H, "T", channel="chat", priority="low")
    assert state.apply(again) is Outcome.DUPLICATE
    assert totals(state, "24h") == {
        c.Series(c.CREATED, ("email", "high")): 1,
        c.Series(c.TEAM_CREATED, ("unknown",)): 1,
        c.Series(c.CATEGORY_CREATED, ("unknown",)): 1,
    }


def test_a_second_ticket_created_keeps_the_earliest_creation() -> None:
    state = partition_state({"24h": 24 * H})
    state.apply(created(at=NOW - 2 * H, event_id="c2"))
    state.apply(Event(Kind.CREATED, "c1", NOW - 6 * H, "T", channel="chat", priority="low"))
    assert totals(state, "24h")[c.Series(c.CREATED, ("chat", "low"))] == 1
    assert c.Series(c.CREATED, ("email", "high")) not in totals(state, "24h")
