"""The per-ticket record: raw facts in event time, from which every KPI contribution is derived.

A record keeps facts, not running totals (times of replies, the earliest resolution, surveys, the
event ids already applied). Contributions to windowed KPIs are a pure function of the record, so
the order in which events arrive never changes the result, redelivered events are recognised, and
aggregates can be rebuilt from records after a restart.
"""

from __future__ import annotations

from bisect import insort
from dataclasses import dataclass, field

import orjson

from streams.domain.events import Event, Kind
from streams.domain.labels import UNKNOWN

_FORMAT = 1
MAX_REPLIES_KEPT = 200


@dataclass(slots=True)
class TicketRecord:
    """State of one ticket (or of one survey that names no ticket)."""

    created_ms: int | None = None
    channel: str = UNKNOWN
    priority: str = UNKNOWN
    team: str | None = None  # bounded label, decided at creation
    replies: list[int] = field(default_factory=list)  # public human replies, sorted event times
    resolved_ms: int | None = None  # earliest resolution
    # (survey, score, answered at, channel hint used while the ticket is unknown)
    surveys: list[tuple[str, int, int, str]] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)  # event ids applied (dedupe)
    pending_since_ms: int | None = None  # clock time an event first waited for ticket-created
    last_ms: int = 0  # newest event time applied

    @property
    def is_open(self) -> bool:
        return self.created_ms is not None and self.resolved_ms is None

    @property
    def waiting_events(self) -> int:
        """Replies and resolutions that arrived before their ticket was created."""
        if self.created_ms is not None:
            return 0
        return len(self.replies) + (self.resolved_ms is not None)

    def apply(self, event: Event, channel: str, priority: str, clock_ms: int,
              team: str | None = None) -> bool:
        """Apply ``event``; return False when its ``event_id`` was already applied.

        ``channel``, ``priority`` and ``team`` are the event's bounded label values.
        """
        if event.event_id in self.seen:
            return False
        self.seen.append(event.event_id)
        self.last_ms = max(self.last_ms, event.at_ms)
        kind = event.kind
        if kind is Kind.CREATED:
            if self.created_ms is None or event.at_ms < self.created_ms:
                self.created_ms = event.at_ms
                self.channel, self.priority, self.team = channel, priority, team
            self.pending_since_ms = None
        elif kind is Kind.REPLIED:
            if event.counts_as_response and len(self.replies) < MAX_REPLIES_KEPT:
                insort(self.replies, event.at_ms)
        elif kind is Kind.RESOLVED:
            if self.resolved_ms is None or event.at_ms < self.resolved_ms:
                self.resolved_ms = event.at_ms
        elif kind is Kind.SURVEY:
            assert event.survey is not None and event.score is not None
            self.surveys.append((event.survey, event.score, event.at_ms, channel))
        if self.created_ms is None and self.waiting_events and self.pending_since_ms is None:
            self.pending_since_ms = clock_ms
        return True

    def drop_waiting(self) -> int:
        """Forget replies and resolutions whose ticket never appeared; return how many."""
        dropped = self.waiting_events
        self.replies.clear()
        self.resolved_ms = None
        self.pending_since_ms = None
        return dropped

    def to_bytes(self) -> bytes:
        return orjson.dumps(
            [_FORMAT, self.created_ms, self.channel, self.priority, self.team, self.replies,
             self.resolved_ms, self.surveys, self.seen, self.pending_since_ms, self.last_ms]
        )

    @classmethod
    def from_bytes(cls, blob: bytes) -> TicketRecord:
        fmt, created, channel, priority, team, replies, resolved, surveys, seen, pending, last = (
            orjson.loads(blob)
        )
        if fmt != _FORMAT:
            raise ValueError(f"unknown ticket record format {fmt}")
        return cls(created, channel, priority, team, replies, resolved,
                   [tuple(s) for s in surveys], seen, pending, last)
