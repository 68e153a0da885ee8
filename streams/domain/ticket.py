"""The per-ticket record: raw facts in event time, from which every KPI contribution is derived.

A record keeps facts, not running totals (times of replies and customer messages, resolutions
and reopens, status and priority changes, surveys, the event ids already applied). Contributions
to windowed KPIs and SLA clocks are pure functions of the record, so the order in which events
arrive never changes the result, redelivered events are recognised, and aggregates can be
rebuilt from records after a restart.
"""

from __future__ import annotations

from bisect import insort
from dataclasses import dataclass, field

import orjson

from streams.domain.events import Event, Kind
from streams.domain.labels import UNKNOWN

_FORMAT = 2
MAX_FACTS_KEPT = 200  # per list: a bound against runaway tickets, far above real ones


@dataclass(slots=True)
class TicketRecord:
    """State of one ticket (or of one survey that names no ticket)."""

    created_ms: int | None = None
    channel: str = UNKNOWN
    priority: str = UNKNOWN  # bounded label of the current priority
    team: str | None = None  # bounded label, decided at creation
    team_name: str | None = None  # current team as published (for SLA policy matching)
    category: str | None = None
    replies: list[int] = field(default_factory=list)  # public human agent replies, sorted
    customer: list[int] = field(default_factory=list)  # customer messages, sorted
    resolutions: list[int] = field(default_factory=list)  # sorted
    reopens: list[int] = field(default_factory=list)  # sorted
    statuses: list[tuple[int, str]] = field(default_factory=list)  # (at, status), sorted
    priorities: list[tuple[int, str]] = field(default_factory=list)  # (at, label), sorted
    # (survey, score, answered at, channel hint used while the ticket is unknown)
    surveys: list[tuple[str, int, int, str]] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)  # event ids applied (dedupe)
    pending_since_ms: int | None = None  # clock time an event first waited for ticket-created
    last_ms: int = 0  # newest event time applied
    evaluated_ms: int = 0  # processor clock at the last evaluation of SLA deadlines

    @property
    def resolved_ms(self) -> int | None:
        """The first resolution (resolution time, one-touch and resolved counts use it)."""
        return self.resolutions[0] if self.resolutions else None

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
        return (len(self.replies) + len(self.resolutions) + len(self.customer)
                + len(self.reopens) + len(self.statuses) + len(self.priorities))

    def apply(self, event: Event, channel: str, priority: str, clock_ms: int,
              team: str | None = None) -> bool:
        """Apply ``event``; return False when its ``event_id`` was already applied.

        ``channel``, ``priority`` and ``team`` are the event's bounded label values.
        """
        if event.event_id in self.seen:
            return False
        self.seen.append(event.event_id)
        self.last_ms = max(self.last_ms, event.at_ms)
        at, kind = event.at_ms, event.kind
        if kind is Kind.CREATED:
            if self.created_ms is None or at < self.created_ms:
                replaced = self.created_ms  # an earlier ticket-created replaces the creation
                self.created_ms = at
                self.channel, self.team = channel, team
                self.team_name, self.category = event.team, event.category
                self.priorities = [p for p in self.priorities if p[0] > at and p[0] != replaced]
                insort(self.priorities, (at, priority))
                self.priority = self.priorities[-1][1]
                if event.status:
                    _add(self.statuses, (at, event.status))
            self.pending_since_ms = None
        elif kind is Kind.REPLIED:
            if event.counts_as_response:
                _add(self.replies, at)
        elif kind is Kind.RESOLVED:
            _add(self.resolutions, at)
        elif kind is Kind.REOPENED:
            _add(self.reopens, at)
        elif kind is Kind.CUSTOMER_REPLIED:
            _add(self.customer, at)
        elif kind is Kind.UPDATED:
            if event.status:
                _add(self.statuses, (at, event.status))
            if event.priority:
                _add(self.priorities, (at, priority))
                self.priority = self.priorities[-1][1]
            if event.team:
                self.team_name = event.team
            if event.category:
                self.category = event.category
        elif kind is Kind.SURVEY:
            assert event.survey is not None and event.score is not None
            self.surveys.append((event.survey, event.score, at, channel))
        if self.created_ms is None and self.waiting_events and self.pending_since_ms is None:
            self.pending_since_ms = clock_ms
        return True

    def drop_waiting(self) -> int:
        """Forget lifecycle events whose ticket never appeared; return how many."""
        dropped = self.waiting_events
        for facts in (self.replies, self.resolutions, self.customer, self.reopens,
                      self.statuses, self.priorities):
            facts.clear()
        self.pending_since_ms = None
        return dropped

    def to_bytes(self) -> bytes:
        return orjson.dumps(
            [_FORMAT, self.created_ms, self.channel, self.priority, self.team, self.team_name,
             self.category, self.replies, self.customer, self.resolutions, self.reopens,
             self.statuses, self.priorities, self.surveys, self.seen, self.pending_since_ms,
             self.last_ms, self.evaluated_ms]
        )

    @classmethod
    def from_bytes(cls, blob: bytes) -> TicketRecord:
        (fmt, created, channel, priority, team, team_name, category, replies, customer,
         resolutions, reopens, statuses, priorities, surveys, seen, pending, last,
         evaluated) = orjson.loads(blob)
        if fmt != _FORMAT:
            raise ValueError(f"unknown ticket record format {fmt}")
        return cls(created, channel, priority, team, team_name, category, replies, customer,
                   resolutions, reopens, [(a, s) for a, s in statuses],
                   [(a, p) for a, p in priorities], [tuple(s) for s in surveys],
                   seen, pending, last, evaluated)


def _add(facts: list, fact: object) -> None:
    if len(facts) < MAX_FACTS_KEPT:
        insort(facts, fact)
