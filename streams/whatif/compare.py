"""The current policy and the candidate side by side: compliance per SLA and priority, the
breaches that would appear or disappear (tickets, with a sample of ids), and daily compliance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from streams.domain.labels import DEFAULT_PRIORITIES
from streams.whatif.outcomes import Decided

BREACHED = "breached"
Dims = tuple[str, str]  # (sla, priority)


@dataclass
class Tally:
    met: int = 0
    breached: int = 0

    @property
    def compliance(self) -> float | None:
        """Met over decided (None: nothing decided)."""
        decided = self.met + self.breached
        return self.met / decided if decided else None

    def add(self, outcome: str) -> None:
        if outcome == BREACHED:
            self.breached += 1
        else:
            self.met += 1


@dataclass
class Row:
    """One SLA and priority under both policies."""

    sla: str
    priority: str
    current: Tally = field(default_factory=Tally)
    candidate: Tally = field(default_factory=Tally)
    appear: list[str] = field(default_factory=list)  # tickets breached only under the candidate
    disappear: list[str] = field(default_factory=list)  # breached only under the current one

    @property
    def difference(self) -> float | None:
        """Candidate minus current compliance, in points of a share (None: either undecided)."""
        now, then = self.candidate.compliance, self.current.compliance
        return None if now is None or then is None else now - then


@dataclass
class Comparison:
    rows: list[Row]
    daily: dict[date, tuple[Tally, Tally]]  # UTC day of the decision -> (current, candidate)
    tickets: int  # tickets timed by an SLA under either policy


def compare(current: Iterable[Decided], candidate: Iterable[Decided]) -> Comparison:
    rows: dict[Dims, Row] = {}
    daily: dict[date, tuple[Tally, Tally]] = defaultdict(lambda: (Tally(), Tally()))
    breached: tuple[dict[Dims, set[str]], dict[Dims, set[str]]] = (
        defaultdict(set),
        defaultdict(set),
    )
    timed: set[str] = set()
    for side, clocks in enumerate((current, candidate)):
        for clock in clocks:
            dims = (clock.sla, clock.priority)
            row = rows.get(dims) or rows.setdefault(dims, Row(*dims))
            (row.current if side == 0 else row.candidate).add(clock.outcome)
            daily[_day(clock.at_ms)][side].add(clock.outcome)
            timed.add(clock.ticket_id)
            if clock.outcome == BREACHED:
                breached[side][dims].add(clock.ticket_id)
    for dims, row in rows.items():
        before, after = breached[0][dims], breached[1][dims]
        row.appear, row.disappear = sorted(after - before), sorted(before - after)
    ordered = [rows[k] for k in sorted(rows, key=_sla_order)]
    return Comparison(ordered, dict(sorted(daily.items())), len(timed))


SLA_ORDER = ("first_response", "next_reply", "periodic_update", "resolution")
URGENT_FIRST = tuple(reversed(DEFAULT_PRIORITIES))


def _sla_order(dims: Dims) -> tuple[int, int, str]:
    sla, priority = dims
    return _index(SLA_ORDER, sla), _index(URGENT_FIRST, priority), priority


def _index(order: tuple[str, ...], value: str) -> int:
    return order.index(value) if value in order else len(order)


def _day(at_ms: int) -> date:
    return datetime.fromtimestamp(at_ms / 1000, UTC).date()
