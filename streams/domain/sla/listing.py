"""The drill-down behind the gauges: which tickets are waiting, at risk or breached, right now.

``GET /tickets`` lists one row per running clock of the partitions a worker owns, filtered and
sorted by time left (the most overdue first), and cut at ``limit``. Every worker keeps the
first ``limit`` rows of its own partitions, so the first ``limit`` of the merged lists are the
cluster's first ``limit``. The states mean what the gauges count:

- ``waiting``: a first-response or next-reply clock (``support_waiting_seconds``);
- ``at_risk``: past the at-risk share, deadline ahead (``support_sla_at_risk_tickets``);
- ``breached``: deadline passed, still running (``support_sla_breached_open_tickets``);
- ``upcoming``: deadline still ahead, at risk or not (the wall's "closest to breach").

Ticket ids are fine here: they never become metric labels.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from streams.domain.partition import PartitionState
from streams.domain.sla.lookahead import WAITING_SLAS
from streams.domain.sla.scan import LiveClock
from streams.domain.ticket import TicketRecord

STATES = ("waiting", "at_risk", "breached", "upcoming")
SLAS = ("first_response", "next_reply", "resolution", "periodic_update")
DEFAULT_LIMIT = 100
MAX_LIMIT = 5_000


class QueryError(ValueError):
    """A parameter of the drill-down is unknown or out of range; the message names it."""


@dataclass(frozen=True)
class ClockQuery:
    """What ``GET /tickets`` asks for: each filter left out (None) matches everything."""

    state: str | None = None
    sla: str | None = None
    priority: str | None = None
    team: str | None = None  # as published: ids are fine here, unlike in labels
    limit: int = DEFAULT_LIMIT

    @staticmethod
    def parse(params: Mapping[str, str]) -> ClockQuery:
        """From query parameters; raises ``QueryError`` naming the parameter at fault."""
        unknown = sorted(set(params) - {"state", "sla", "priority", "team", "limit"})
        if unknown:
            raise QueryError(f"unknown parameter {unknown[0]!r}")
        state, sla = params.get("state") or None, params.get("sla") or None
        if state is not None and state not in STATES:
            raise QueryError(f"state: {state!r} is not one of {', '.join(STATES)}")
        if sla is not None and sla not in SLAS:
            raise QueryError(f"sla: {sla!r} is not one of {', '.join(SLAS)}")
        text = params.get("limit") or str(DEFAULT_LIMIT)
        if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
            raise QueryError(f"limit: {text!r} is not a whole number from 1 to {MAX_LIMIT}")
        priority, team = params.get("priority") or None, params.get("team") or None
        return ClockQuery(state, sla, priority, team, int(text))


@dataclass(frozen=True, slots=True)
class ClockRow:
    """One running clock of one ticket, as the drill-down shows it."""

    time_left_ms: int  # deadline minus now: negative once breached
    ticket_id: str
    sla: str
    state: str  # breached, at_risk or on_track
    policy: str
    priority: str
    team: str | None
    channel: str
    waiting_since_ms: int  # when the clock started
    deadline_ms: int


def state_of(clock: LiveClock, now_ms: int) -> str:
    if clock.deadline_ms <= now_ms:
        return "breached"
    if clock.at_risk_ms is not None and clock.at_risk_ms <= now_ms:
        return "at_risk"
    return "on_track"


def _wanted(query: ClockQuery, clock: LiveClock, state: str) -> bool:
    if query.sla is not None and clock.sla != query.sla:
        return False
    if query.priority is not None and clock.priority != query.priority:
        return False
    wanted = query.state
    if wanted is None or wanted == state:
        return True
    if wanted == "waiting":
        return clock.sla in WAITING_SLAS
    return wanted == "upcoming" and state != "breached"


class Listing:
    """The first ``limit`` rows seen so far; fed a slice of keys at a time, so a worker with a
    million open tickets can answer between batches instead of stalling for the whole pass."""

    def __init__(self, query: ClockQuery, now_ms: int) -> None:
        self.query, self.now_ms = query, now_ms
        self.matched = 0  # rows that met the filters, also those beyond the limit
        self._heap: list[_Kept] = []  # the worst row kept on top

    def add(self, partition: PartitionState, keys: Iterable[str]) -> None:
        """Consider the running clocks of ``keys`` of ``partition`` (a key gone is skipped).

        The record is read only for a team filter and for the rows kept: most clocks are
        counted and passed over on their own fields (measured: docs/benchmarks.md)."""
        query, now, records = self.query, self.now_ms, partition.records
        team = query.team
        for key in keys:
            record: TicketRecord | None = None
            if team is not None:
                record = records.get(key)
                if record is None or record.team_name_now != team:
                    continue
            for clock in partition.running_clocks(key):
                state = state_of(clock, now)
                if not _wanted(query, clock, state):
                    continue
                if record is None:
                    record = records.get(key)
                    if record is None:
                        break
                self._keep(partition, key, record, clock, state)

    def _keep(
        self,
        partition: PartitionState,
        key: str,
        record: TicketRecord,
        clock: LiveClock,
        state: str,
    ) -> None:
        self.matched += 1
        left = clock.deadline_ms - self.now_ms
        heap = self._heap
        full = len(heap) >= self.query.limit
        if full and (left, key, clock.sla) >= heap[0].order:
            return  # not among the first ``limit``: its row is never built
        policy = partition.model.policy(record)
        row = ClockRow(
            left,
            key,
            clock.sla,
            state,
            policy.name if policy else "",
            clock.priority,
            record.team_name_now,
            record.channel,
            clock.start_ms,
            clock.deadline_ms,
        )
        kept = _Kept((left, key, clock.sla), row)
        if full:
            heapq.heapreplace(heap, kept)
        else:
            heapq.heappush(heap, kept)

    def rows(self) -> list[ClockRow]:
        """The rows kept, by time left (then ticket id and SLA: the order is total)."""
        return [kept.row for kept in sorted(self._heap, key=_Kept.key)]


class _Kept:
    """A heap entry whose top is the last row kept: the one a better row replaces."""

    __slots__ = ("order", "row")

    def __init__(self, order: tuple[int, str, str], row: ClockRow) -> None:
        self.order, self.row = order, row

    def __lt__(self, other: _Kept) -> bool:
        return self.order > other.order

    def key(self) -> tuple[int, str, str]:
        return self.order
