"""The ticket records of a partition: the recently used as objects, the rest packed.

Why: a million open tickets mostly sit untouched, while a ticket that gets an event usually
gets its next ones soon (a bot's acknowledgement, the reply, the customer's answer). The
``hot_limit`` records written last stay objects; older ones are packed into one ``bytes``
each (``record_packing``: about a third of the memory), and unpacked when read.

A record read with ``get`` may be a fresh object unpacked for the caller: a change to it is
kept only once it is written back (``records[key] = record``), as ``PartitionState`` does
after every change.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator

from streams.domain.record_packing import Summary, pack, packed_summary, summary, unpack
from streams.domain.ticket import TicketRecord

#: records kept as objects per partition: a worker's twelve partitions hold at most ~50,000
#: (~45 MB) unpacked, however many tickets are open, and a burst of events on the same tickets
#: is applied without packing between them
HOT_RECORDS = 4_096


class Records:
    """Ticket records by key (a subset of a dict's interface)."""

    __slots__ = ("_hot", "_packed", "hot_limit")

    def __init__(self, hot_limit: int = HOT_RECORDS) -> None:
        self.hot_limit = hot_limit
        self._hot: OrderedDict[str, TicketRecord] = OrderedDict()  # oldest write first
        self._packed: dict[str, bytes] = {}

    @classmethod
    def of_packed(cls, packed: dict[str, bytes], hot_limit: int = HOT_RECORDS) -> Records:
        """A store holding ``packed`` (what ``packed`` gave) as it is."""
        records = cls(hot_limit)
        records._packed = packed
        return records

    def get(self, key: str) -> TicketRecord | None:
        record = self._hot.get(key)
        if record is not None:
            return record
        blob = self._packed.get(key)
        return None if blob is None else unpack(blob)

    def __getitem__(self, key: str) -> TicketRecord:
        record = self.get(key)
        if record is None:
            raise KeyError(key)
        return record

    def __setitem__(self, key: str, record: TicketRecord) -> None:
        hot, packed = self._hot, self._packed
        if packed:
            packed.pop(key, None)
        hot[key] = record
        hot.move_to_end(key)
        if len(hot) > self.hot_limit:
            oldest, cooled = hot.popitem(last=False)
            packed[oldest] = pack(cooled)

    def pop(self, key: str, default: TicketRecord | None = None) -> TicketRecord | None:
        record = self._hot.pop(key, None)
        if record is not None:
            return record
        blob = self._packed.pop(key, None)
        return default if blob is None else unpack(blob)

    def __delitem__(self, key: str) -> None:
        if self.pop(key) is None:
            raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return key in self._hot or key in self._packed

    def __len__(self) -> int:
        return len(self._hot) + len(self._packed)

    def __bool__(self) -> bool:
        return bool(self._hot) or bool(self._packed)

    def __iter__(self) -> Iterator[str]:
        yield from list(self._hot)
        yield from list(self._packed)

    def __eq__(self, other: object) -> bool:
        """The same records by key (packed or not), as another store or a dict."""
        if isinstance(other, Records):
            return dict(self.items()) == dict(other.items())
        if isinstance(other, dict):
            return dict(self.items()) == other
        return NotImplemented

    def keys(self) -> list[str]:
        return [*self._hot, *self._packed]

    def items(self) -> Iterator[tuple[str, TicketRecord]]:
        """Every record, the packed ones unpacked one at a time (a copy of the keys is taken
        first, so the store may change meanwhile)."""
        for key, record in list(self._hot.items()):
            yield key, record
        for key, blob in list(self._packed.items()):
            yield key, unpack(blob)

    def values(self) -> Iterator[TicketRecord]:
        for item in self.items():
            yield item[1]

    def matching(self, wanted: Callable[[Summary], bool]) -> list[tuple[str, TicketRecord]]:
        """The records whose ``Summary`` is ``wanted``: packed ones are unpacked only then."""
        found = [(key, r) for key, r in self._hot.items() if wanted(summary(r))]
        for key, blob in self._packed.items():
            if wanted(packed_summary(blob)):
                found.append((key, unpack(blob)))
        return found

    def newest_ms(self) -> int:
        """The newest event time of any record (0: none)."""
        newest = max((r.last_ms for r in self._hot.values()), default=0)
        return max(
            newest, max((packed_summary(b).last_ms for b in self._packed.values()), default=0)
        )

    def packed(self) -> dict[str, bytes]:
        """Every record packed (a snapshot keeps them so; the hot ones stay objects here)."""
        out = {key: pack(record) for key, record in self._hot.items()}
        out.update(self._packed)
        return out
