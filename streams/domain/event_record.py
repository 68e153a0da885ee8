"""The validated event (``events.decode`` builds it) and its packed form between the router
and the workers."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import orjson


class Kind(StrEnum):
    """The event types; the value is the default topic name."""

    CREATED = "ticket-created"
    REPLIED = "agent-replied"
    RESOLVED = "ticket-resolved"
    SURVEY = "survey-answered"
    CUSTOMER_REPLIED = "customer-replied"
    UPDATED = "ticket-updated"
    REOPENED = "ticket-reopened"
    SURVEY_SENT = "survey-sent"


# a plain dict lookup per event: ``Kind(value)`` goes through the enum's lookup machinery
_KINDS = {kind.value: kind for kind in Kind}


@dataclass(slots=True)
class Event:
    """A validated event, reduced to what the KPIs need (no agent identifiers).

    ``customer_id`` of a ticket-created is kept only for the router, which turns it into a
    keyed digest at once (``customer_digest``); it is never packed, stored or shown in a repr.

    Treat as immutable. Not ``frozen``, and the ``__init__`` is written out: a frozen
    dataclass sets each field through ``object.__setattr__``, and a generated ``__init__``
    stays interpreted in the compiled core (~0.6 µs), a cost paid on every event built (twice
    per event: the router decodes it, the worker unpacks it).
    """

    kind: Kind
    event_id: str
    at_ms: int
    ticket_id: str | None
    channel: str | None = None
    priority: str | None = None
    team: str | None = None
    counts_as_response: bool = False
    survey: str | None = None
    score: int | None = None
    status: str | None = None
    category: str | None = None
    method: str | None = None  # a survey's method, normalised by ``survey_method``
    customer_id: str | None = field(default=None, repr=False)  # ticket-created only
    bot_response: bool = False  # agent-replied: a public reply by a bot or an automation
    resolved_by: str | None = None  # ticket-resolved: one of ``RESOLVERS``, if given
    scale: int | None = None  # survey-answered on a scale other than its survey's default

    def __init__(
        self,
        kind: Kind,
        event_id: str,
        at_ms: int,
        ticket_id: str | None,
        channel: str | None = None,
        priority: str | None = None,
        team: str | None = None,
        counts_as_response: bool = False,
        survey: str | None = None,
        score: int | None = None,
        status: str | None = None,
        category: str | None = None,
        method: str | None = None,
        customer_id: str | None = None,
        bot_response: bool = False,
        resolved_by: str | None = None,
        scale: int | None = None,
    ) -> None:
        self.kind = kind
        self.event_id = event_id
        self.at_ms = at_ms
        self.ticket_id = ticket_id
        self.channel = channel
        self.priority = priority
        self.team = team
        self.counts_as_response = counts_as_response
        self.survey = survey
        self.score = score
        self.status = status
        self.category = category
        self.method = method
        self.customer_id = customer_id
        self.bot_response = bot_response
        self.resolved_by = resolved_by
        self.scale = scale

    @property
    def record_key(self) -> str:
        """The state key: events of one ticket meet under it, whatever key the publisher used."""
        if self.ticket_id is not None:
            return self.ticket_id
        return "survey/" + self.event_id

    def to_row(self) -> list[object]:
        """The packed form. Its optional tail (method, bot response, resolved by) is cut after
        the last one set: most events keep the 12 elements the previous release reads."""
        row: list[object] = [
            self.kind.value,
            self.event_id,
            self.at_ms,
            self.ticket_id,
            self.channel,
            self.priority,
            self.team,
            self.counts_as_response,
            self.survey,
            self.score,
            self.status,
            self.category,
        ]
        bot = True if self.bot_response else None
        tail: list[object] = [self.method, bot, self.resolved_by, self.scale]
        while tail and tail[-1] is None:
            tail.pop()
        row.extend(tail)
        return row

    @classmethod
    def from_row(cls, row: list[Any]) -> Event:
        """Reads rows of 12 elements (an older router, or no optional tail) to 16."""
        if len(row) > 16:
            raise ValueError(f"a packed event has {len(row)} elements, at most 16")
        k, eid, at, tid, ch, pr, team, resp, survey, score, status, category, *rest = row
        method, bot, resolved_by, scale = (*rest, None, None, None, None)[:4]
        event = cls(
            _KINDS[k], eid, at, tid, ch, pr, team, resp, survey, score, status, category, method
        )
        event.bot_response, event.resolved_by, event.scale = bool(bot), resolved_by, scale
        return event


def pack(events: list[Event]) -> bytes:
    """Several validated events in one internal message (one Faust message, not one per event)."""
    return orjson.dumps([e.to_row() for e in events])


def unpack(blob: bytes) -> list[Event]:
    from_row = Event.from_row
    return [from_row(row) for row in orjson.loads(blob)]
