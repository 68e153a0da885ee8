"""A ticket record packed into one ``bytes``: how a partition keeps the records it is not using.

Why: a record object is two dozen fields of Python objects, its facts tuples of boxed ints
(~950 bytes for a ticket in progress); packed it is one object of ~320 bytes. ``marshal`` packs
and unpacks plain tuples fastest of what the standard library has (a few µs), and keeps
interned strings interned, so labels stay shared. Packed records never leave the process
except in a snapshot, which is stamped with the Python and marshal versions: the changelog
keeps its own versioned format (``record_format``).

A fixed header in front says what expiry asks (``Summary``), so a pass over a million packed
records unpacks only those it drops. Behind it, the common times are kept as how long before
the record's newest event they were: ``marshal`` writes an int of 31 bits in 5 bytes and an
instant in milliseconds since 1970 in 11 (about 55 bytes a ticket in progress).
"""

from __future__ import annotations

import marshal
import struct
from typing import Any, NamedTuple

from streams.domain.surveys import SurveyAnswer, SurveySend
from streams.domain.ticket import TicketRecord
from streams.domain.transfers import TeamChange

#: newest event time, pending since (-1: none), flags
_HEADER = struct.Struct("<qqB")
_OPEN, _WAITING = 1, 2
#: one record's fields in ``RecordFields`` order, named tuples made plain
PlainRecord = tuple[Any, ...]


class Summary(NamedTuple):
    """What expiry asks of a record (``expiry.Cutoffs.may_drop``)."""

    last_ms: int
    pending_since_ms: int | None
    is_open: bool
    waiting: bool  # it holds events waiting for their ticket-created


def summary(record: TicketRecord) -> Summary:
    return Summary(
        record.last_ms, record.pending_since_ms, record.is_open, record.waiting_events > 0
    )


def packed_summary(blob: bytes) -> Summary:
    """The header of ``pack``, without unpacking the record."""
    last, pending, flags = _HEADER.unpack_from(blob)
    return Summary(
        last, None if pending < 0 else pending, bool(flags & _OPEN), bool(flags & _WAITING)
    )


def pack(record: TicketRecord) -> bytes:
    pending = record.pending_since_ms
    flags = (_OPEN if record.is_open else 0) | (_WAITING if record.waiting_events else 0)
    header = _HEADER.pack(record.last_ms, -1 if pending is None else pending, flags)
    return header + marshal.dumps(plain(record))


def unpack(blob: bytes) -> TicketRecord:
    last, pending, _ = _HEADER.unpack_from(blob)
    fields = marshal.loads(memoryview(blob)[_HEADER.size :])
    return from_plain(fields, last, None if pending < 0 else pending)


def plain(r: TicketRecord) -> PlainRecord:
    """The record's fields as plain tuples (what ``marshal`` can encode), its common times
    relative to its newest event; the newest event and "pending since" are the header's."""
    base = r.last_ms
    return (
        _ago(base, r.created_ms),
        r.channel,
        r.priority,
        r.team,
        r.team_name,
        r.category,
        _all_ago(base, r.replies),
        _all_ago(base, r.customer),
        _all_ago(base, r.resolutions),
        _all_ago(base, r.reopens),
        tuple([(base - at, status) for at, status in r.statuses]),
        tuple([(base - at, priority) for at, priority in r.priorities]),
        tuple(map(tuple, r.surveys)) if r.surveys else (),
        r.seen,
        r.overflow,
        base - r.evaluated_ms,
        r.category_label,
        r.category_changes,
        tuple([(base - c.at_ms, c.label, c.name) for c in r.team_changes]),
        tuple(map(tuple, r.sends)) if r.sends else (),
        _ago(base, r.first_bot_reply_ms),
        _ago(base, r.human_resolved_ms),
    )


def from_plain(f: PlainRecord, last_ms: int, pending_since_ms: int | None) -> TicketRecord:
    """The record ``plain`` gave, whose newest event was at ``last_ms``."""
    base = last_ms
    surveys, sends = f[12], f[19]
    return TicketRecord(
        _ago(base, f[0]),
        f[1],
        f[2],
        f[3],
        f[4],
        f[5],
        _all_ago(base, f[6]),
        _all_ago(base, f[7]),
        _all_ago(base, f[8]),
        _all_ago(base, f[9]),
        tuple([(base - ago, status) for ago, status in f[10]]),
        tuple([(base - ago, priority) for ago, priority in f[11]]),
        tuple(SurveyAnswer(*a) for a in surveys) if surveys else (),
        f[13],
        f[14],
        pending_since_ms,
        last_ms,
        base - f[15],
        f[16],
        f[17],
        tuple([TeamChange(base - ago, label, name) for ago, label, name in f[18]]),
        tuple(SurveySend(*s) for s in sends) if sends else (),
        _ago(base, f[20]),
        _ago(base, f[21]),
    )


def _ago(base: int, time: int | None) -> int | None:
    """``base`` minus ``time``: a time made relative to ``base``, and back again."""
    return None if time is None else base - time


def _all_ago(base: int, times: tuple[int, ...]) -> tuple[int, ...]:
    return tuple([base - time for time in times]) if times else ()
