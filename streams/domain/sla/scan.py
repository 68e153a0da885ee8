"""The running SLA clocks of one partition, and the sliced pass over them that feeds the gauges.

A million open tickets may each hold running clocks, so a record's clocks are kept packed in
one ``bytes`` (``packed_clocks``). The encoding stays inside the scan; the rest of the domain
sees ``SlaScan`` (track, forget, tick, gauges, clocks_of), ``SlaGauges`` and ``LiveClock``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from streams.domain.sla.clocks import Clock
from streams.domain.sla.lookahead import WAITING_SLAS
from streams.domain.sla.packed_clocks import ClockPacker, deadline_in
from streams.domain.sla.packed_clocks import SlaKey as SlaKey  # the gauges are keyed by it
from streams.domain.sla.policy import SlaPolicy

# records with running SLA clocks examined per tick, so a tick stays short however large the
# backlog; a full pass over a million open tickets takes 20 ticks (the gauges lag by that much)
SLA_SCAN_SLICE = 50_000
#: what a snapshot keeps of the scan: its (sla, priority) table and the packed clocks by key
ScanData = tuple[list[SlaKey], dict[str, bytes]]


@dataclass(frozen=True)
class ScanShape:
    """What the lists of ``SlaGauges`` count by: horizons (ascending) and waiting buckets."""

    horizons_ms: tuple[int, ...] = ()  # support_sla_breaches_expected{horizon}
    waiting_bounds_ms: tuple[int, ...] = ()  # support_waiting_seconds{le}, +Inf beyond


NO_LOOKAHEAD = ScanShape()


@dataclass(frozen=True, slots=True)
class LiveClock:
    """One running clock as readers see it (the drill-down), decoded from its packed form."""

    sla: str
    priority: str
    start_ms: int
    deadline_ms: int
    at_risk_ms: int | None


@dataclass(slots=True)
class SlaGauges:
    """Live state of the running clocks of one (sla, priority)."""

    at_risk: int = 0  # past the at-risk share of the target, not yet breached
    breached: int = 0  # past the deadline and still running (unanswered, unresolved)
    next_deadline_ms: int | None = None  # earliest deadline still ahead
    # per horizon of ``ScanShape.horizons_ms``: deadlines ahead within it (not yet breached)
    expected: list[int] = field(default_factory=list)
    # a waiting SLA's clocks per bucket of ``ScanShape.waiting_bounds_ms`` (+Inf last), by how
    # long since the clock started, not cumulative; empty for the other SLAs
    waiting: list[int] = field(default_factory=list)
    waited_ms: int = 0  # the sum of those waits

    def merge(self, other: SlaGauges) -> None:
        self.at_risk += other.at_risk
        self.breached += other.breached
        nxt = other.next_deadline_ms
        if nxt is not None and (self.next_deadline_ms is None or nxt < self.next_deadline_ms):
            self.next_deadline_ms = nxt
        self.expected = _added(self.expected, other.expected)
        self.waiting = _added(self.waiting, other.waiting)
        self.waited_ms += other.waited_ms

    def observe(self, deadline: int, at_risk_ms: int | None, now_ms: int) -> None:
        if deadline <= now_ms:
            self.breached += 1
            return
        if at_risk_ms is not None and at_risk_ms <= now_ms:
            self.at_risk += 1
        if self.next_deadline_ms is None or deadline < self.next_deadline_ms:
            self.next_deadline_ms = deadline

    def foresee(self, deadline: int, now_ms: int, horizons_ms: tuple[int, ...]) -> None:
        """Count a deadline still ahead in each horizon it falls within."""
        if deadline <= now_ms:
            return
        expected = self.expected
        for i in range(len(horizons_ms)):
            if deadline <= now_ms + horizons_ms[i]:
                expected[i] += 1

    def wait(self, waited_ms: int, bounds_ms: tuple[int, ...]) -> None:
        """Count a customer who has waited ``waited_ms`` so far."""
        if not self.waiting:
            self.waiting = [0] * (len(bounds_ms) + 1)
        self.waiting[bisect_left(bounds_ms, waited_ms)] += 1
        self.waited_ms += waited_ms


def _added(mine: list[int], other: list[int]) -> list[int]:
    if not other:
        return mine
    if not mine:
        return list(other)
    return [a + b for a, b in zip(mine, other, strict=True)]


class SlaScan:
    """Which records have running clocks, and the pass that turns them into ``SlaGauges``."""

    __slots__ = ("_packer", "_pass", "_pass_gauges", "_running", "_settled", "shape")

    def __init__(self, shape: ScanShape = NO_LOOKAHEAD) -> None:
        self.shape = shape
        self._packer = ClockPacker()
        self._running: dict[str, bytes] = {}
        self._pass: Iterator[str] | None = None  # keys left to visit in the pass under way
        self._pass_gauges: dict[SlaKey, SlaGauges] = {}
        self._settled: dict[SlaKey, SlaGauges] = {}  # from the last complete pass

    @staticmethod
    def of(policy: SlaPolicy | None, steps_ms: tuple[int, ...]) -> SlaScan:
        """The scan of ``policy``'s lookahead; ``steps_ms``: the usual histogram steps."""
        if policy is None:
            return SlaScan()
        horizons, bounds = policy.lookahead.horizons_ms, policy.waiting_bounds_ms(steps_ms)
        return SlaScan(ScanShape(horizons, bounds))

    def track(self, key: str, clocks: Sequence[Clock], evaluated_ms: int) -> None:
        """Keep the clocks of ``key`` that are still running, as evaluated at ``evaluated_ms``
        (the record's), or stop tracking it if none is."""
        if not clocks:  # no SLA policy matches: the common case without SLAs
            self._running.pop(key, None)
            return
        packed = self._packer.pack(clocks, evaluated_ms)
        if packed:
            self._running[key] = packed
        else:
            self._running.pop(key, None)

    def forget(self, key: str) -> None:
        """Stop tracking ``key`` (it closed, expired, or its clocks are unknown)."""
        self._running.pop(key, None)

    def export(self) -> ScanData:
        """The running clocks, packed, by key (for a snapshot: the live dict)."""
        return self._packer.dims, self._running

    def restore(self, data: ScanData) -> None:
        """Track the clocks ``export`` gave; the gauges follow at the next complete pass."""
        dims, running = data
        self._packer, self._running, self._pass = ClockPacker(dims), running, None

    def clocks_of(self, key: str) -> list[LiveClock]:
        """The running clocks of ``key`` (none: not tracked)."""
        packed = self._running.get(key)
        if packed is None:
            return []
        return [
            LiveClock(dims[0], dims[1], start, deadline, at_risk)
            for dims, start, deadline, at_risk in self._packer.unpack(packed)
        ]

    def tracked(self) -> frozenset[str]:
        """The keys with running clocks."""
        return frozenset(self._running)

    @property
    def gauges(self) -> Mapping[SlaKey, SlaGauges]:
        """The gauges of the last complete pass (read only)."""
        return MappingProxyType(self._settled)

    def tick(
        self,
        now_ms: int,
        slice_size: int,
        decide: Callable[[str], object],
    ) -> None:
        """Visit up to ``slice_size`` records of the pass, then publish it once complete.

        A visited record with a deadline in (its last evaluation, now] goes to ``decide``,
        which evaluates it again (a breach becomes a fact of the record): that may change its
        clocks or forget them. What is still running then counts in the gauges at ``now_ms``:
        at risk, breached, expected within each horizon, and how long its customer has waited.
        """
        if self._pass is None:
            self._pass, self._pass_gauges = iter(list(self._running)), {}
        running, gauges = self._running, self._pass_gauges
        for visited, key in enumerate(self._pass, start=1):
            packed = running.get(key)  # None: closed since the pass began
            if packed is not None and deadline_in(packed, now_ms):
                decide(key)
                packed = running.get(key)
            if packed is not None:
                self._observe(packed, gauges, now_ms)
            if visited >= slice_size:
                return
        self._settled, self._pass = gauges, None

    def _observe(self, packed: bytes, gauges: dict[SlaKey, SlaGauges], now_ms: int) -> None:
        horizons, bounds = self.shape.horizons_ms, self.shape.waiting_bounds_ms
        for dims, start, deadline, at_risk in self._packer.unpack(packed):
            entry = gauges.get(dims)
            if entry is None:
                entry = gauges[dims] = SlaGauges(expected=[0] * len(horizons))
            entry.observe(deadline, at_risk, now_ms)
            entry.foresee(deadline, now_ms, horizons)
            if dims[0] in WAITING_SLAS:  # calendar time: as long as the customer has waited
                entry.wait(max(0, now_ms - start), bounds)
