"""The customer records of a partition, each packed into one ``bytes``.

Why: a customer record as objects (the record, its tuple of tickets, each a named tuple of a
boxed int, a digest and a label) costs ~220 bytes for one ticket; packed, ~80. A record is read
only when its customer opens a ticket, so every record stays packed and a contact pays a few µs
to unpack and pack it again. ``marshal`` packs plain tuples fastest of what the standard library
has; packed records never leave the process except in a snapshot, which is stamped with the
source it was taken by (the changelog keeps ``CustomerRecord.to_bytes``).

A header holds the newest ticket's time, so expiry unpacks nothing.
"""

from __future__ import annotations

import marshal
import struct
from collections.abc import Iterator

from streams.domain.customers import CustomerRecord, CustomerTicket

#: the newest ticket's creation time (``CustomerRecord.last_ms``)
_HEADER = struct.Struct("<q")


def pack(record: CustomerRecord) -> bytes:
    tickets = tuple((t.created_ms, t.ticket, t.channel) for t in record.tickets)
    plain = (record.floor_ms, record.forgotten_repeat_ms, tickets)
    return _HEADER.pack(record.last_ms) + marshal.dumps(plain)


def unpack(blob: bytes) -> CustomerRecord:
    floor, forgotten, tickets = marshal.loads(memoryview(blob)[_HEADER.size :])
    return CustomerRecord(tuple(CustomerTicket(*t) for t in tickets), floor, forgotten)


class CustomerRecords:
    """Customer records by key, packed (a subset of a dict's interface; a record read is a
    fresh object: a change to it is kept once it is written back)."""

    __slots__ = ("_packed",)

    def __init__(self, packed: dict[str, bytes] | None = None) -> None:
        self._packed: dict[str, bytes] = {} if packed is None else packed

    def get(self, key: str) -> CustomerRecord | None:
        blob = self._packed.get(key)
        return None if blob is None else unpack(blob)

    def __getitem__(self, key: str) -> CustomerRecord:
        return unpack(self._packed[key])

    def __setitem__(self, key: str, record: CustomerRecord) -> None:
        self._packed[key] = pack(record)

    def pop(self, key: str, default: CustomerRecord | None = None) -> CustomerRecord | None:
        blob = self._packed.pop(key, None)
        return default if blob is None else unpack(blob)

    def __contains__(self, key: object) -> bool:
        return key in self._packed

    def __len__(self) -> int:
        return len(self._packed)

    def __bool__(self) -> bool:
        return bool(self._packed)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._packed))

    def items(self) -> Iterator[tuple[str, CustomerRecord]]:
        for key, blob in list(self._packed.items()):
            yield key, unpack(blob)

    def __eq__(self, other: object) -> bool:
        """The same records by key, as another store or a dict of records."""
        if isinstance(other, CustomerRecords):
            return self._packed == other._packed or dict(self.items()) == dict(other.items())
        if isinstance(other, dict):
            return dict(self.items()) == other
        return NotImplemented

    def older_than(self, cutoff_ms: int) -> list[str]:
        """The keys whose newest ticket is older than ``cutoff_ms``, read from the headers."""
        header = _HEADER
        return [k for k, b in self._packed.items() if header.unpack_from(b)[0] < cutoff_ms]

    def packed(self) -> dict[str, bytes]:
        """The records as they are kept (a snapshot's: the live dict)."""
        return self._packed
