"""``supportkpi publish``: every event type, validated before anything is sent."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import orjson
import pytest

from streams import cli
from streams.domain.events import Kind
from streams.publishing import publish
from streams.publishing.publish import OutgoingEvent


class RecordingPublisher:
    """Stands in for a connected ``Publisher``: keeps what would be sent, talks to no broker."""

    def __init__(self, sent: list[OutgoingEvent]) -> None:
        self.sent = sent

    def send(self, event: OutgoingEvent) -> None:
        self.sent.append(event)

    def __enter__(self) -> RecordingPublisher:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[OutgoingEvent]:
    sent: list[OutgoingEvent] = []

    def connect(*args: Any, **options: Any) -> RecordingPublisher:
        return RecordingPublisher(sent)

    monkeypatch.setattr(publish, "Publisher", SimpleNamespace(connect=connect))
    return sent


def test_publish_sends_a_survey_sent_with_its_method(
    recorded: list[OutgoingEvent], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["publish", "survey-sent", "-f", "survey=nps", "-f", "method=email", "-f", "ticket_id=T"]
    assert cli.main(argv) == 0
    [event] = recorded
    assert event.kind is Kind.SURVEY_SENT and event.key == b"T"
    assert orjson.loads(capsys.readouterr().out)["method"] == "email"


def test_publish_refuses_a_survey_sent_without_method(
    recorded: list[OutgoingEvent], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["publish", "survey-sent", "--json", '{"survey": "csat"}']) == 2
    assert recorded == []
    assert capsys.readouterr().err == "invalid: missing required field 'method'\n"
