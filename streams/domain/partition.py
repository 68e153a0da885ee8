"""All KPI state of one partition: ticket records plus the aggregates derived from them.

Records are the only persisted state (one changelog key per ticket, written once per batch):
each event changes one key, and replaying any suffix of the input is harmless, as a record
remembers the event ids it applied. The derived parts, rebuilt from records, each have their
module: ``backlog``, ``sla.scan`` (running clocks, live gauges), ``recent`` (a cache) and
``expiry`` (horizons); ``record_store`` packs the records not in use. Readers (the collectors,
the drill-down) change nothing; the clock moves only through ``advance``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import partial

from streams.domain import snapshot
from streams.domain.backlog import Backlog, Dims, OpenDims, open_ticket
from streams.domain.contributions import Contribution, KpiModel
from streams.domain.customer_state import Customers
from streams.domain.customers import RepeatModel
from streams.domain.event_labels import Labelling
from streams.domain.events import Event
from streams.domain.expiry import Cutoffs, Horizons
from streams.domain.labels import CategoryLabels, LabelPolicy, TeamLabels
from streams.domain.outcome import Outcome
from streams.domain.recent import RecentContributions
from streams.domain.record_store import HOT_RECORDS, Records
from streams.domain.sla.scan import SLA_SCAN_SLICE, LiveClock, ScanShape, SlaGauges, SlaKey, SlaScan
from streams.domain.ticket import MAX_TICKET_EVENTS, Admission, TicketRecord
from streams.domain.windows import SlidingWindows, diff_into

__all__ = ["SLA_SCAN_SLICE", "Horizons", "Outcome", "PartitionState", "ScanShape", "SlaGauges"]


class PartitionState:
    """Applies events, keeps derived windows, backlog and SLA clocks, tracks keys to persist."""

    def __init__(
        self,
        model: KpiModel,
        windows: SlidingWindows,
        labels: LabelPolicy,
        horizons: Horizons,
        now_ms: int,
        teams: TeamLabels | None = None,
        max_ticket_events: int = MAX_TICKET_EVENTS,
        categories: CategoryLabels | None = None,
        repeats: RepeatModel | None = None,
        hot_records: int = HOT_RECORDS,
    ) -> None:
        self.model = model
        self.max_ticket_events = max_ticket_events
        self.windows = windows
        self.labels = labels
        self.teams = teams if teams is not None else TeamLabels(cap=50)
        self.categories = categories if categories is not None else CategoryLabels(cap=30)
        self.labelling = Labelling(labels, self.teams, self.categories)
        self.horizons = horizons
        self.records = Records(hot_records)
        self._backlog = Backlog()
        self._sla = SlaScan.of(model.sla, model.buckets_ms)
        self._recent = RecentContributions()
        self.dirty: set[str] = set()
        # the customers this partition owns (repeat contacts): their own records and changelog,
        # the partition's windows
        self.customers = Customers(repeats or RepeatModel(), labels, partial(diff_into, windows))
        self.evaluation_errors = 0  # records a timer could not evaluate (skipped, not fatal)
        self.now_ms = now_ms
        windows.advance(now_ms)

    # -- reading: for the collectors; none of these changes anything -----------------------
    def backlog(self) -> dict[Dims, OpenDims]:
        """Open tickets per (channel, priority): how many, and the oldest creation time."""
        return self._backlog.per_dims()

    @property
    def open_by_team(self) -> Mapping[str, int]:
        """Open tickets per team label (read only)."""
        return self._backlog.per_team()

    @property
    def open_by_category(self) -> Mapping[str, int]:
        """Open tickets per current category label (read only)."""
        return self._backlog.per_category()

    @property
    def sla_now(self) -> Mapping[SlaKey, SlaGauges]:
        """The live SLA gauges from the last complete pass of ``tick`` (read only)."""
        return self._sla.gauges

    @property
    def sla_shape(self) -> ScanShape:
        """The horizons and waiting buckets the lists of ``sla_now``'s gauges count by."""
        return self._sla.shape

    def with_running_clocks(self) -> frozenset[str]:
        """The records whose SLA clocks are still running."""
        return self._sla.tracked()

    def running_clocks(self, key: str) -> list[LiveClock]:
        """The SLA clocks of ``key`` still running (the drill-down reads them)."""
        return self._sla.clocks_of(key)

    @property
    def late_before_ms(self) -> int:
        """Events older than this lie outside every window (plus grace): they count as late."""
        return self.horizons.late_before_ms(self.now_ms, self.windows.largest_ms)

    # -- the clock and the timers ------------------------------------------------------------
    def advance(self, now_ms: int) -> None:
        """Move the clock (never back); the windows take in what the last batch added."""
        self.windows.flush()
        if now_ms > self.now_ms:
            self.now_ms = now_ms
            self.windows.advance(now_ms)

    def tick(self, slice_size: int = SLA_SCAN_SLICE) -> None:
        """Decide clocks whose deadline has passed, and refresh the live SLA gauges: a tick
        visits at most ``slice_size`` records of the pass; ``sla_now`` is the last complete one."""
        self._sla.tick(self.now_ms, slice_size, self._decide_deadlines)

    def expire(self, waiting_ms: int | None = None) -> int:
        """Drop state past its horizon; return how many waiting events became orphans.
        ``waiting_ms``: now for those, as ``apply``'s ``arrived_ms`` (default: the clock)."""
        orphaned = 0
        cutoffs = Cutoffs.at(self.now_ms, self.horizons, self.windows.largest_ms, waiting_ms)
        for key, record in self.records.matching(cutoffs.may_drop):
            if cutoffs.orphans_waiting(record):
                orphaned += self._drop_orphans(key, record)
            if cutoffs.expired(record):  # closed, so not in the backlog
                self._diff(self._contributions(key, record), [])
                self._forget_index(key)
                del self.records[key]
                self.dirty.add(key)
        self.customers.expire(cutoffs.retain_after_ms - self.customers.model.horizon_ms)
        return orphaned

    # -- writing -----------------------------------------------------------------------------
    def load(self, key: str, blob: bytes | None) -> None:
        """Restore one record from the changelog (None: its tombstone), replacing what the
        state holds of the key: a restart from a snapshot loads the changelog's tail so.

        Raises if the record cannot be read or evaluated, and then leaves no trace of the key:
        the caller quarantines it and the rest of the partition loads as usual.
        """
        held = self.records.pop(key, None)
        if held is not None:  # as if it had never been loaded
            self._diff(self.model.contributions(held), [])
            self._backlog.move(key, open_ticket(held), None)
            self._forget_index(key)
        if blob is None:
            return
        record = TicketRecord.from_bytes(blob)
        self.labelling.readmit(record)
        try:
            contributions = self._evaluate(key, record, remember=False)  # a cache for events
        except Exception:
            self._forget_index(key)
            raise
        self.records[key] = record
        self._diff(None, contributions)
        self._backlog.move(key, None, open_ticket(record))

    # -- snapshots (``snapshot``) ------------------------------------------------------------
    def export(self) -> snapshot.Saved:
        """This state as plain data, sharing live dicts: encode it before anything else runs."""
        parts = self.records, self.windows, self._backlog, self._sla, self.customers.records
        return snapshot.export(self.now_ms, *parts)

    def restore(self, saved: snapshot.Saved) -> None:
        """Become the state ``export`` saved; only a fresh state can. Raises on a snapshot of
        another layout or windows."""
        if self.records or self.customers.records:
            raise RuntimeError("only a fresh state takes a snapshot back")
        now_ms, packed, customers = snapshot.restore(saved, self.windows, self._backlog, self._sla)
        self.records = Records.of_packed(packed, self.records.hot_limit)
        for record in self.records.values():
            self.labelling.readmit(record)  # decided at load: nothing to write back
        self.customers.records = customers
        self.now_ms = max(self.now_ms, now_ms)
        self.windows.advance(self.now_ms)

    def apply(self, event: Event, arrived_ms: int | None = None) -> Outcome:
        """Apply one event; if that raises, the partition is left as it was, and it re-raises.
        ``arrived_ms``: when it came, should it wait for its ticket (default: the clock).

        Everything an event changes is decided before windows and backlog move (the record,
        then its evaluation), so rolling back is restoring the record and its index entries.
        """
        key = event.record_key
        record = self.records.get(key)
        snapshot = None if record is None else record.copy()
        try:
            return self._apply(key, record, event, arrived_ms)
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

    def drain_dirty(self) -> Iterator[tuple[str, bytes | None]]:
        """Changed keys with their new value (None: deleted), each once since the last drain."""
        dirty, self.dirty = self.dirty, set()
        for key in dirty:
            record = self.records.get(key)
            yield key, None if record is None else record.to_bytes()

    # -- the steps ---------------------------------------------------------------------------
    def _apply(
        self, key: str, record: TicketRecord | None, event: Event, arrived_ms: int | None
    ) -> Outcome:
        late = event.at_ms < self.late_before_ms
        if record is None:
            if late:
                return Outcome.LATE  # nothing of it can reach a window, and no state is kept
            record = TicketRecord()
        before = self._contributions(key, record)
        was_open = open_ticket(record)
        channel, priority, team, category = self.labelling.of(event)
        arrived = self.now_ms if arrived_ms is None else arrived_ms
        admission = record.apply(
            event, channel, priority, arrived, team, self.max_ticket_events, category
        )
        if admission is Admission.DUPLICATE:
            return Outcome.DUPLICATE
        if admission is Admission.CAPPED:
            if key in self.records:
                self.records[key] = record  # it may have been unpacked for this
                self.dirty.add(key)  # persists the digest: a redelivery is still a duplicate
            return Outcome.CAPPED
        record.evaluated_ms = max(record.evaluated_ms, self.now_ms)
        contributions = self._evaluate(key, record)  # may raise: nothing has moved yet
        self.records[key] = record
        self.dirty.add(key)
        self._diff(before, contributions)
        self._backlog.move(key, was_open, open_ticket(record))
        return Outcome.LATE if late else Outcome.PROCESSED

    def _decide_deadlines(self, key: str) -> None:
        """A deadline of ``key`` passed: the breach becomes a fact of the record."""
        record = self.records[key]
        before, evaluated = self._contributions(key, record), record.evaluated_ms
        record.evaluated_ms = self.now_ms
        try:
            after = self._evaluate(key, record)
        except Exception:  # one broken record must not stop every tick after it
            record.evaluated_ms = evaluated
            self._forget_index(key)
            self.evaluation_errors += 1
            return
        self.records[key] = record  # it may have been unpacked for this
        self._diff(before, after)
        self.dirty.add(key)

    def _drop_orphans(self, key: str, record: TicketRecord) -> int:
        """Forget the events of ``record`` that waited too long for their ticket; how many."""
        before = self._contributions(key, record)
        orphaned = record.drop_waiting()
        self.records[key] = record  # it may have been unpacked for this
        try:
            self._diff(before, self._evaluate(key, record))
        except Exception:
            self._forget_index(key)
            self.evaluation_errors += 1
        self.dirty.add(key)
        return orphaned

    def _evaluate(
        self, key: str, record: TicketRecord, remember: bool = True
    ) -> list[Contribution]:
        """Contributions of ``record``, keeping the index of its running SLA clocks current
        (and, with ``remember``, the cache the next event's diff starts from)."""
        record_clocks = self.model.clocks(record)
        self._sla.track(key, record_clocks, record.evaluated_ms)
        contributions = self.model.contributions(record, record_clocks)
        if remember:
            self._recent.remember(key, contributions)
        return contributions

    def drop_caches(self) -> None:
        """Forget the cache of recent contributions (measurements of the state's memory)."""
        self._recent.clear()

    def _forget_index(self, key: str) -> None:
        self._sla.forget(key)
        self._recent.forget(key)

    def _contributions(self, key: str, record: TicketRecord) -> list[Contribution]:
        """What the record contributes now: cached from its last evaluation when recent."""
        cached = self._recent.get(key)
        return cached if cached is not None else self.model.contributions(record)

    def _diff(self, before: list[Contribution] | None, after: list[Contribution]) -> None:
        diff_into(self.windows, before, after)
