"""The backlog of one partition: open tickets per (channel, priority), per team and per category.

A scrape reads the count and the oldest creation time of every (channel, priority). The oldest
comes from a min-heap per dims whose top is kept valid on write (entries of tickets that closed,
moved or were re-created are pruned when that happens), so reading changes nothing and costs
one look per dims, never a scan of the open tickets.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from streams.domain.ticket import TicketRecord

Dims = tuple[str, str]  # (channel, priority): the labels of the backlog gauges


class OpenTicket(NamedTuple):
    """Where an open ticket counts in the backlog."""

    dims: Dims
    created_ms: int
    team: str  # the current team label
    category: str  # the current category label


class OpenDims(NamedTuple):
    """The open tickets of one (channel, priority)."""

    tickets: int  # how many are open
    oldest_created_ms: int


def open_ticket(record: TicketRecord) -> OpenTicket | None:
    """The backlog entry of ``record``; None unless it is created and not resolved."""
    created = record.created_ms
    if created is None or record.is_resolved:
        return None
    return OpenTicket(
        (record.channel, record.priority), created, record.team_now, record.category_now
    )


#: (created at: int, id: str), a heap entry, which the open tickets' dict holds as well: one
#: object and one boxed int per open ticket (typed as a tuple of any length, which the compiled
#: core keeps as one Python object, where it would box a ``tuple[int, str]`` at each store)
_Entry = tuple[Any, ...]


class _Heap(NamedTuple):
    """One dims: its open tickets (id -> its heap entry) and a min-heap of (created at, id)."""

    ids: dict[str, _Entry]
    oldest: list[_Entry]


class Backlog:
    """Open tickets, indexed so that reading the gauges never mutates or scans."""

    __slots__ = ("_by_category", "_by_team", "_dims")

    def __init__(self) -> None:
        self._dims: dict[Dims, _Heap] = {}
        self._by_team: dict[str, int] = {}
        self._by_category: dict[str, int] = {}

    def move(self, key: str, before: OpenTicket | None, after: OpenTicket | None) -> None:
        """Ticket ``key`` went from ``before`` to ``after`` (None: not open)."""
        if before == after:
            return
        if after is not None:
            self._add(key, after)
        if before is not None:
            self._remove(key, before, after)

    def per_dims(self) -> dict[Dims, OpenDims]:
        """Open tickets per (channel, priority): how many, and the oldest creation time."""
        return {dims: OpenDims(len(h.ids), h.oldest[0][0]) for dims, h in self._dims.items()}

    def per_team(self) -> Mapping[str, int]:
        """Open tickets per team label (teams with none are left out); a read-only view."""
        return MappingProxyType(self._by_team)

    def per_category(self) -> Mapping[str, int]:
        """Open tickets per category label (categories with none are left out); read only."""
        return MappingProxyType(self._by_category)

    # -- snapshots (``snapshot``) ------------------------------------------------------------
    def export(self) -> BacklogData:
        """The index as plain data: per dims its open tickets and heap, then the counts."""
        dims = {d: (heap.ids, heap.oldest) for d, heap in self._dims.items()}
        return dims, self._by_team, self._by_category

    def restore(self, saved: BacklogData) -> None:
        """Take the index ``export`` gave (into an empty backlog)."""
        dims, self._by_team, self._by_category = saved
        self._dims = {d: _Heap(ids, oldest) for d, (ids, oldest) in dims.items()}

    def _add(self, key: str, entry: OpenTicket) -> None:
        heap = self._dims.get(entry.dims)
        if heap is None:
            heap = self._dims[entry.dims] = _Heap({}, [])
        held = heap.ids.get(key)
        if held is None or held[0] != entry.created_ms:  # else its heap entry is still valid
            pushed: _Entry = (entry.created_ms, key)
            heap.ids[key] = pushed
            heapq.heappush(heap.oldest, pushed)
        if len(heap.oldest) > 2 * len(heap.ids) + 64:  # stale entries below the top: compact
            heap.oldest[:] = list(heap.ids.values())
            heapq.heapify(heap.oldest)
        _count(self._by_team, entry.team, 1)
        _count(self._by_category, entry.category, 1)

    def _remove(self, key: str, entry: OpenTicket, after: OpenTicket | None) -> None:
        heap = self._dims[entry.dims]
        if after is None or after.dims != entry.dims:
            del heap.ids[key]
        if not heap.ids:
            del self._dims[entry.dims]
        else:  # keep the top valid: it may be the entry that just went
            ids, oldest = heap.ids, heap.oldest
            while ids.get(oldest[0][1]) != oldest[0]:  # valid: the entry the dict holds
                heapq.heappop(oldest)
        _count(self._by_team, entry.team, -1)
        _count(self._by_category, entry.category, -1)


#: what a snapshot keeps of a backlog: per dims (open tickets -> heap entry, the heap), and the
#: open tickets per team and per category (``marshal`` keeps an entry shared by both as one)
BacklogData = tuple[
    dict[Dims, tuple[dict[str, _Entry], list[_Entry]]], dict[str, int], dict[str, int]
]


def _count(counts: dict[str, int], label: str, change: int) -> None:
    """Add ``change`` to the open tickets of ``label``, leaving out labels with none."""
    left = counts.get(label, 0) + change
    if left:
        counts[label] = left
    else:
        del counts[label]
