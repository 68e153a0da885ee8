"""Awkward but valid input at the state level: each case, how it is handled, nothing lost."""

from __future__ import annotations

import orjson
import pytest

from streams.domain import contributions as c
from streams.domain.contacts import Contact
from streams.domain.customers import (
    MAX_CUSTOMER_TICKETS_KEPT,
    REPEAT_CONTACTS,
    REPEAT_CUSTOMERS,
    max_customer_record_bytes,
)
from streams.domain.events import Event, InvalidEvent, Kind, decode
from streams.domain.labels import CategoryLabels
from streams.domain.partition import Outcome
from tests.support.builders import NOW, H, S, created, partition_state, totals

SENT, ANSWER = Kind.SURVEY_SENT, Kind.SURVEY

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
        c.Series(c.SURVEY_SCORE_SUM, ("csat", "unknown", "unknown")): 2000,
        c.Series(c.CATEGORY_SURVEY, ("unknown", "csat", "2")): 1,
        c.Series(c.TEAM_SURVEY, ("unknown", "csat", "2")): 1,
        c.Series(c.METHOD_RESPONSES, ("csat", "unknown")): 1,  # no method and no send
    }


def test_an_unknown_survey_method_is_counted_as_other_not_rejected() -> None:
    doc = {"event_id": "s", "occurred_at": "2026-12-01T10:00:00Z", "survey": "nps"}
    sent = decode(orjson.dumps({**doc, "method": "carrier pigeon", "ticket_id": "T"}), SENT)
    answered = decode(orjson.dumps({**doc, "event_id": "a", "score": 9, "method": "fax"}), ANSWER)
    assert (sent.method, answered.method) == ("other", "other")
    with pytest.raises(InvalidEvent, match="'method' must be a string"):
        decode(orjson.dumps({**doc, "method": 7}), SENT)  # dead-lettered with this reason
    with pytest.raises(InvalidEvent, match="missing required field 'method'"):
        decode(orjson.dumps(doc), SENT)


def test_a_survey_sent_without_a_ticket_counts_as_sent_and_matches_no_answer() -> None:
    state = partition_state({"24h": 24 * H})
    send = Event(Kind.SURVEY_SENT, "ss", NOW - 2 * H, None, survey="csat", method="sms")
    assert state.apply(send) is Outcome.PROCESSED
    answer = Event(Kind.SURVEY, "sa", NOW - H, None, survey="csat", score=5)
    assert state.apply(answer) is Outcome.PROCESSED
    got = totals(state, "24h")
    assert got[c.Series(c.SURVEYS_SENT, ("csat", "sms"))] == 1
    assert got[c.Series(c.METHOD_RESPONSES, ("csat", "unknown"))] == 1
    assert not any(series.kpi == c.ANSWER_TIME for series in got)


def test_an_answer_with_no_matching_send_keeps_its_own_method_and_has_no_answer_time() -> None:
    state = partition_state({"24h": 24 * H})
    state.apply(created())
    other_survey = Event(Kind.SURVEY_SENT, "ss", NOW - 3 * H, "T", survey="nps", method="sms")
    state.apply(other_survey)
    state.apply(Event(Kind.SURVEY, "sa", NOW - H, "T", survey="csat", score=4, method="web"))
    state.apply(Event(Kind.SURVEY, "sb", NOW - H, "T", survey="ces", score=2))
    got = totals(state, "24h")
    assert got[c.Series(c.METHOD_RESPONSES, ("csat", "web"))] == 1
    assert got[c.Series(c.METHOD_RESPONSES, ("ces", "unknown"))] == 1
    assert not any(series.kpi == c.ANSWER_TIME for series in got)


def test_a_customer_with_ten_thousand_tickets_keeps_a_bounded_record() -> None:
    state = partition_state({"7d": 7 * 24 * H})
    for n in range(10_000):
        contact = Contact("C", f"T{n}", NOW - 10_000 * S + n * S, "chat", f"c{n}")
        assert state.customers.apply(contact, state.late_before_ms) is Outcome.PROCESSED
    record = state.customers.records["C"]
    assert len(record.tickets) == MAX_CUSTOMER_TICKETS_KEPT
    assert len(record.to_bytes()) <= max_customer_record_bytes(MAX_CUSTOMER_TICKETS_KEPT)
    # every ticket but the first is a repeat; the forgotten ones stay counted
    assert totals(state, "7d")[c.Series(REPEAT_CONTACTS, ("chat",))] == 9_999
    assert totals(state, "7d")[c.Series(REPEAT_CUSTOMERS, ())] == 1


def test_a_flood_of_distinct_categories_is_folded_into_other() -> None:
    state = partition_state({"24h": 24 * H}, categories=CategoryLabels(cap=30))
    for n in range(500):
        state.apply(created(f"T{n}", NOW - H, category=f"cat-{n}"))
    per_category = {
        series.labels[0]: count
        for series, count in totals(state, "24h").items()
        if series.kpi == c.CATEGORY_CREATED
    }
    assert len(per_category) == 31 and per_category["other"] == 470
    assert state.categories.folded == 470  # support_label_values_folded_total{label="category"}


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
