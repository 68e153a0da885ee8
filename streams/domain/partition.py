"""All KPI state of one partition: ticket records plus the aggregates derived from them.

Records are the only persisted state (one changelog key per ticket, written once per batch), so
each event changes exactly one key and replaying any suffix of the input is harmless: the record
remembers which event ids it has applied. Windows and the backlog are rebuilt from records.
"""

from __future__ import annotations

import heapq
from collections import Counter, OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from streams.domain.contributions import Contribution, KpiModel
from streams.domain.events import Event, Kind
from streams.domain.labels import UNKNOWN, LabelPolicy, TeamLabels
from streams.domain.ticket import MAX_TICKET_EVENTS, Admission, TicketRecord
from streams.domain.windows import SlidingWindows


class Outcome(StrEnum):
    """The ``outcome`` label of ``support_events_total`` (the router adds ``invalid``)."""

    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    LATE = "late"
    CAPPED = "capped"  # its ticket's record is full (see ``ticket.MAX_TICKET_EVENTS``)
    FAILED = "failed"  # applying it raised: rolled back and dead-lettered by the runtime


@dataclass(frozen=True, slots=True)
class Horizons:
    """How long state is kept, in milliseconds of the processor's clock."""

    grace_ms: int = 3_600_000  # beyond the largest window an event still counts as on time
    orphan_ms: int = 86_400_000  # how long a reply or resolution waits for its ticket-created


Dims = tuple[str, str]
# the running SLA clocks of one record, flat: (sla, priority, deadline, at-risk time) per clock;
# a million open tickets keep ~130 bytes each less than a tuple of Clock objects
Running = tuple[Any, ...]
RECENT_CONTRIBUTIONS = 20_000
# records with running SLA clocks examined per tick: a tick stays ~0.2 s of CPU at most, and a
# full pass over a million open tickets takes 20 ticks (the gauges lag by that much, no more)
SLA_SCAN_SLICE = 50_000


@dataclass(slots=True)
class SlaGauges:
    """Live state of the running clocks of one (sla, priority)."""

    at_risk: int = 0  # past the at-risk share of the target, not yet breached
    breached: int = 0  # past the deadline and still running (unanswered, unresolved)
    next_deadline_ms: int | None = None  # earliest deadline still ahead

    def merge(self, other: SlaGauges) -> None:
        self.at_risk += other.at_risk
        self.breached += other.breached
        nxt = other.next_deadline_ms
        if nxt is not None and (self.next_deadline_ms is None or nxt < self.next_deadline_ms):
            self.next_deadline_ms = nxt

    def observe(self, deadline: int, at_risk_ms: int | None, now_ms: int) -> None:
        if deadline <= now_ms:
            self.breached += 1
            return
        if at_risk_ms is not None and at_risk_ms <= now_ms:
            self.at_risk += 1
        if self.next_deadline_ms is None or deadline < self.next_deadline_ms:
            self.next_deadline_ms = deadline


class PartitionState:
    """Applies events, keeps derived windows and backlog, and tracks keys to persist."""

    def __init__(
        self,
        model: KpiModel,
        windows: SlidingWindows,
        labels: LabelPolicy,
        horizons: Horizons,
        now_ms: int,
        teams: TeamLabels | None = None,
        max_ticket_events: int = MAX_TICKET_EVENTS,
    ) -> None:
        self.model = model
        self.max_ticket_events = max_ticket_events
        self.windows = windows
        self.labels = labels
        self.teams = teams if teams is not None else TeamLabels(cap=50)
        self.horizons = horizons
        self.records: dict[str, TicketRecord] = {}
        self.open: dict[Dims, dict[str, int]] = {}  # backlog: dims -> ticket id -> created at
        # per dims, a min-heap of (created at, ticket id); entries of closed tickets are
        # dropped lazily, so the oldest open ticket costs O(log n), not a scan, per scrape
        self._oldest: dict[Dims, list[tuple[int, str]]] = {}
        self.open_by_team: dict[str, int] = {}
        self.running: dict[str, Running] = {}  # SLA clocks still counting, per record
        self._scan: Iterator[str] | None = None  # the SLA pass under way (keys left to visit)
        self._scan_gauges: dict[tuple[str, str], SlaGauges] = {}
        # contributions of recently evaluated records (a ticket's events come close together)
        self._recent: OrderedDict[str, list[Contribution]] = OrderedDict()
        self.sla_now: dict[tuple[str, str], SlaGauges] = {}  # from the last tick
        self.dirty: set[str] = set()
        self.evaluation_errors = 0  # records a timer could not evaluate (skipped, not fatal)
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
        """Restore one record from the changelog.

        Raises if the record cannot be read or evaluated, and then leaves no trace of it: the
        caller quarantines it and the rest of the partition loads as usual.
        """
        record = TicketRecord.from_bytes(blob)
        try:
            contributions = self._evaluate(key, record)
        except Exception:
            self._forget_index(key)
            raise
        self.teams.readmit(record.team)
        self.records[key] = record
        self._diff(None, contributions)
        self._update_backlog(key, None, record)

    def apply(self, event: Event) -> Outcome:
        """Apply one event; if that raises, the partition is left as it was, and it re-raises.

        Everything an event changes is decided before windows and backlog move (the record,
        then its evaluation), so rolling back is restoring the record and its index entries.
        """
        key = event.record_key
        record = self.records.get(key)
        snapshot = None if record is None else record.copy()
        try:
            return self._apply(key, record, event)
        except Exception:
            self._forget_index(key)
            if snapshot is None:
                self.records.pop(key, None)
            else:
                self.records[key] = snapshot
                try:
                    self._evaluate(key, snapshot)
                except Exception:
                    self._forget_index(key)  # its SLA clocks are unknown until its next event
            raise

    def _forget_index(self, key: str) -> None:
        self.running.pop(key, None)
        self._recent.pop(key, None)

    def _apply(self, key: str, record: TicketRecord | None, event: Event) -> Outcome:
        late = event.at_ms < self.late_before_ms
        if record is None:
            if late:
                return Outcome.LATE  # nothing of it can reach a window, and no state is kept
            record = TicketRecord()
        before = self._contributions(key, record)
        was_open = _backlog_entry(record)
        channel = priority = ""
        team: str | None = None
        if event.kind is Kind.CREATED:
            channel = self.labels.channel(event.channel)
            priority = self.labels.priority(event.priority)
            team = self.teams.label(event.team)
        elif event.kind is Kind.SURVEY:
            channel = self.labels.channel(event.channel)
        elif event.kind is Kind.UPDATED and event.priority is not None:
            priority = self.labels.priority(event.priority)
        admission = record.apply(
            event, channel, priority, self.now_ms, team, self.max_ticket_events
        )
        if admission is Admission.DUPLICATE:
            return Outcome.DUPLICATE
        if admission is Admission.CAPPED:
            if key in self.records:
                self.dirty.add(key)  # persists the digest: a redelivery is still a duplicate
            return Outcome.CAPPED
        record.evaluated_ms = max(record.evaluated_ms, self.now_ms)
        contributions = self._evaluate(key, record)  # may raise: nothing has moved yet
        self.records[key] = record
        self.dirty.add(key)
        self._diff(before, contributions)
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
                before = self._contributions(key, record)
                orphaned += record.drop_waiting()
                try:
                    self._diff(before, self._evaluate(key, record))
                except Exception:
                    self._forget_index(key)
                    self.evaluation_errors += 1
                self.dirty.add(key)
            if not record.is_open and record.last_ms < retain_after and not record.waiting_events:
                self._diff(self._contributions(key, record), [])
                self.running.pop(key, None)
                self._recent.pop(key, None)
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
        out = {}
        for dims, ids in self.open.items():
            if ids:
                heap = self._oldest[dims]
                while heap[0][1] not in ids or ids[heap[0][1]] != heap[0][0]:
                    heapq.heappop(heap)
                out[dims] = (len(ids), heap[0][0])
        return out

    def tick(self, slice_size: int = SLA_SCAN_SLICE) -> None:
        """Decide clocks whose deadline has passed, and refresh the live SLA gauges.

        One pass visits every record with running clocks; a tick does at most ``slice_size`` of
        it, so a huge backlog never stalls the worker. ``sla_now`` is the last complete pass.
        """
        if self._scan is None:
            self._scan, self._scan_gauges = iter(list(self.running)), {}
        now, gauges, visited = self.now_ms, self._scan_gauges, 0
        for key in self._scan:
            visited += 1
            running = self.running.get(key, ())
            if not running:
                continue  # closed since the pass began
            record = self.records[key]
            if _deadline_passed(running, record.evaluated_ms, now):
                before, evaluated = self._contributions(key, record), record.evaluated_ms
                record.evaluated_ms = now  # the breach is now a fact of the record
                try:
                    after = self._evaluate(key, record)
                except Exception:  # one broken record must not stop every tick after it
                    record.evaluated_ms = evaluated
                    self._forget_index(key)
                    self.evaluation_errors += 1
                    continue
                self._diff(before, after)
                self.dirty.add(key)
                running = self.running.get(key, ())
            for i in range(0, len(running), 4):
                dims = running[i], running[i + 1]
                entry = gauges.get(dims)
                if entry is None:
                    entry = gauges[dims] = SlaGauges()
                entry.observe(running[i + 2], running[i + 3], now)
            if visited >= slice_size:
                return
        self.sla_now, self._scan = gauges, None

    def _evaluate(self, key: str, record: TicketRecord) -> list[Contribution]:
        """Contributions of ``record``, keeping the index of its running SLA clocks current."""
        record_clocks = self.model.clocks(record)
        running: Running = tuple(
            field
            for c in record_clocks
            if c.running()
            for field in (c.sla, c.priority, c.deadline_ms, c.at_risk_ms)
        )
        if running:
            self.running[key] = running
        else:
            self.running.pop(key, None)
        contributions = self.model.contributions(record, record_clocks)
        recent = self._recent
        recent[key] = contributions
        recent.move_to_end(key)
        if len(recent) > RECENT_CONTRIBUTIONS:
            recent.popitem(last=False)
        return contributions

    def _contributions(self, key: str, record: TicketRecord) -> list[Contribution]:
        """What the record contributes now: cached from its last evaluation when recent."""
        cached = self._recent.get(key)
        return cached if cached is not None else self.model.contributions(record)

    def _diff(self, before: list[Contribution] | None, after: list[Contribution]) -> None:
        add = self.windows.add
        if before:
            # contributions come in a stable order and an event changes few of them: skip the
            # common prefix (removing an item from both sides leaves the difference as it is)
            same, end = 0, min(len(before), len(after))
            while same < end and before[same] == after[same]:
                same += 1
            if same == len(before) == len(after):
                return
            before, after = before[same:], after[same:]
        if not before:
            for at_ms, key, amount in after:
                add(at_ms, key, amount)
            return
        delta = Counter(after)
        delta.subtract(before)
        for (at_ms, key, amount), times in delta.items():
            if times:
                add(at_ms, key, amount * times)

    def _update_backlog(
        self, key: str, before: tuple[Dims, int, str] | None, record: TicketRecord | None
    ) -> None:
        after = _backlog_entry(record) if record is not None else None
        if before == after:
            return
        if before is not None:
            self.open[before[0]].pop(key, None)
            self.open_by_team[before[2]] -= 1
        if after is not None:
            ids = self.open.setdefault(after[0], {})
            ids[key] = after[1]
            heap = self._oldest.setdefault(after[0], [])
            heapq.heappush(heap, (after[1], key))
            if len(heap) > 2 * len(ids) + 64:  # closed tickets' entries: compact now and then
                self._oldest[after[0]] = [(at, k) for k, at in ids.items()]
                heapq.heapify(self._oldest[after[0]])
            self.open_by_team[after[2]] = self.open_by_team.get(after[2], 0) + 1


def _deadline_passed(running: Running, since_ms: int, now_ms: int) -> bool:
    """Whether a running clock's deadline lies in (since, now]: a breach not yet decided."""
    for i in range(2, len(running), 4):  # noqa: SIM110 -- a plain loop: this runs per tick per
        if since_ms < running[i] <= now_ms:  # open ticket, and any(genexpr) costs 30% more
            return True
    return False


def _backlog_entry(record: TicketRecord) -> tuple[Dims, int, str] | None:
    if not record.is_open:  # not created yet, or resolved and not reopened since
        return None
    assert record.created_ms is not None
    return (record.channel, record.priority), record.created_ms, record.team or UNKNOWN
