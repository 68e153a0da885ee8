"""The publishing SDK: builders validate as the processor does, and fill in ids and times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streams.domain.events import InvalidEvent, Kind, decode
from streams.publishing.publish import (
    agent_replied,
    make_event,
    survey_answered,
    survey_sent,
    ticket_created,
    ticket_updated,
)


def test_builders_fill_ids_and_times_and_key_by_ticket() -> None:
    event = ticket_created("ZD-1", channel="email", priority="high", team="billing")
    assert event.kind is Kind.CREATED and event.key == b"ZD-1"
    decoded = decode(event.value, Kind.CREATED)
    assert decoded.ticket_id == "ZD-1" and decoded.event_id == event.payload["event_id"]
    assert event.payload["occurred_at"].endswith("+00:00")
    when = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    reply = agent_replied("ZD-1", agent_id="a-7", occurred_at=when, event_id="fixed")
    assert reply.payload["event_id"] == "fixed"
    assert reply.payload["occurred_at"] == "2026-11-23T09:00:00.000+00:00"
    assert survey_answered("nps", 9).key is None  # no ticket: any partition is fine


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (lambda: survey_answered("csat", 7), "outside 1..5"),
        (lambda: ticket_updated("ZD-1"), "changes nothing"),
        (lambda: survey_sent("mood", method="email"), "'survey' must be one of"),
        (lambda: survey_sent("csat", method=""), "'method' must be 1..256 characters"),
        (lambda: survey_sent("csat", method=3), "'method' must be a string"),  # type: ignore[arg-type]
        (lambda: survey_answered("csat", 4, method=["sms"]), "'method' must be a string"),  # type: ignore[arg-type]
        (lambda: agent_replied("ZD-1", agent_id="a", author="robot"), "'author' must be one of"),
        (
            lambda: make_event(
                "ticket-resolved", {"ticket_id": "Z", "occurred_at": datetime(2026, 1, 1)}
            ),
            "timezone-aware",
        ),
    ],
)
def test_builders_refuse_what_the_processor_would_dead_letter(build, reason: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidEvent, match=reason):
        build()


def test_survey_sent_keys_by_ticket_and_keeps_the_published_method() -> None:
    sent = survey_sent("nps", method="whatsapp", ticket_id="ZD-1", customer_id="C-1")
    assert sent.kind is Kind.SURVEY_SENT and sent.key == b"ZD-1"
    assert sent.payload["method"] == "whatsapp"  # sent as given; the processor counts it "other"
    decoded = decode(sent.value, Kind.SURVEY_SENT)
    assert (decoded.survey, decoded.method, decoded.ticket_id) == ("nps", "other", "ZD-1")
    assert survey_sent("ces", method="sms").key is None  # no ticket: any partition is fine


def test_survey_answered_carries_a_method_only_when_given() -> None:
    assert "method" not in survey_answered("csat", 5, ticket_id="ZD-1").payload
    answered = survey_answered("csat", 5, ticket_id="ZD-1", method="in_app")
    assert decode(answered.value, Kind.SURVEY).method == "in_app"


def test_the_public_path_streams_publish_gives_every_name_of_the_sdk() -> None:
    import inspect

    import streams.publish as alias
    from streams.publishing import publish

    defined = {
        name
        for name, value in vars(publish).items()
        if (inspect.isfunction(value) or inspect.isclass(value))
        and value.__module__ == publish.__name__
        and not name.startswith("_")
    }
    assert set(alias.__all__) == defined
    assert all(getattr(alias, name) is getattr(publish, name) for name in defined)
