"""The JSON rows: RFC 3339 in UTC, signed seconds left, and the order a merge relies on."""

from __future__ import annotations

from streams.domain.sla.listing import ClockRow
from streams.drilldown.wire import order, rfc3339, row_json
from streams.secrets import bearer_matches

ROW = ClockRow(
    time_left_ms=-90_500,
    ticket_id="T-1",
    sla="first_response",
    state="breached",
    policy="enterprise",
    priority="urgent",
    team=None,
    channel="chat",
    waiting_since_ms=1_793_000_000_000,
    deadline_ms=1_793_000_900_000,
)


def test_a_row_says_its_times_in_utc_and_its_time_left_signed() -> None:
    doc = row_json(ROW)
    assert doc["waiting_since"] == "2026-10-26T07:33:20.000Z"
    assert doc["deadline"] == rfc3339(ROW.deadline_ms) == "2026-10-26T07:48:20.000Z"
    assert doc["time_left_seconds"] == -90.5 and doc["team"] is None
    assert order(doc) == (-90.5, "T-1", "first_response")


def test_the_bearer_token_is_compared_whole() -> None:
    assert bearer_matches("Bearer s3cret", "s3cret")
    assert not bearer_matches("Bearer s3cre", "s3cret")
    assert not bearer_matches("s3cret", "s3cret")
    assert not bearer_matches(None, "s3cret")
    assert not bearer_matches("Bearer \udcff", "s3cret")  # not UTF-8 on the wire: merely wrong
