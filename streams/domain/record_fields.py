"""The fields of a ticket record (``ticket.TicketRecord`` adds what it does with them).

Why a module of its own: the constructor is written out. The compiled core compiles what the
source holds, while a dataclass's generated ``__init__`` stays interpreted, and a record is
built at every event (the snapshot ``apply`` rolls back to) and at every load (~1 µs each).
"""

from __future__ import annotations

from dataclasses import dataclass

from streams.domain.labels import UNKNOWN
from streams.domain.surveys import SurveyAnswer, SurveySend
from streams.domain.transfers import TeamChange


@dataclass(slots=True)
class RecordFields:
    """What a ticket record keeps: facts in event time, labels, digests (see ``ticket``)."""

    created_ms: int | None = None
    channel: str = UNKNOWN
    priority: str = UNKNOWN  # bounded label of the current priority
    team: str | None = None  # bounded label of the team it was created with
    team_name: str | None = None  # the team it was created with, as published
    category: str | None = None  # current category as published (SLA policies match on it)
    # Facts are tuples, not lists: most are empty (the shared ``()`` costs nothing) and a ticket
    # gets a handful of events, so copying on insert is as cheap as a list shift, while a
    # million open tickets save ~500 bytes each (seven empty lists and two list headers).
    replies: tuple[int, ...] = ()  # public human agent replies, sorted
    customer: tuple[int, ...] = ()  # customer messages, sorted
    resolutions: tuple[int, ...] = ()  # sorted
    reopens: tuple[int, ...] = ()  # sorted
    statuses: tuple[tuple[int, str], ...] = ()  # (at, status), sorted
    priorities: tuple[tuple[int, str], ...] = ()  # (at, label), sorted
    surveys: tuple[SurveyAnswer, ...] = ()  # in arrival order
    seen: bytes = b""  # 8-byte digests of the event ids applied (dedupe), concatenated
    overflow: bytes = b""  # digests of the newest events once ``seen`` is full (a ring)
    pending_since_ms: int | None = None  # clock time an event first waited for ticket-created
    last_ms: int = 0  # newest event time applied
    evaluated_ms: int = 0  # processor clock at the last evaluation of SLA deadlines
    category_label: str = UNKNOWN  # bounded label of the category it was created with
    category_changes: tuple[tuple[int, str], ...] = ()  # (at, label) of the latest ticket-updated
    team_changes: tuple[TeamChange, ...] = ()  # sorted; see ``transfers``
    sends: tuple[SurveySend, ...] = ()  # survey-sent, sorted; see ``surveys``
    first_bot_reply_ms: int | None = None  # the earliest public reply by a bot or automation
    human_resolved_ms: int | None = None  # the earliest resolution with resolved_by "human"

    def __init__(
        self,
        created_ms: int | None = None,
        channel: str = UNKNOWN,
        priority: str = UNKNOWN,
        team: str | None = None,
        team_name: str | None = None,
        category: str | None = None,
        replies: tuple[int, ...] = (),
        customer: tuple[int, ...] = (),
        resolutions: tuple[int, ...] = (),
        reopens: tuple[int, ...] = (),
        statuses: tuple[tuple[int, str], ...] = (),
        priorities: tuple[tuple[int, str], ...] = (),
        surveys: tuple[SurveyAnswer, ...] = (),
        seen: bytes = b"",
        overflow: bytes = b"",
        pending_since_ms: int | None = None,
        last_ms: int = 0,
        evaluated_ms: int = 0,
        category_label: str = UNKNOWN,
        category_changes: tuple[tuple[int, str], ...] = (),
        team_changes: tuple[TeamChange, ...] = (),
        sends: tuple[SurveySend, ...] = (),
        first_bot_reply_ms: int | None = None,
        human_resolved_ms: int | None = None,
    ) -> None:
        self.created_ms = created_ms
        self.channel = channel
        self.priority = priority
        self.team = team
        self.team_name = team_name
        self.category = category
        self.replies = replies
        self.customer = customer
        self.resolutions = resolutions
        self.reopens = reopens
        self.statuses = statuses
        self.priorities = priorities
        self.surveys = surveys
        self.seen = seen
        self.overflow = overflow
        self.pending_since_ms = pending_since_ms
        self.last_ms = last_ms
        self.evaluated_ms = evaluated_ms
        self.category_label = category_label
        self.category_changes = category_changes
        self.team_changes = team_changes
        self.sends = sends
        self.first_bot_reply_ms = first_bot_reply_ms
        self.human_resolved_ms = human_resolved_ms
