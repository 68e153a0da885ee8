"""The per-ticket record: raw facts in event time, from which every KPI contribution is derived.

A record keeps facts, not running totals (times of replies and customer messages, resolutions
and reopens, status and priority changes, surveys, digests of the event ids already applied).
Contributions to windowed KPIs and SLA clocks are pure functions of the record, so the order in
which events arrive never changes the result, redelivered events are recognised, and aggregates
can be rebuilt from records after a restart.
"""

from __future__ import annotations

import sys
from enum import Enum

from streams.domain import record_format
from streams.domain.digests import DIGEST_SIZE, event_digest, holds
from streams.domain.events import Event, Kind
from streams.domain.facts import sequence_full, with_fact
from streams.domain.labels import UNKNOWN
from streams.domain.record_fields import RecordFields
from streams.domain.record_format import intern_label
from streams.domain.record_limits import (
    MAX_FACTS_KEPT,
    MAX_TICKET_EVENTS,
    OVERFLOW_DIGESTS_KEPT,
    max_record_bytes,
)
from streams.domain.surveys import SurveyAnswer, SurveySend
from streams.domain.transfers import TeamChange, after_creation

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


class Admission(Enum):
    """What a record did with an event."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"  # its event_id was seen before
    CAPPED = "capped"  # the fact sequence it would grow is full (``MAX_FACTS_KEPT``)


class TicketRecord(RecordFields):
    """State of one ticket (or of one survey that names no ticket)."""

    __slots__ = ()

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
    def team_now(self) -> str:
        """The current team label: the latest team change after the creation, else the
        creation's (``unknown`` without a team)."""
        changes = after_creation(self.team_changes, self.created_ms)
        return changes[-1].label if changes else self.team or UNKNOWN

    @property
    def team_name_now(self) -> str | None:
        """The current team as published (SLA policies match on it)."""
        changes = after_creation(self.team_changes, self.created_ms)
        return changes[-1].name if changes else self.team_name

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
            + len(self.team_changes)
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
        values. A capped event changes nothing but the digest ring: the work per event stays
        flat however hot a ticket runs, and so does the record's size.
        """
        admission = self._admit(event, max_events)
        if admission is not Admission.APPLIED:
            return admission
        self.last_ms = max(self.last_ms, event.at_ms)
        kind = event.kind
        if kind is Kind.CREATED:
            self._apply_created(event, channel, priority, team, category)
        elif kind is Kind.UPDATED:
            self._apply_updated(event, priority, category, team)
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
        capped = sequence_full(self, event)
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
            self.team_name = intern_label(event.team)
            if not self.category_changes or self.category_changes[0][0] <= at:
                self.category = intern_label(event.category)  # no change after it arrived
            kept = tuple(p for p in self.priorities if p[0] > at and p[0] != replaced)
            self.priorities = with_fact(kept, (at, priority), limit=False)
            self.priority = self.priorities[-1][1]
            if event.status:
                self.statuses = with_fact(self.statuses, (at, sys.intern(event.status)))
        self.pending_since_ms = None

    def _apply_updated(self, event: Event, priority: str, category: str, team: str | None) -> None:
        """A change of status, priority, team or category (any of them, at once)."""
        at = event.at_ms
        if event.status:
            self.statuses = with_fact(self.statuses, (at, sys.intern(event.status)))
        if event.priority:
            self.priorities = with_fact(self.priorities, (at, priority))
            self.priority = self.priorities[-1][1]
        if event.team and team is not None:
            change = TeamChange(at, team, sys.intern(event.team))
            self.team_changes = with_fact(self.team_changes, change, limit=False)
        if event.category:
            # the latest in event time is all it takes (max: any order); see ``category_now``
            latest = (at, category)
            if not self.category_changes or latest >= self.category_changes[0]:
                if self.created_ms is None or at > self.created_ms:
                    self.category = intern_label(event.category)
                self.category_changes = (latest,)

    def _add_fact(self, event: Event, channel: str) -> None:
        """A reply, resolution, reopen, customer message or survey: one more fact in order."""
        at, kind = event.at_ms, event.kind
        if kind is Kind.REPLIED:
            if event.counts_as_response:
                self.replies = with_fact(self.replies, at)
            elif event.bot_response:
                self.first_bot_reply_ms = _earliest(self.first_bot_reply_ms, at)
        elif kind is Kind.RESOLVED:
            self.resolutions = with_fact(self.resolutions, at)
            if event.resolved_by == "human":
                self.human_resolved_ms = _earliest(self.human_resolved_ms, at)
        elif kind is Kind.REOPENED:
            self.reopens = with_fact(self.reopens, at)
        elif kind is Kind.CUSTOMER_REPLIED:
            self.customer = with_fact(self.customer, at)
        elif kind is Kind.SURVEY:
            assert event.survey is not None and event.score is not None
            method = sys.intern(event.method) if event.method else ""
            answer = SurveyAnswer(
                sys.intern(event.survey), event.score, at, channel, method, event.scale or 0
            )
            self.surveys += (answer,)
        elif kind is Kind.SURVEY_SENT:
            assert event.survey is not None and event.method is not None
            send = SurveySend(at, sys.intern(event.survey), sys.intern(event.method))
            self.sends = with_fact(self.sends, send)

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
            self.team_changes,
            self.sends,
            self.first_bot_reply_ms,
            self.human_resolved_ms,
        )

    def drop_waiting(self) -> int:
        """Forget lifecycle events whose ticket never appeared; return how many."""
        dropped = self.waiting_events
        self.replies = self.resolutions = self.customer = self.reopens = ()
        self.statuses = self.priorities = self.category_changes = ()
        self.team_changes = ()
        self.pending_since_ms = None
        return dropped

    def to_bytes(self) -> bytes:
        """Its changelog value (see ``record_format``)."""
        return record_format.encode(self)

    @classmethod
    def from_bytes(cls, blob: bytes) -> TicketRecord:
        return cls(*record_format.decode(blob))


def _earliest(known: int | None, at_ms: int) -> int:
    return at_ms if known is None else min(known, at_ms)
