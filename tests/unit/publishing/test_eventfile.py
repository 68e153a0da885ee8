"""Event files (JSON Lines or CSV) for ``validate`` and ``replay``: reasons by line, stable ids."""

from __future__ import annotations

from pathlib import Path

import orjson

from streams.publishing import eventfile


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
        "type,event_id,occurred_at,ticket_id,agent_id,public,survey,score,method\n"
        "agent-replied,r1,2026-11-23T09:00:00Z,T,a,false,,,\n"
        "survey-answered,s1,2026-11-23T09:00:00Z,T,,,csat,4,\n"
        "survey-sent,s2,2026-11-23T08:00:00Z,T,,,csat,,email\n"
        "survey-sent,s3,2026-11-23T08:00:00Z,T,,,csat,,\n"
    )
    lines = list(eventfile.read(path))
    assert [line.number for line in lines] == [2, 3, 4, 5]
    assert [eventfile.problem(line) for line in lines] == [
        None,
        None,
        None,
        "missing required field 'method'",
    ]
    assert lines[0].fields["public"] is False and lines[1].fields["score"] == 4  # type: ignore[index]


def test_replay_ids_for_lines_without_one_are_stable(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    path.write_text(
        '{"type": "ticket-reopened", "ticket_id": "T", "occurred_at": "2026-11-23T09:00:00Z"}\n'
    )
    first = [eventfile.stable_event_id(path, line) for line in eventfile.read(path)]
    again = [eventfile.stable_event_id(path, line) for line in eventfile.read(path)]
    assert first == again and len(first[0]) == 36
