"""Decoding: every rule of the event contract, with the reason a publisher sees."""

from __future__ import annotations

import re

import orjson
import pytest

from streams.domain.events import (
    METHODS,
    Event,
    InvalidEvent,
    Kind,
    decode,
    pack,
    survey_method,
    unpack,
)

WHEN = "2026-11-23T10:00:00.250+01:00"


def _raw(**fields: object) -> bytes:
    return orjson.dumps(fields)


def test_ticket_created_decodes_to_epoch_ms_and_keeps_the_customer_only_for_the_router() -> None:
    event = decode(
        _raw(
            event_id="e1",
            occurred_at=WHEN,
            ticket_id="T1",
            channel="email",
            priority="high",
            customer_id="C-9",
            extra={"a": 1},
        ),
        Kind.CREATED,
    )
    assert event == Event(
        Kind.CREATED, "e1", 1795424400250, "T1", channel="email", priority="high", customer_id="C-9"
    )
    assert "C-9" not in repr(event)  # never in a log line
    assert b"C-9" not in pack([event])  # never in an internal message


@pytest.mark.parametrize(
    ("fields", "counts"),
    [
        ({}, True),
        ({"public": False}, False),
        ({"author": "bot"}, False),
        ({"author": "automation"}, False),
        ({"author": "human", "public": True}, True),
    ],
)
def test_only_public_human_replies_count_as_responses(fields: dict, counts: bool) -> None:
    event = decode(
        _raw(event_id="e", occurred_at=WHEN, ticket_id="T", agent_id="A", **fields), Kind.REPLIED
    )
    assert event.counts_as_response is counts


def test_survey_without_ticket_gets_its_own_record_key() -> None:
    event = decode(_raw(event_id="s1", occurred_at=WHEN, survey="nps", score=0), Kind.SURVEY)
    assert event.ticket_id is None and event.record_key == "survey/s1"


@pytest.mark.parametrize(
    ("raw", "kind", "reason"),
    [
        (b"not json", Kind.CREATED, "not valid UTF-8 JSON"),
        (b'\xff{"a": 1}', Kind.CREATED, "not valid UTF-8 JSON"),
        (b"[1]", Kind.CREATED, "expected a JSON object, got list"),
        (b"null", Kind.CREATED, "expected a JSON object, got NoneType"),
        (None, Kind.CREATED, "no value"),
        (
            _raw(occurred_at=WHEN, ticket_id="T", channel="c", priority="p"),
            Kind.CREATED,
            "missing required field 'event_id'",
        ),
        (_raw(event_id=1, occurred_at=WHEN), Kind.CREATED, "'event_id' must be a string"),
        (_raw(event_id="", occurred_at=WHEN), Kind.CREATED, "1..256 characters"),
        (
            _raw(
                event_id="e",
                occurred_at="2026-11-23T10:00:00",
                ticket_id="T",
                channel="c",
                priority="p",
            ),
            Kind.CREATED,
            "has no UTC offset",
        ),
        (_raw(event_id="e", occurred_at="yesterday"), Kind.CREATED, "not an RFC 3339"),
        (_raw(event_id="e", occurred_at="2026-02-30T10:00:00Z"), Kind.CREATED, "not a valid date"),
        (_raw(event_id="e", occurred_at=1700000000), Kind.CREATED, "must be an RFC 3339 string"),
        (
            _raw(event_id="e", occurred_at=WHEN, channel="c", priority="p"),
            Kind.CREATED,
            "missing required field 'ticket_id'",
        ),
        (
            _raw(event_id="e", occurred_at=WHEN, ticket_id="T", priority="p"),
            Kind.CREATED,
            "missing required field 'channel'",
        ),
        (
            _raw(event_id="e", occurred_at=WHEN, ticket_id="T"),
            Kind.REPLIED,
            "missing required field 'agent_id'",
        ),
        (
            _raw(event_id="e", occurred_at=WHEN, ticket_id="T", agent_id="A", public="yes"),
            Kind.REPLIED,
            "'public' must be true or false",
        ),
        (
            _raw(event_id="e", occurred_at=WHEN, ticket_id="T", agent_id="A", author="robot"),
            Kind.REPLIED,
            "'author' must be one of",
        ),
        (
            _raw(event_id="e", occurred_at=WHEN, survey="mood", score=1),
            Kind.SURVEY,
            "'survey' must be one of",
        ),
        (
            _raw(event_id="e", occurred_at=WHEN, survey=["csat"], score=1),
            Kind.SURVEY,
            "'survey' must be one of",
        ),
        (
            _raw(event_id="e", occurred_at=WHEN, survey="csat", score=6),
            Kind.SURVEY,
            "csat score 6 is outside 1..5",
        ),
        (
            _raw(event_id="e", occurred_at=WHEN, survey="nps", score=-1),
            Kind.SURVEY,
            "outside 0..10",
        ),
        (
            _raw(event_id="e", occurred_at=WHEN, survey="ces", score=4.5),
            Kind.SURVEY,
            "must be an integer",
        ),
        (
            _raw(event_id="e", occurred_at=WHEN, survey="csat", score=True),
            Kind.SURVEY,
            "must be an integer",
        ),
        (
            _raw(event_id="e", occurred_at=WHEN, survey="csat", score=4, method=3),
            Kind.SURVEY,
            "'method' must be a string, got int",
        ),
        (
            _raw(event_id="e", occurred_at=WHEN, survey="csat", score=4, method=""),
            Kind.SURVEY,
            "'method' must be 1..256 characters",
        ),
        (
            _raw(event_id="e", occurred_at=WHEN, ticket_id="T", survey="csat"),
            Kind.SURVEY_SENT,
            "missing required field 'method'",
        ),
        (
            _raw(event_id="e", occurred_at=WHEN, survey="csat", method=["email"]),
            Kind.SURVEY_SENT,
            "'method' must be a string, got list",
        ),
        (
            _raw(event_id="e", occurred_at=WHEN, survey="mood", method="email"),
            Kind.SURVEY_SENT,
            "'survey' must be one of",
        ),
        (
            _raw(event_id="e", occurred_at=WHEN, method="email"),
            Kind.SURVEY_SENT,
            "'survey' must be one of csat, nps, ces, got None",
        ),
        (
            _raw(event_id="e", occurred_at=WHEN, survey="nps", method="sms", customer_id=7),
            Kind.SURVEY_SENT,
            "'customer_id' must be a string",
        ),
        (
            _raw(event_id="e", occurred_at=WHEN, survey="nps", method="sms", ticket_id=""),
            Kind.SURVEY_SENT,
            "'ticket_id' must be 1..256 characters",
        ),
        (
            _raw(event_id="e", occurred_at=WHEN, ticket_id="T", type="ticket-created"),
            Kind.RESOLVED,
            "published on the ticket-resolved topic",
        ),
        (b"{" + b'"pad": "' + b"x" * 70000 + b'"}', Kind.CREATED, "larger than the 65536-byte"),
    ],
)
def test_invalid_messages_get_a_clear_reason(raw: bytes | None, kind: Kind, reason: str) -> None:
    with pytest.raises(InvalidEvent, match=reason.replace("(", r"\(").replace(".", r"\.")):
        decode(raw, kind)


def test_nanosecond_fractions_and_lowercase_separators_are_rfc3339() -> None:
    event = decode(
        _raw(event_id="e", occurred_at="2026-11-23t09:00:00.123456789z", ticket_id="T"),
        Kind.RESOLVED,
    )
    assert event.at_ms == 1795424400123


def test_packed_events_round_trip() -> None:
    events = [
        Event(Kind.SURVEY, "e", 5, None, channel="chat", survey="ces", score=3),
        Event(Kind.REPLIED, "r", 6, "T", counts_as_response=True),
        Event(Kind.SURVEY_SENT, "s", 7, "T", survey="nps", method="sms"),
        Event(Kind.SURVEY, "a", 8, "T", survey="csat", score=5, method="other"),
    ]
    assert unpack(pack(events)) == events


def test_an_event_without_a_method_packs_to_the_twelve_elements_the_previous_release_reads() -> (
    None
):
    assert len(Event(Kind.REPLIED, "r", 6, "T").to_row()) == 12
    assert len(Event(Kind.SURVEY, "a", 8, "T", survey="csat", score=5, method="sms").to_row()) == 13


def test_a_twelve_element_row_from_an_older_router_reads_as_no_method() -> None:
    old_row = ["survey-answered", "a", 8, "T", None, None, None, False, "csat", 5, None, None]
    assert Event.from_row(old_row) == Event(Kind.SURVEY, "a", 8, "T", survey="csat", score=5)
    assert unpack(orjson.dumps([old_row]))[0].method is None


def test_a_row_longer_than_this_release_writes_is_refused() -> None:
    row = Event(Kind.SURVEY, "x", 7, "T", survey="csat", score=9, scale=10).to_row()
    assert len(row) == 16
    with pytest.raises(ValueError, match="17 elements"):
        Event.from_row([*row, "from the future"])


@pytest.mark.parametrize(
    ("fields", "bot", "human"),
    [
        ({}, False, True),
        ({"author": "bot"}, True, False),
        ({"author": "automation"}, True, False),
        ({"author": "bot", "public": False}, False, False),  # a bot's internal note
    ],
)
def test_a_public_bot_or_automation_reply_is_a_bot_response(
    fields: dict[str, object], bot: bool, human: bool
) -> None:
    raw = _raw(event_id="e", occurred_at=WHEN, ticket_id="T", agent_id="A", **fields)
    event = decode(raw, Kind.REPLIED)
    assert (event.bot_response, event.counts_as_response) == (bot, human)
    assert Event.from_row(event.to_row()) == event


@pytest.mark.parametrize("resolved_by", ["human", "bot", "automation", "customer", None])
def test_ticket_resolved_keeps_who_resolved_it(resolved_by: str | None) -> None:
    raw = _raw(event_id="x", occurred_at=WHEN, ticket_id="T", resolved_by=resolved_by)
    event = decode(raw, Kind.RESOLVED)
    assert event.resolved_by == resolved_by
    assert Event.from_row(event.to_row()) == event
    assert len(event.to_row()) == (12 if resolved_by is None else 15)


def test_an_unknown_resolver_is_invalid() -> None:
    raw = _raw(event_id="x", occurred_at=WHEN, ticket_id="T", resolved_by="magic")
    with pytest.raises(InvalidEvent, match="'resolved_by' must be one of human, bot"):
        decode(raw, Kind.RESOLVED)


def test_survey_sent_keeps_survey_ticket_and_method_but_no_customer_or_score() -> None:
    event = decode(
        _raw(
            event_id="s1",
            occurred_at=WHEN,
            ticket_id="T1",
            survey="csat",
            method="in_app",
            customer_id="C-9",
        ),
        Kind.SURVEY_SENT,
    )
    assert event == Event(
        Kind.SURVEY_SENT, "s1", 1795424400250, "T1", survey="csat", method="in_app"
    )


def test_survey_sent_without_ticket_gets_its_own_record_key() -> None:
    event = decode(
        _raw(event_id="s2", occurred_at=WHEN, survey="ces", method="web"), Kind.SURVEY_SENT
    )
    assert event.ticket_id is None and event.record_key == "survey/s2"


@pytest.mark.parametrize("method", METHODS)
def test_a_known_method_stays_itself(method: str) -> None:
    assert survey_method(method) == method
    sent = decode(
        _raw(event_id="s", occurred_at=WHEN, survey="nps", method=method), Kind.SURVEY_SENT
    )
    assert sent.method == method


@pytest.mark.parametrize("method", ["carrier pigeon", "EMAIL", "unknown", "other", "x" * 256])
def test_an_unknown_method_is_accepted_and_becomes_other(method: str) -> None:
    assert survey_method(method) == "other"
    for kind, fields in [(Kind.SURVEY_SENT, {}), (Kind.SURVEY, {"score": 3})]:
        raw = _raw(event_id="s", occurred_at=WHEN, survey="csat", method=method, **fields)
        assert decode(raw, kind).method == "other"


def test_survey_answered_method_is_optional() -> None:
    base = {"event_id": "a", "occurred_at": WHEN, "ticket_id": "T", "survey": "csat", "score": 4}
    assert decode(orjson.dumps(base), Kind.SURVEY).method is None
    assert decode(orjson.dumps({**base, "method": None}), Kind.SURVEY).method is None
    assert decode(orjson.dumps({**base, "method": "chat"}), Kind.SURVEY).method == "chat"


@pytest.mark.parametrize(
    ("survey", "score", "scale", "kept"),
    [
        ("csat", 9, 10, 10),
        ("csat", 5, 5, None),  # the default scale is not kept
        ("ces", 5, 5, 5),
        ("ces", 7, None, None),
        ("nps", 10, 10, None),
    ],
)
def test_a_survey_may_name_its_scale(
    survey: str, score: int, scale: int | None, kept: int | None
) -> None:
    raw = _raw(event_id="s", occurred_at=WHEN, survey=survey, score=score, scale=scale)
    event = decode(raw, Kind.SURVEY)
    assert event.scale == kept
    assert Event.from_row(event.to_row()) == event


@pytest.mark.parametrize(
    ("survey", "score", "scale", "reason"),
    [
        ("csat", 9, None, "csat score 9 is outside 1..5"),
        ("csat", 11, 10, "csat score 11 is outside 1..10"),
        ("ces", 6, 5, "ces score 6 is outside 1..5"),
        ("csat", 3, 7, "a csat 'scale' must be 5 or 10, got 7"),
        ("nps", 3, 5, "a nps 'scale' must be 10, got 5"),
        ("csat", 3, "ten", "'scale' must be an integer"),
    ],
)
def test_validation_follows_the_scale(survey: str, score: int, scale: object, reason: str) -> None:
    raw = _raw(event_id="s", occurred_at=WHEN, survey=survey, score=score, scale=scale)
    with pytest.raises(InvalidEvent, match=re.escape(reason)):
        decode(raw, Kind.SURVEY)
