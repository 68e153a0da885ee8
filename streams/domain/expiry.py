"""How long a partition keeps state, and which records are past it.

Two horizons: events that wait for their ticket-created are dropped (counted as orphans) once
they have waited ``orphan_ms``; a closed ticket is forgotten once its newest event lies outside
every window plus the grace period, where nothing it contributes can be seen any more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from streams.domain.record_packing import Summary
from streams.domain.ticket import TicketRecord


@dataclass(frozen=True, slots=True)
class Horizons:
    """How long state is kept, in milliseconds of the processor's clock."""

    grace_ms: int = 3_600_000  # beyond the largest window an event still counts as on time
    orphan_ms: int = 86_400_000  # how long a reply or resolution waits for its ticket-created

    def late_before_ms(self, now_ms: int, largest_window_ms: int) -> int:
        """Events older than this lie outside every window (plus grace): they count as late."""
        return now_ms - largest_window_ms - self.grace_ms


class Cutoffs(NamedTuple):
    """The horizons as instants of the processor's clock, for one expiry pass."""

    orphan_before_ms: int  # events waiting since before this for their ticket are dropped
    retain_after_ms: int  # closed tickets whose newest event is older are forgotten

    @classmethod
    def at(
        cls, now_ms: int, horizons: Horizons, largest_window_ms: int, waiting_ms: int | None = None
    ) -> Cutoffs:
        """``waiting_ms``: now for events waiting for their ticket (default: ``now_ms``)."""
        waited = now_ms if waiting_ms is None else waiting_ms
        return cls(waited - horizons.orphan_ms, horizons.late_before_ms(now_ms, largest_window_ms))

    def may_drop(self, record: Summary) -> bool:
        """``orphans_waiting`` or ``expired``, from a record's summary (a packed record is
        unpacked only for this)."""
        pending = record.pending_since_ms
        if pending is not None and pending < self.orphan_before_ms:
            return True
        return not record.is_open and record.last_ms < self.retain_after_ms and not record.waiting

    def orphans_waiting(self, record: TicketRecord) -> bool:
        """Whether ``record`` holds events that waited too long for their ticket-created."""
        pending = record.pending_since_ms
        return pending is not None and pending < self.orphan_before_ms

    def expired(self, record: TicketRecord) -> bool:
        """Whether ``record`` is closed, out of every window, and waits for nothing."""
        return (
            not record.is_open
            and record.last_ms < self.retain_after_ms
            and not record.waiting_events
        )
