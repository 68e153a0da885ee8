"""The per-ticket record: raw facts in event time, from which every KPI contribution is derived.

A record keeps facts, not running totals (times of replies and customer messages, resolutions
and reopens, status and priority changes, surveys, digests of the event ids already applied).
Contributions to windowed KPIs and SLA clocks are pure functions of the record, so the order in
which events arrive never changes the result, redelivered events are recognised, and aggregates
can be rebuilt from records after a restart.
"""

from __future__ import annotations

import sys
from bisect import insort
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from streams.domain import record_format
from streams.domain.digests import DIGEST_SIZE, event_digest, holds
from streams.domain.events import Event, Kind
from streams.domain.labels import UNKNOWN
from streams.domain.record_format import intern_label
from streams.domain.record_limits import (
    MAX_FACTS_KEPT,
    MAX_TICKET_EVENTS,
    OVERFLOW_DIGESTS_KEPT,
    max_record_bytes,
)

__all__ = [
    "DIGEST_SIZE",
    "MAX_FACTS_KEPT",
    "MAX_TICKET_EVENTS",
    "OVERFLOW_DIGESTS_KEPT",
    "Admission",
    "TicketRecord",
    "event_digest",
    "max_record_bytes",
]

_Fact = TypeVar("_Fact", int, tuple[int, str])


class Admission(Enum):
    """What a record did with an event."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"  # its event_id was seen before
    CAPPED = "capped"  # the fact sequence it would grow is full (``MAX_FACTS_KEPT``)


@dataclass(slots=True)
class TicketRecord:
    """State of one ticket (or of one survey that names no ticket)."""

    created_ms: int | None = None
    channel: str = UNKNOWN
    priority: str = UNKNOWN  # bounded label of the current priority
    team: str | None = None  # bounded label, decided at creation
    team_name: str | None = None  # current team as published (for SLA policy matching)
    category: str | None = None  # current category as published (for SLA policy matching)
    # Facts are tuples, not lists: most are empty (the shared ``()`` costs nothing) and a ticket
    # gets a handful of events, so copying on insert is as cheap as a list shift, while a
    # million open tickets save ~500 bytes each (seven empty lists and two list headers).
    replies: tuple[int, ...] = ()  # public human agent replies, sorted
    customer: tuple[int, ...] = ()  # customer messages, sorted
    resolutions: tuple[int, ...] = ()  # sorted
    reopens: tuple[int, ...] = ()  # sorted
    statuses: tuple[tuple[int, str], ...] = ()  # (at, status), sorted
    priorities: tuple[tuple[int, str], ...] = ()  # (at, label), sorted
    # (survey, score, answered at, channel hint used while the ticket is unknown)
    surveys: tuple[tuple[str, int, int, str], ...] = ()
    seen: bytes = b""  # 8-byte digests of the event ids applied (dedupe), concatenated
    overflow: bytes = b""  # digests of the newest events once ``seen`` is full (a ring)
    pending_since_ms: int | None = None  # clock time an event first waited for ticket-created
    last_ms: int = 0  # newest event time applied
    evaluated_ms: int = 0  # processor clock at the last evaluation of SLA deadlines
    category_label: str = UNKNOWN  # bounded label of the category it was created with
    category_changes: tuple[tuple[int, str], ...] = ()  # (at, label) of the latest ticket-updated

    @property
    def resolved_ms(self) -> int | None:
        """The first resolution (resolution time, one-touch and resolved counts use it)."""
        return self.resolutions[0] if self.resolutions else None

    @property
    def category_now(self) -> str:
        """The current category label: the latest change after the creation, else the
        creation's (changes are kept in event time, so arrival order never matters)."""
        changes, created = self.category_changes, self.created_ms
        if changes and created is not None and changes[-1][0] > created:
            return changes[-1][1]
        return self.category_label

    @property
    def is_resolved(self) -> bool:
        """Resolved now: a resolution and no reopen after the last one."""
        if not self.resolutions:
            return False
        return not self.reopens or self.reopens[-1] <= self.resolutions[-1]

    @property
    def is_open(self) -> bool:
        return self.created_ms is not None and not self.is_resolved

    @property
    def waiting_events(self) -> int:
        """Lifecycle events that arrived before their ticket was created."""
        if self.created_ms is not None:
            return 0
        return (
            len(self.replies)
            + len(self.resolutions)
            + len(self.customer)
            + len(self.reopens)
            + len(self.statuses)
            + len(self.priorities)
            + len(self.category_changes)
        )

    def apply(
        self,
        event: Event,
        channel: str,
        priority: str,
        clock_ms: int,
        team: str | None = None,
        max_events: int = MAX_TICKET_EVENTS,
        category: str = UNKNOWN,
    ) -> Admission:
        """Apply ``event`` unless it is a duplicate or would grow a full fact sequence.

        ``channel``, ``priority``, ``team`` and ``category`` are the event's bounded label
        values. A capped
        event changes nothing but the digest ring: the work per event stays flat however hot
        a ticket runs, and so does the record's size.
        """
        admission = self._admit(event, max_events)
        if admission is not Admission.APPLIED:
            return admission
        self.last_ms = max(self.last_ms, event.at_ms)
        kind = event.kind
        if kind is Kind.CREATED:
            self._apply_created(event, channel, priority, team, category)
        elif kind is Kind.UPDATED:
            self._apply_updated(event, priority, category)
        else:
            self._add_fact(event, channel)
        if self.created_ms is None and self.pending_since_ms is None and self.waiting_events:
            self.pending_since_ms = clock_ms
        return Admission.APPLIED

    def _admit(self, event: Event, max_events: int) -> Admission:
        """Record the event's digest unless it is a duplicate; say whether the event applies."""
        digest = event_digest(event.event_id)
        if self.has_seen(digest):
            return Admission.DUPLICATE
        capped = self._fact_cap_reached(event)
        if capped or len(self.seen) >= max_events * DIGEST_SIZE:
            self.overflow = (self.overflow + digest)[-OVERFLOW_DIGESTS_KEPT * DIGEST_SIZE :]
            if capped:
                return Admission.CAPPED
        else:
            self.seen += digest
        return Admission.APPLIED

    def _apply_created(
        self, event: Event, channel: str, priority: str, team: str | None, category: str
    ) -> None:
        """The earliest ticket-created decides the creation, its labels and first priority."""
        at = event.at_ms
        if self.created_ms is None or at < self.created_ms:
            replaced = self.created_ms  # an earlier ticket-created replaces the creation
            self.created_ms = at
            self.channel, self.team, self.category_label = channel, team, category
            self.team_name, self.category = intern_label(event.team), intern_label(event.category)
            kept = tuple(p for p in self.priorities if p[0] > at and p[0] != replaced)
            self.priorities = _with(kept, (at, priority), limit=False)
            self.priority = self.priorities[-1][1]
            if event.status:
                self.statuses = _with(self.statuses, (at, sys.intern(event.status)))
        self.pending_since_ms = None

    def _apply_updated(self, event: Event, priority: str, category: str) -> None:
        """A change of status, priority, team or category (any of them, at once)."""
        at = event.at_ms
        if event.status:
            self.statuses = _with(self.statuses, (at, sys.intern(event.status)))
        if event.priority:
            self.priorities = _with(self.priorities, (at, priority))
            self.priority = self.priorities[-1][1]
        if event.team:
            self.team_name = intern_label(event.team)
        if event.category:
            self.category = intern_label(event.category)
            # the latest in event time is all the current category needs (max: any order)
            self.category_changes = (max((*self.category_changes, (at, category))),)

    def _add_fact(self, event: Event, channel: str) -> None:
        """A reply, resolution, reopen, customer message or survey: one more fact in order."""
        at, kind = event.at_ms, event.kind
        if kind is Kind.REPLIED:
            if event.counts_as_response:
                self.replies = _with(self.replies, at)
        elif kind is Kind.RESOLVED:
            self.resolutions = _with(self.resolutions, at)
        elif kind is Kind.REOPENED:
            self.reopens = _with(self.reopens, at)
        elif kind is Kind.CUSTOMER_REPLIED:
            self.customer = _with(self.customer, at)
        elif kind is Kind.SURVEY:
            assert event.survey is not None and event.score is not None
            self.surveys += ((sys.intern(event.survey), event.score, at, channel),)

    def _fact_cap_reached(self, event: Event) -> bool:
        """Whether the sequence this event would grow is full (it would change nothing)."""
        kind = event.kind
        if kind is Kind.REPLIED:
            facts: tuple[object, ...] = self.replies if event.counts_as_response else ()
        elif kind is Kind.SURVEY:
            facts = self.surveys
        elif kind is Kind.RESOLVED:
            facts = self.resolutions
        elif kind is Kind.REOPENED:
            facts = self.reopens
        elif kind is Kind.CUSTOMER_REPLIED:
            facts = self.customer
        elif kind is Kind.UPDATED:
            facts = (
                self.statuses
                if event.status
                else self.priorities
                if event.priority
                else self.category_changes
                if event.category
                else ()
            )
        else:
            return False
        return len(facts) >= MAX_FACTS_KEPT

    def has_seen(self, digest: bytes) -> bool:
        """Whether an event with this ``event_digest`` was seen (applied or capped)."""
        return holds(self.seen, digest) or (bool(self.overflow) and holds(self.overflow, digest))

    def copy(self) -> TicketRecord:
        """A snapshot to roll back to: every field is immutable, so a shallow copy is enough."""
        return TicketRecord(
            self.created_ms,
            self.channel,
            self.priority,
            self.team,
            self.team_name,
            self.category,
            self.replies,
            self.customer,
            self.resolutions,
            self.reopens,
            self.statuses,
            self.priorities,
            self.surveys,
            self.seen,
            self.overflow,
            self.pending_since_ms,
            self.last_ms,
            self.evaluated_ms,
            self.category_label,
            self.category_changes,
        )

    def drop_waiting(self) -> int:
        """Forget lifecycle events whose ticket never appeared; return how many."""
        dropped = self.waiting_events
        self.replies = self.resolutions = self.customer = self.reopens = ()
        self.statuses = self.priorities = self.category_changes = ()
        self.pending_since_ms = None
        return dropped

    def to_bytes(self) -> bytes:
        """Its changelog value (see ``record_format``)."""
        return record_format.encode(self)

    @classmethod
    def from_bytes(cls, blob: bytes) -> TicketRecord:
        return cls(*record_format.decode(blob))


def _with(facts: tuple[_Fact, ...], fact: _Fact, limit: bool = True) -> tuple[_Fact, ...]:
    """``facts`` with ``fact`` inserted in order (unchanged once ``MAX_FACTS_KEPT`` is reached)."""
    if limit and len(facts) >= MAX_FACTS_KEPT:
        return facts
    grown = list(facts)
    insort(grown, fact)
    return tuple(grown)
