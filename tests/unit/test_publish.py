"""Publishing helpers and event files: validated like the processor validates, stable ids."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from streams import eventfile
from streams.domain.events import InvalidEvent, Kind, decode
from streams.publish import (
    agent_replied,
    make_event,
    survey_answered,
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


def test_event_files_report_line_numbers_and_reasons(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    good = {
        "type": "ticket-created",
        "event_id": "e1",
        "occurred_at": "2026-11-23T09:00:00Z",
        "ticket_id": "T",
        "channel": "email",
        "priority": "low",
    }
    path.write_bytes(
        b"\n".join(
            [
                orjson.dumps(good),
                b"{oops",
                b"",
                orjson.dumps({**good, "occurred_at": "2026-11-23T09:00:00"}),
                orjson.dumps({**good, "type": "ticket-deleted"}),
            ]
        )
    )
    problems = {line.number: eventfile.problem(line) for line in eventfile.read(path)}
    assert problems[1] is None
    assert "not valid JSON" in str(problems[2])
    assert "no UTC offset" in str(problems[4])
    assert "'type' must name the event" in str(problems[5])


def test_csv_files_type_their_numbers_and_booleans(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "type,event_id,occurred_at,ticket_id,agent_id,public,survey,score\n"
        "agent-replied,r1,2026-11-23T09:00:00Z,T,a,false,,\n"
        "survey-answered,s1,2026-11-23T09:00:00Z,T,,,csat,4\n"
    )
    lines = list(eventfile.read(path))
    assert [line.number for line in lines] == [2, 3]
    assert [eventfile.problem(line) for line in lines] == [None, None]
    assert lines[0].fields["public"] is False and lines[1].fields["score"] == 4  # type: ignore[index]


def test_replay_ids_for_lines_without_one_are_stable(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    path.write_text(
        '{"type": "ticket-reopened", "ticket_id": "T", "occurred_at": "2026-11-23T09:00:00Z"}\n'
    )
    first = [eventfile.stable_event_id(path, line) for line in eventfile.read(path)]
    again = [eventfile.stable_event_id(path, line) for line in eventfile.read(path)]
    assert first == again and len(first[0]) == 36
