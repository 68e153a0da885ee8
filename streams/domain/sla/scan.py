"""The running SLA clocks of one partition, and the sliced pass over them that feeds the gauges.

A million open tickets may each hold running clocks, so a record's clocks are kept flat in one
tuple, ``(sla, priority, deadline, at-risk time)`` per clock: that costs far less than a tuple
of ``Clock`` objects. The encoding stays inside this module; the rest of the domain sees
``SlaScan`` (track, forget, tick, gauges) and ``SlaGauges``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from streams.domain.sla.clocks import Clock
from streams.domain.ticket import TicketRecord

SlaKey = tuple[str, str]  # (sla, priority): the labels of the live SLA gauges
# records with running SLA clocks examined per tick, so a tick stays short however large the
# backlog; a full pass over a million open tickets takes 20 ticks (the gauges lag by that much)
SLA_SCAN_SLICE = 50_000
_STRIDE = 4
# one record's running clocks, flat: (sla: str, priority: str, deadline: int, at_risk: int|None)
# per clock; a tuple of mixed fields, so its items are typed Any and read only in this module
_Flat = tuple[Any, ...]


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


class SlaScan:
    """Which records have running clocks, and the pass that turns them into ``SlaGauges``."""

    __slots__ = ("_pass", "_pass_gauges", "_running", "_settled")

    def __init__(self) -> None:
        self._running: dict[str, _Flat] = {}
        self._pass: Iterator[str] | None = None  # keys left to visit in the pass under way
        self._pass_gauges: dict[SlaKey, SlaGauges] = {}
        self._settled: dict[SlaKey, SlaGauges] = {}  # from the last complete pass

    def track(self, key: str, clocks: Sequence[Clock]) -> None:
        """Keep the clocks of ``key`` that are still running (none: stop tracking it)."""
        if not clocks:  # no SLA policy matches: the common case without SLAs
            self._running.pop(key, None)
            return
        flat = tuple(
            field
            for c in clocks
            if c.running()
            for field in (c.sla, c.priority, c.deadline_ms, c.at_risk_ms)
        )
        if flat:
            self._running[key] = flat
        else:
            self._running.pop(key, None)

    def forget(self, key: str) -> None:
        """Stop tracking ``key`` (it closed, expired, or its clocks are unknown)."""
        self._running.pop(key, None)

    def export(self) -> dict[str, _Flat]:
        """The running clocks, flat, by key (for a snapshot: the live dict)."""
        return self._running

    def restore(self, running: dict[str, _Flat]) -> None:
        """Track the clocks ``export`` gave; the gauges follow at the next complete pass."""
        self._running, self._pass = running, None

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
        records: Mapping[str, TicketRecord],
        decide: Callable[[str], object],
    ) -> None:
        """Visit up to ``slice_size`` records of the pass, then publish it once complete.

        A visited record with a deadline in (its last evaluation, now] goes to ``decide``,
        which evaluates it again (a breach becomes a fact of the record): that may change its
        clocks or forget them. What is still running then counts in the gauges at ``now_ms``.
        """
        if self._pass is None:
            self._pass, self._pass_gauges = iter(list(self._running)), {}
        running, gauges = self._running, self._pass_gauges
        for visited, key in enumerate(self._pass, start=1):
            flat = running.get(key)  # None: closed since the pass began
            if flat is not None and _deadline_passed(flat, records[key].evaluated_ms, now_ms):
                decide(key)
                flat = running.get(key)
            if flat is not None:
                _observe(flat, gauges, now_ms)
            if visited >= slice_size:
                return
        self._settled, self._pass = gauges, None


def _deadline_passed(flat: _Flat, since_ms: int, now_ms: int) -> bool:
    for i in range(2, len(flat), _STRIDE):  # noqa: SIM110 -- a plain loop: this runs per tick per
        if since_ms < flat[i] <= now_ms:  # open ticket, and any(genexpr) costs more
            return True
    return False


def _observe(flat: _Flat, gauges: dict[SlaKey, SlaGauges], now_ms: int) -> None:
    for i in range(0, len(flat), _STRIDE):
        dims = flat[i], flat[i + 1]
        entry = gauges.get(dims)
        if entry is None:
            entry = gauges[dims] = SlaGauges()
        entry.observe(flat[i + 2], flat[i + 3], now_ms)
