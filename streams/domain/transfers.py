"""A ticket's current team, and its transfers, from the team changes it keeps in event time.

``ticket-updated`` may move a ticket to another team. The record keeps each change with its
time, so the current team (the latest change after the creation) and the transfers (changes to a
team other than the one before) follow event time, whatever order the events arrive in.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

#: changes a record keeps; a ticket moved more often than this is capped like a full fact
#: sequence (the bound keeps a record, whose team names may be long, under the message limit)
MAX_TEAM_CHANGES_KEPT = 20


class TeamChange(NamedTuple):
    """One ``ticket-updated`` that named a team (sorted by time, then label and name)."""

    at_ms: int
    label: str  # its bounded ``team`` label
    name: str  # as published (transfers and SLA policy matching compare names)


def after_creation(
    changes: tuple[TeamChange, ...], created_ms: int | None
) -> tuple[TeamChange, ...]:
    """The changes that follow the creation (one at or before it is the creation's team)."""
    if created_ms is None or not changes:
        return ()  # most tickets never move: no generator for them
    return tuple(change for change in changes if change.at_ms > created_ms)


def transfer_times(
    created_name: str | None, changes: tuple[TeamChange, ...], created_ms: int | None
) -> Iterator[int]:
    """When the ticket moved from one team to another. Naming the ticket's own team again is no
    transfer, and neither is the first team given to a ticket created without one."""
    previous = created_name
    for change in after_creation(changes, created_ms):
        if previous is not None and change.name != previous:
            yield change.at_ms
        previous = change.name
