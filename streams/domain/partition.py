"""All KPI state of one partition: ticket records plus the aggregates derived from them.

Records are the only persisted state (one changelog key per ticket, written once per batch), so
each event changes exactly one key and replaying any suffix of the input is harmless: the record
remembers which event ids it has applied. Windows and the backlog are rebuilt from records.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from streams.domain.contributions import Contribution, KpiModel
from streams.domain.events import Event, Kind
from streams.domain.labels import UNKNOWN, LabelPolicy, TeamLabels
from streams.domain.ticket import TicketRecord
from streams.domain.windows import SlidingWindows


class Outcome(StrEnum):
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    LATE = "late"


@dataclass(frozen=True, slots=True)
class Horizons:
    """How long state is kept, in milliseconds of the processor's clock."""

    grace_ms: int = 3_600_000  # beyond the largest window an event still counts as on time
    orphan_ms: int = 86_400_000  # how long a reply or resolution waits for its ticket-created


Dims = tuple[str, str]


class PartitionState:
    """Applies events, keeps derived windows and backlog, and tracks keys to persist."""

    def __init__(self, model: KpiModel, windows: SlidingWindows, labels: LabelPolicy,
                 horizons: Horizons, now_ms: int, teams: TeamLabels | None = None) -> None:
        self.model = model
        self.windows = windows
        self.labels = labels
        self.teams = teams if teams is not None else TeamLabels(cap=50)
        self.horizons = horizons
        self.records: dict[str, TicketRecord] = {}
        self.open: dict[Dims, dict[str, int]] = {}  # backlog: dims -> ticket id -> created at
        self.open_by_team: dict[str, int] = {}
        self.dirty: set[str] = set()
        self.now_ms = now_ms
        windows.advance(now_ms)

    @property
    def late_before_ms(self) -> int:
        """Events older than this lie outside every window (plus grace): they count as late."""
        return self.now_ms - self.windows.largest_ms - self.horizons.grace_ms

    def advance(self, now_ms: int) -> None:
        if now_ms > self.now_ms:
            self.now_ms = now_ms
            self.windows.advance(now_ms)

    def load(self, key: str, blob: bytes) -> None:
        """Restore one record from the changelog."""
        record = TicketRecord.from_bytes(blob)
        self.teams.readmit(record.team)
        self.records[key] = record
        self._diff(None, record)
        self._update_backlog(key, None, record)

    def apply(self, event: Event) -> Outcome:
        key = event.record_key
        record = self.records.get(key)
        late = event.at_ms < self.late_before_ms
        if record is None:
            if late:
                return Outcome.LATE  # nothing of it can reach a window, and no state is kept
            record = TicketRecord()
        before = self.model.contributions(record)
        was_open = _backlog_entry(record)
        channel = priority = ""
        team: str | None = None
        if event.kind is Kind.CREATED:
            channel = self.labels.channel(event.channel)
            priority = self.labels.priority(event.priority)
            team = self.teams.label(event.team)
        elif event.kind is Kind.SURVEY:
            channel = self.labels.channel(event.channel)
        if not record.apply(event, channel, priority, self.now_ms, team):
            return Outcome.DUPLICATE
        self.records[key] = record
        self.dirty.add(key)
        self._diff(before, record)
        self._update_backlog(key, was_open, record)
        return Outcome.LATE if late else Outcome.PROCESSED

    def expire(self) -> int:
        """Drop state past its horizon; return how many waiting events became orphans."""
        orphaned = 0
        retain_after = self.late_before_ms
        orphan_before = self.now_ms - self.horizons.orphan_ms
        for key, record in list(self.records.items()):
            pending = record.pending_since_ms
            if pending is not None and pending < orphan_before:
                before = self.model.contributions(record)
                orphaned += record.drop_waiting()
                self._diff(before, record)
                self.dirty.add(key)
            if not record.is_open and record.last_ms < retain_after and not record.waiting_events:
                self._diff(self.model.contributions(record), None)
                del self.records[key]
                self._update_backlog(key, _backlog_entry(record), None)
                self.dirty.add(key)
        return orphaned

    def drain_dirty(self) -> Iterator[tuple[str, bytes | None]]:
        """Changed keys with their new value (None: deleted), each once since the last drain."""
        dirty, self.dirty = self.dirty, set()
        for key in dirty:
            record = self.records.get(key)
            yield key, None if record is None else record.to_bytes()

    def backlog(self) -> dict[Dims, tuple[int, int]]:
        """Open tickets per dims: (count, creation time of the oldest)."""
        return {dims: (len(ids), min(ids.values())) for dims, ids in self.open.items() if ids}

    def _diff(self, before: list[Contribution] | None, record: TicketRecord | None) -> None:
        after = self.model.contributions(record) if record is not None else []
        delta = Counter(after)
        if before:
            delta.subtract(before)
        add = self.windows.add
        for (at_ms, key, amount), times in delta.items():
            if times:
                add(at_ms, key, amount * times)

    def _update_backlog(self, key: str, before: tuple[Dims, int, str] | None,
                        record: TicketRecord | None) -> None:
        after = _backlog_entry(record) if record is not None else None
        if before == after:
            return
        if before is not None:
            self.open[before[0]].pop(key, None)
            self.open_by_team[before[2]] -= 1
        if after is not None:
            self.open.setdefault(after[0], {})[key] = after[1]
            self.open_by_team[after[2]] = self.open_by_team.get(after[2], 0) + 1


def _backlog_entry(record: TicketRecord) -> tuple[Dims, int, str] | None:
    if record.created_ms is None or record.resolved_ms is not None:
        return None
    return (record.channel, record.priority), record.created_ms, record.team or UNKNOWN
