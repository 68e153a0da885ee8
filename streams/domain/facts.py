"""The fact sequences of a ticket record: sorted inserts, and the caps that keep them bounded."""

from __future__ import annotations

from bisect import insort
from typing import TypeVar

from streams.domain.events import Event, Kind
from streams.domain.record_format import Persisted
from streams.domain.record_limits import MAX_FACTS_KEPT
from streams.domain.surveys import SurveySend
from streams.domain.transfers import MAX_TEAM_CHANGES_KEPT, TeamChange

_Fact = TypeVar("_Fact", int, tuple[int, str], TeamChange, SurveySend)


def sequence_full(record: Persisted, event: Event) -> bool:
    """Whether the sequence this event would grow is full (it would change nothing)."""
    kind = event.kind
    if kind is Kind.REPLIED:
        facts: tuple[object, ...] = record.replies if event.counts_as_response else ()
    elif kind is Kind.SURVEY:
        facts = record.surveys
    elif kind is Kind.SURVEY_SENT:
        facts = record.sends
    elif kind is Kind.RESOLVED:
        facts = record.resolutions
    elif kind is Kind.REOPENED:
        facts = record.reopens
    elif kind is Kind.CUSTOMER_REPLIED:
        facts = record.customer
    elif kind is Kind.UPDATED:
        if event.team and len(record.team_changes) >= MAX_TEAM_CHANGES_KEPT:
            return True
        facts = (
            record.statuses
            if event.status
            else record.priorities
            if event.priority
            else record.category_changes
            if event.category
            else ()
        )
    else:
        return False
    return len(facts) >= MAX_FACTS_KEPT


def with_fact(facts: tuple[_Fact, ...], fact: _Fact, limit: bool = True) -> tuple[_Fact, ...]:
    """``facts`` with ``fact`` inserted in order (unchanged once ``MAX_FACTS_KEPT`` is reached)."""
    if limit and len(facts) >= MAX_FACTS_KEPT:
        return facts
    grown = list(facts)
    insort(grown, fact)
    return tuple(grown)
