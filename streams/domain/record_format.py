"""The changelog format of a ticket record: a JSON array, versioned, older versions still read.

Format 6 adds the team changes (``transfers``), the survey sends and the answers' methods
(``surveys``), the first bot reply and the first human resolution; format 5 the category labels
(the creation's and the changes'); format 4 the overflow ring of digests. A record is written
in the oldest format that holds it: one without category labels, format 6 facts or overflow in
format 3, which releases before them read too (a rollback, or a mixed rolling deploy); one with
category labels but no format 6 facts in format 5. A record read from format 4 or older has its
category label decided again (``UNDECIDED``). Format 2 kept whole event ids; they are turned
into digests when read.
"""

from __future__ import annotations

import sys
from typing import NamedTuple, Protocol

import orjson

from streams.domain.digests import event_digest
from streams.domain.labels import UNKNOWN
from streams.domain.surveys import SurveyAnswer, SurveySend
from streams.domain.transfers import TeamChange

FORMAT = 6
_SURVEYS = 13  # the index of the surveys field
_WITH_CATEGORIES = 5
_WITH_OVERFLOW = 4
_WITHOUT_OVERFLOW = 3
_READ = (2, _WITHOUT_OVERFLOW, _WITH_OVERFLOW, _WITH_CATEGORIES, FORMAT)
#: the category label of a record with a category written before categories were labels
#: (decided on load)
UNDECIDED = ""


class Persisted(Protocol):
    """What is written of a record (``TicketRecord`` is one)."""

    created_ms: int | None
    channel: str
    priority: str
    team: str | None
    team_name: str | None
    category: str | None
    replies: tuple[int, ...]
    customer: tuple[int, ...]
    resolutions: tuple[int, ...]
    reopens: tuple[int, ...]
    statuses: tuple[tuple[int, str], ...]
    priorities: tuple[tuple[int, str], ...]
    surveys: tuple[SurveyAnswer, ...]
    seen: bytes
    overflow: bytes
    pending_since_ms: int | None
    last_ms: int
    evaluated_ms: int
    category_label: str
    category_changes: tuple[tuple[int, str], ...]
    team_changes: tuple[TeamChange, ...]
    sends: tuple[SurveySend, ...]
    first_bot_reply_ms: int | None
    human_resolved_ms: int | None


class StoredRecord(NamedTuple):
    """What is read of a record: the fields of a ``TicketRecord``, by name and in its order."""

    created_ms: int | None
    channel: str
    priority: str
    team: str | None
    team_name: str | None
    category: str | None
    replies: tuple[int, ...]
    customer: tuple[int, ...]
    resolutions: tuple[int, ...]
    reopens: tuple[int, ...]
    statuses: tuple[tuple[int, str], ...]
    priorities: tuple[tuple[int, str], ...]
    surveys: tuple[SurveyAnswer, ...]
    seen: bytes
    overflow: bytes
    pending_since_ms: int | None
    last_ms: int
    evaluated_ms: int
    category_label: str
    category_changes: tuple[tuple[int, str], ...]
    team_changes: tuple[TeamChange, ...]
    sends: tuple[SurveySend, ...]
    first_bot_reply_ms: int | None
    human_resolved_ms: int | None


def intern_label(value: str | None) -> str | None:
    """One shared copy of a low-cardinality string (label, team, category), not one per record."""
    return None if value is None else sys.intern(value)


def encode(record: Persisted) -> bytes:
    fields: list[object] = [
        _WITHOUT_OVERFLOW,
        record.created_ms,
        record.channel,
        record.priority,
        record.team,
        record.team_name,
        record.category,
        record.replies,
        record.customer,
        record.resolutions,
        record.reopens,
        record.statuses,
        record.priorities,
        [answer[:4] for answer in record.surveys],  # (the method: format 6)
        record.seen.hex(),
        record.pending_since_ms,
        record.last_ms,
        record.evaluated_ms,
    ]
    if _needs_format_6(record):
        fields[0] = FORMAT
        fields[_SURVEYS] = [tuple(answer) for answer in record.surveys]
        fields += [record.overflow.hex(), record.category_label, record.category_changes]
        fields.append([tuple(change) for change in record.team_changes])
        fields.append([tuple(send) for send in record.sends])
        fields += [record.first_bot_reply_ms, record.human_resolved_ms]
    elif record.category_label != UNKNOWN or record.category_changes:
        fields[0] = _WITH_CATEGORIES
        fields += [record.overflow.hex(), record.category_label, record.category_changes]
    elif record.overflow:
        fields[0] = _WITH_OVERFLOW
        fields.append(record.overflow.hex())
    return orjson.dumps(fields)


def _needs_format_6(record: Persisted) -> bool:
    return bool(
        record.team_changes
        or record.sends
        or any(answer.method or answer.scale for answer in record.surveys)
        or record.first_bot_reply_ms is not None
        or record.human_resolved_ms is not None
    )


def decode(blob: bytes) -> StoredRecord:
    """Read any format in ``_READ``; raise ``ValueError`` naming the format otherwise."""
    fields = orjson.loads(blob)
    fmt = fields[0] if isinstance(fields, list) and fields else None
    if fmt not in _READ:
        raise ValueError(
            f"ticket record format {fmt!r} is not one this version reads (2..{FORMAT})"
        )
    category_label = UNKNOWN if fields[6] is None else UNDECIDED  # no category: unknown
    category_changes: tuple[tuple[int, str], ...] = ()
    team_changes: tuple[TeamChange, ...] = ()
    sends: tuple[SurveySend, ...] = ()
    first_bot: int | None = None
    human_resolved: int | None = None
    if fmt == FORMAT:
        first_bot, human_resolved = fields.pop(-2), fields.pop()
        sends = tuple(SurveySend(a, sys.intern(s), sys.intern(m)) for a, s, m in fields.pop())
        team_changes = tuple(
            TeamChange(a, sys.intern(t), sys.intern(n)) for a, t, n in fields.pop()
        )
    if fmt in (_WITH_CATEGORIES, FORMAT):
        category_label, changes = sys.intern(fields.pop(-2)), fields.pop()
        category_changes = tuple((a, sys.intern(c)) for a, c in changes)
    overflow = bytes.fromhex(fields.pop()) if fmt >= _WITH_OVERFLOW else b""
    (
        fmt,
        created,
        channel,
        priority,
        team,
        team_name,
        category,
        replies,
        customer,
        resolutions,
        reopens,
        statuses,
        priorities,
        surveys,
        seen,
        pending,
        last,
        evaluated,
    ) = fields
    if fmt == 2:  # event ids kept whole
        seen = b"".join(event_digest(event_id) for event_id in seen)
    else:
        seen = bytes.fromhex(seen)
    intern = sys.intern
    return StoredRecord(
        created,
        intern(channel),
        intern(priority),
        intern_label(team),
        intern_label(team_name),
        intern_label(category),
        tuple(replies),
        tuple(customer),
        tuple(resolutions),
        tuple(reopens),
        tuple((a, intern(s)) for a, s in statuses),
        tuple((a, intern(p)) for a, p in priorities),
        tuple(_answer(*fields) for fields in surveys),
        seen,
        overflow,
        pending,
        last,
        evaluated,
        category_label,
        category_changes,
        team_changes,
        sends,
        first_bot,
        human_resolved,
    )


def _answer(
    survey: str, score: int, at_ms: int, channel: str, method: str = "", scale: int = 0
) -> SurveyAnswer:
    """A survey answer of any format: four fields, five (the method) or six (the scale)."""
    intern = sys.intern
    return SurveyAnswer(intern(survey), score, at_ms, intern(channel), intern(method), scale)
