"""A ticket record packed into one ``bytes``: how a partition keeps the records it is not using.

Why: a record object is two dozen fields of Python objects, its facts tuples of boxed ints
(~950 bytes for a ticket in progress); packed it is one object of ~320 bytes. ``marshal`` packs
and unpacks plain tuples fastest of what the standard library has (a few µs), and keeps
interned strings interned, so labels stay shared. Packed records never leave the process
except in a snapshot, which is stamped with the Python and marshal versions: the changelog
keeps its own versioned format (``record_format``).

A fixed header in front says what expiry asks (``Summary``), so a pass over a million packed
records unpacks only those it drops.
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
    return from_plain(marshal.loads(memoryview(blob)[_HEADER.size :]))


def plain(r: TicketRecord) -> PlainRecord:
    """The record's fields as plain tuples (what ``marshal`` can encode)."""
    return (
        r.created_ms,
        r.channel,
        r.priority,
        r.team,
        r.team_name,
        r.category,
        r.replies,
        r.customer,
        r.resolutions,
        r.reopens,
        r.statuses,
        r.priorities,
        tuple(map(tuple, r.surveys)) if r.surveys else (),
        r.seen,
        r.overflow,
        r.pending_since_ms,
        r.last_ms,
        r.evaluated_ms,
        r.category_label,
        r.category_changes,
        tuple(map(tuple, r.team_changes)) if r.team_changes else (),
        tuple(map(tuple, r.sends)) if r.sends else (),
        r.first_bot_reply_ms,
        r.human_resolved_ms,
    )


def from_plain(f: PlainRecord) -> TicketRecord:
    surveys, changes, sends = f[12], f[20], f[21]
    return TicketRecord(
        f[0],
        f[1],
        f[2],
        f[3],
        f[4],
        f[5],
        f[6],
        f[7],
        f[8],
        f[9],
        f[10],
        f[11],
        tuple(SurveyAnswer(*a) for a in surveys) if surveys else (),
        f[13],
        f[14],
        f[15],
        f[16],
        f[17],
        f[18],
        f[19],
        tuple(TeamChange(*c) for c in changes) if changes else (),
        tuple(SurveySend(*s) for s in sends) if sends else (),
        f[22],
        f[23],
    )
