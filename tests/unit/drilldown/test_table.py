"""The terminal table: signed short durations, and every problem on a line of its own."""

from __future__ import annotations

import pytest

from streams.drilldown.table import duration, render


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(-725.2, "-12m05s"), (59, "0m59s"), (11_040, "3h04m"), (190_800, "2d05h"), (0, "0m00s")],
)
def test_durations_are_short_and_signed(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_the_table_lists_rows_then_says_what_is_missing() -> None:
    view = {
        "complete": False,
        "matched": 9,
        "workers": [{"url": "http://a", "ready": False}],
        "missing": [{"url": "http://b", "error": "ClientConnectorError"}],
        "unowned_partitions": [2, 3],
        "shared_partitions": [],
        "tickets": [
            {
                "time_left_seconds": -600.0,
                "ticket_id": "T-4711",
                "sla": "first_response",
                "state": "breached",
                "priority": "urgent",
                "team": None,
                "channel": "chat",
                "policy": "enterprise",
                "waiting_since": "2026-10-28T14:20:00.000Z",
            }
        ],
    }
    lines = render(view).splitlines()
    assert lines[0].split()[:3] == ["TIME", "LEFT", "TICKET"]
    assert lines[1].split()[:3] == ["-10m00s", "T-4711", "first_response"]
    assert lines[2] == "1 of 9 running clocks"
    assert lines[3:] == [
        "missing: http://b: ClientConnectorError",
        "partitions no worker owns: 2, 3",
        "not ready: http://a (rebuilding its partitions)",
    ]
