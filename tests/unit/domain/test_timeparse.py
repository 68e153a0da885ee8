"""RFC 3339 parsing: every offset form, sub-millisecond digits, and exact milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streams.domain.timeparse import TimeBounds, parse_duration_ms, parse_rfc3339_ms

BASE = int(datetime(2026, 11, 25, 8, 0, tzinfo=UTC).timestamp()) * 1000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-25T08:00:00Z", BASE),
        ("2026-11-25t08:00:00z", BASE),
        ("2026-11-25T09:30:00+01:30", BASE),
        ("2026-11-25T03:00:00-05:00", BASE),
        ("2026-11-25T08:00:00.5Z", BASE + 500),
        ("2026-11-25T08:00:00.123456789Z", BASE + 123),  # nanoseconds: cut, not rounded
        ("2026-11-25T08:00:00.999999999+00:00", BASE + 999),
    ],
)
def test_offsets_and_fractions(text: str, expected: int) -> None:
    assert parse_rfc3339_ms(text) == expected


def test_every_millisecond_is_exact() -> None:
    """Integer arithmetic: a float product would turn some .xyz into .xyz - 1."""
    for ms in range(1000):
        assert parse_rfc3339_ms(f"2026-11-25T08:00:00.{ms:03d}Z") == BASE + ms


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-11-25T08:00:00", "no UTC offset"),
        ("2026-11-25 08:00", "no UTC offset"),
        ("25.11.2026 08:00", "not an RFC 3339"),
        ("2026-13-01T00:00:00Z", "not a valid date-time"),
    ],
)
def test_rejections_say_why(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_rfc3339_ms(text)


def test_durations() -> None:
    assert [parse_duration_ms(t) for t in ("250ms", "90s", "15m", "24h", "7d", "2w")] == [
        250,
        90_000,
        900_000,
        86_400_000,
        604_800_000,
        1_209_600_000,
    ]
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration_ms("soon")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-25T07:59:60Z", BASE - 1),  # a leap second: the last millisecond of its minute
        ("2026-11-25T07:59:60.250Z", BASE - 1),
        ("2026-11-25T22:00:00+14:00", BASE),  # the furthest zones either way
        ("2026-11-24T18:00:00-14:00", BASE),
        ("2026-11-25T08:00:00.1234567Z", BASE + 123),  # seven digits: cut to milliseconds
        ("2026-11-25T08:00:00-00:00", BASE),  # "offset unknown" is UTC
    ],
)
def test_edges_of_the_calendar_have_defined_results(text: str, expected: int) -> None:
    assert parse_rfc3339_ms(text) == expected


def test_a_leap_second_sorts_between_its_neighbours() -> None:
    before, leap, after = (
        parse_rfc3339_ms(t)
        for t in ("2016-12-31T23:59:59.998Z", "2016-12-31T23:59:60Z", "2017-01-01T00:00:00Z")
    )
    assert before < leap < after


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-11-25T08:00:00+14:01", "beyond ±14:00"),
        ("2026-11-25T08:00:00-23:59", "beyond ±14:00"),
        ("0000-01-01T00:00:00Z", "not a valid date-time"),
        ("2026-11-25T08:00:61Z", "not a valid date-time"),
    ],
)
def test_impossible_instants_are_rejected(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_rfc3339_ms(text)


def test_time_bounds_refuse_the_distant_past_and_the_future_with_a_reason() -> None:
    bounds = TimeBounds.parse("2000-01-01T00:00:00Z", "15m")
    floor = parse_rfc3339_ms("2000-01-01T00:00:00Z")
    assert bounds.problem(floor, BASE) is None
    assert bounds.problem(floor - 1, BASE) == "occurred_at lies before 2000-01-01T00:00:00Z"
    assert bounds.problem(parse_rfc3339_ms("0001-01-01T00:00:00+14:00"), BASE) is not None
    assert bounds.problem(BASE + 15 * 60_000, BASE) is None
    assert (
        bounds.problem(BASE + 15 * 60_000 + 1, BASE)
        == "occurred_at lies more than 15m in the future"
    )
