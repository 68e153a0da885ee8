"""A scripted, seeded trace of helpdesk events the way other teams' services publish them.

It mixes age bands (inside 1h, inside 24h only, inside 7d only, and late: older than the largest
window, 30d, plus grace), replies before their ticket, surveys with and without a ticket, bot
replies and internal notes, and also produces the messy deliveries the processor must survive:
null and foreign keys, shuffled order, republished duplicates and invalid messages. No band lies
in 30d only: the month backfill of tests/e2e/test_publishing.py fills it with older traces.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson

MIN, HOUR, DAY = 60_000, 3_600_000, 86_400_000
CATEGORIES = ["refund", "bug", "payment", "product quality"]  # under SUPPORTKPI_MAX_CATEGORIES
# ages (ms before the trace's "now") kept far from window edges and bucket steps
BANDS = {"1h": (3 * MIN, 35 * MIN), "24h": (2 * HOUR, 20 * HOUR), "7d": (30 * HOUR, 140 * HOUR)}


def rfc3339(ms: int, offset_hours: int = 0) -> str:
    from datetime import timedelta, timezone

    tz = UTC if offset_hours == 0 else timezone(timedelta(hours=offset_hours))
    return datetime.fromtimestamp(ms / 1000, tz).isoformat(timespec="milliseconds")


@dataclass
class Message:
    topic: str  # the default topic name (without prefix)
    key: bytes | None
    value: bytes


@dataclass
class Trace:
    events: list[tuple[str, dict]] = field(default_factory=list)  # unique valid events
    messages: list[Message] = field(default_factory=list)  # what gets published, in order
    invalid: dict[str, int] = field(default_factory=dict)  # topic -> invalid messages
    duplicates: dict[str, int] = field(default_factory=dict)  # topic -> republished copies


def build(seed: int, now_ms: int, tickets: int = 60, customers: bool = False) -> Trace:
    """``customers``: customers also write after the agents' replies (next-reply clocks), from
    a random source of their own, so a trace without them stays the same."""
    rng = random.Random(seed)
    follow = random.Random(f"{seed}-customers")
    events: list[tuple[str, dict]] = []

    def emit(topic: str, at_ms: int, **fields: object) -> None:
        offset = rng.choice([0, 0, 2, -5])  # publishers in other time zones
        payload = {
            "event_id": str(uuid.UUID(int=rng.getrandbits(128))),
            "occurred_at": rfc3339(at_ms, offset),
            **fields,
        }
        events.append((topic, payload))

    for n in range(tickets):
        ticket = f"TCK-{seed}-{n}"
        band = rng.choice(["1h", "1h", "24h", "7d"])
        low, high = BANDS[band]
        created = now_ms - rng.randint(low, high)
        channel = rng.choice(["email", "chat", "phone", "web", "fax"])  # fax -> "other"
        priority = rng.choice(["low", "normal", "high", "urgent", "URGENT", "p0"])
        emit(
            "ticket-created",
            created,
            ticket_id=ticket,
            channel=channel,
            priority=priority,
            team=rng.choice(["billing", "tech"]),
            category=rng.choice([*CATEGORIES, None]),
            status=rng.choice([None, None, None, "open", "pending"]),
            # a quarter are returning customers (repeat contacts within the horizon, or not)
            customer_id=f"C{rng.randrange(n)}" if n and rng.random() < 0.25 else f"C{n}",
        )
        _updates(emit, rng, ticket, created, now_ms - low)
        if rng.random() < 0.3:
            emit("agent-replied", created + 500, ticket_id=ticket, agent_id="bot", author="bot")
        if rng.random() < 0.2:
            emit("agent-replied", created + 800, ticket_id=ticket, agent_id="A1", public=False)
        end = now_ms - low  # every event of the ticket stays inside its age band
        if rng.random() < 0.8:
            first = created + rng.randint(1000, max(2000, (end - created) // 3))
            emit("agent-replied", first, ticket_id=ticket, agent_id="A1")
            last = first
            for _ in range(rng.choice([0, 0, 1, 2])):
                last += rng.randint(1000, max(2000, (end - last) // 4))
                emit("agent-replied", last, ticket_id=ticket, agent_id="A2", author="human")
            if customers:
                _customer_messages(emit, follow, ticket, last, end)
            if rng.random() < 0.7:
                resolved = last + rng.randint(1000, max(2000, (end - last) // 3))
                by = rng.choice(["human", "human", None])
                emit("ticket-resolved", resolved, ticket_id=ticket, agent_id="A2", resolved_by=by)
                _survey(emit, rng, ticket, resolved, end)
                _reopen(emit, rng, ticket, resolved, end)
        elif rng.random() < 0.5:  # no human reply: resolved by a bot, the customer, or silently
            resolved = created + rng.randint(1000, max(2000, (end - created) // 2))
            by = rng.choice(["bot", "customer", "human", None])
            emit("ticket-resolved", resolved, ticket_id=ticket, resolved_by=by)
    # surveys with no ticket, and one for a ticket this processor never hears of
    for n in range(4):
        emit(
            "survey-answered",
            now_ms - rng.randint(*BANDS["1h"]),
            survey="csat",
            score=rng.randint(1, 5),
            channel=rng.choice(["email", None]),
            customer_id=f"S{n}",
        )
    emit("survey-answered", now_ms - 10 * MIN, ticket_id="TCK-never-created", survey="nps", score=9)
    # a survey sent without a ticket: counted as sent, never matched
    emit("survey-sent", now_ms - 20 * MIN, survey="nps", method="sms", customer_id="S9")
    # a reply to a ticket that never appears: waits (orphan horizon), counts nowhere
    emit("agent-replied", now_ms - 12 * MIN, ticket_id="TCK-orphan", agent_id="A1")
    # a ticket from long ago: older than the largest window plus grace, counted as late
    old = now_ms - 40 * DAY
    emit("ticket-created", old, ticket_id="TCK-ancient", channel="email", priority="low")
    emit("agent-replied", old + HOUR, ticket_id="TCK-ancient", agent_id="A1")

    trace = Trace(events=list(events))
    deliveries = list(events)
    rng.shuffle(deliveries)  # replies before their tickets, across topics and partitions
    # make sure at least one reply is delivered before its ticket-created
    first_reply = next(i for i, (t, _) in enumerate(deliveries) if t == "agent-replied")
    deliveries.insert(0, deliveries.pop(first_reply))
    for topic, payload in deliveries:
        key_choice = rng.random()
        key = (
            None
            if key_choice < 0.5
            else str(payload.get("ticket_id", "")).encode()
            if key_choice < 0.8
            else f"other-{rng.randrange(1000)}".encode()
        )
        value = orjson.dumps({k: v for k, v in payload.items() if v is not None})
        trace.messages.append(Message(topic, key, value))
        late = payload.get("ticket_id") == "TCK-ancient"  # a late copy counts as late, not dup
        if not late and rng.random() < 0.12:  # a redelivered or republished copy
            trace.messages.append(Message(topic, None, value))
            trace.duplicates[topic] = trace.duplicates.get(topic, 0) + 1
    for topic, value in invalid_messages(now_ms):
        position = rng.randrange(len(trace.messages))
        trace.messages.insert(position, Message(topic, None, value))
        trace.invalid[topic] = trace.invalid.get(topic, 0) + 1
    return trace


def invalid_messages(now_ms: int) -> list[tuple[str, bytes]]:
    """Bad input of several kinds, each on some topic."""
    when = rfc3339(now_ms - 5 * MIN)
    return [
        ("ticket-created", b"this is not json"),
        ("ticket-created", b'\xff\xfe{"event_id": "x"}'),
        ("agent-replied", b"[1, 2, 3]"),
        (
            "ticket-created",
            orjson.dumps(
                {"event_id": "bad-1", "occurred_at": when, "channel": "email", "priority": "low"}
            ),
        ),
        (
            "ticket-created",
            orjson.dumps(
                {
                    "event_id": "bad-2",
                    "ticket_id": "X",
                    "occurred_at": "2026-11-23T10:00:00",
                    "channel": "email",
                    "priority": "low",
                }
            ),
        ),
        (
            "survey-sent",
            orjson.dumps({"event_id": "bad-6", "occurred_at": when, "survey": "csat"}),
        ),
        (
            "survey-answered",
            orjson.dumps({"event_id": "bad-3", "occurred_at": when, "survey": "csat", "score": 9}),
        ),
        (
            "survey-answered",
            orjson.dumps({"event_id": "bad-4", "occurred_at": when, "survey": "mood", "score": 3}),
        ),
        (
            "agent-replied",
            orjson.dumps(
                {"event_id": "bad-5", "occurred_at": when, "ticket_id": "X", "agent_id": 7}
            ),
        ),
        (
            "ticket-resolved",
            orjson.dumps(
                {
                    "event_id": "bad-6",
                    "occurred_at": when,
                    "ticket_id": "X",
                    "type": "ticket-created",
                }
            ),
        ),
    ]


def _updates(
    emit: Callable[..., None], rng: random.Random, ticket: str, created: int, end: int
) -> None:
    """Recategorised and moved to another team (or its own team named again), some of them
    more than once, between the creation and ``end``."""
    if rng.random() < 0.3:
        for _ in range(rng.choice([1, 1, 2])):
            changed = rng.randint(created + 1, max(created + 2, end))
            emit("ticket-updated", changed, ticket_id=ticket, category=rng.choice(CATEGORIES))
    if rng.random() < 0.25:
        for _ in range(rng.choice([1, 1, 2])):
            moved = rng.randint(created + 1, max(created + 2, end))
            team = rng.choice(["billing", "tech", "tier2"])
            emit("ticket-updated", moved, ticket_id=ticket, team=team)
    _statuses(emit, rng, ticket, created, end)


def _customer_messages(
    emit: Callable[..., None], follow: random.Random, ticket: str, last: int, end: int
) -> None:
    """Half the customers write again after the last reply, some twice; a few of those get an
    answer (a next-reply cycle that stopped), the rest are still waiting."""
    if follow.random() < 0.5:
        at = last
        for _ in range(follow.choice([1, 1, 2])):
            at += follow.randint(1000, max(2000, (end - at) // 3))
            emit("customer-replied", at, ticket_id=ticket)
        if follow.random() < 0.3:
            answered = at + follow.randint(1000, max(2000, (end - at) // 3))
            emit("agent-replied", answered, ticket_id=ticket, agent_id="A3")
            if follow.random() < 0.5:
                again = answered + follow.randint(1000, max(2000, (end - answered) // 3))
                emit("customer-replied", again, ticket_id=ticket)


def _statuses(
    emit: Callable[..., None], rng: random.Random, ticket: str, created: int, end: int
) -> None:
    """Some tickets wait on the customer (pending) or on a third party (on hold), once or more,
    and come back to open."""
    if rng.random() < 0.4:
        for _ in range(rng.choice([1, 2, 3])):
            changed = rng.randint(created + 1, max(created + 2, end))
            status = rng.choice(["open", "pending", "on_hold", "on_hold"])
            emit("ticket-updated", changed, ticket_id=ticket, status=status)


def _reopen(
    emit: Callable[..., None], rng: random.Random, ticket: str, resolved: int, end: int
) -> None:
    """A quarter of the resolved tickets are reopened; most of those are resolved again (a
    repeated resolution of a resolved ticket among them)."""
    if rng.random() < 0.25 and resolved + 4000 < end:
        reopened = rng.randint(resolved + 1000, (resolved + end) // 2)
        emit("ticket-reopened", reopened, ticket_id=ticket)
        if rng.random() < 0.7:
            again = rng.randint(reopened + 1000, max(reopened + 2000, end))
            emit("ticket-resolved", min(again, end), ticket_id=ticket, agent_id="A2")
            if rng.random() < 0.3:
                emit("ticket-resolved", end, ticket_id=ticket, agent_id="A1")


def _survey(
    emit: Callable[..., None], rng: random.Random, ticket: str, resolved: int, end: int
) -> None:
    """Most resolved tickets get a survey: sent (by a method; one unknown to the processor)
    before most answers, some sends never answered, some answers naming their method."""
    survey, high_score = rng.choice([("csat", 5), ("nps", 10), ("ces", 7)])
    sent = rng.random() < 0.7
    method = rng.choice(["email", "email", "in_app", "sms", "carrier_pigeon"])
    if sent:
        emit("survey-sent", resolved + 500, ticket_id=ticket, survey=survey, method=method)
    scale = None
    if survey != "nps" and rng.random() < 0.3:  # on the other scale (CSAT 10, CES 5), or named
        scale = rng.choice([{"csat": 10, "ces": 5}[survey], high_score])
    score = rng.randint(0 if survey == "nps" else 1, scale or high_score)
    if rng.random() < (0.8 if sent else 0.5):
        own = rng.choice([None, None, method if sent else "web", "carrier_pigeon"])
        emit(
            "survey-answered",
            min(end, resolved + 1000),
            ticket_id=ticket,
            survey=survey,
            score=score,
            method=own,
            scale=scale,
        )
