"""Transfers: a move from one team to another, in event time."""

from __future__ import annotations

from streams.domain.transfers import TeamChange, transfer_times


def _changes(*moves: tuple[int, str]) -> tuple[TeamChange, ...]:
    return tuple(sorted(TeamChange(at, name, name) for at, name in moves))


def test_each_move_to_another_team_is_a_transfer_at_its_time() -> None:
    changes = _changes((10, "b"), (20, "b"), (30, "a"), (40, "c"))
    assert list(transfer_times("a", changes, 0)) == [10, 30, 40]


def test_the_first_team_of_a_ticket_created_without_one_is_no_transfer() -> None:
    assert list(transfer_times(None, _changes((10, "a"), (20, "b")), 0)) == [20]


def test_changes_at_or_before_the_creation_and_before_it_exists_are_ignored() -> None:
    changes = _changes((0, "b"), (5, "c"))
    assert list(transfer_times("a", changes, 5)) == []
    assert list(transfer_times("a", changes, None)) == []
