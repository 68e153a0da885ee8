"""The recent-contributions cache: bounded, least recently evaluated goes first."""

from __future__ import annotations

from streams.domain.recent import RecentContributions


def test_the_least_recently_remembered_record_is_dropped_past_the_limit() -> None:
    recent = RecentContributions(limit=2)
    recent.remember("A", [(1, ("created",), 1)])
    recent.remember("B", [])
    recent.remember("A", [(2, ("created",), 1)])  # A is now the most recent
    recent.remember("C", [])
    assert list(recent) == ["A", "C"]
    assert recent.get("A") == [(2, ("created",), 1)] and recent.get("B") is None
