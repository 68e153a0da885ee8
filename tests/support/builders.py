"""What the tests build again and again, built in one place: the clock, partition states, events
as the processor sees them and as publishers send them, settings, and the fakes of Kafka pieces.

A change to a constructor is then made here once. ``tests/unit/test_test_helpers.py`` fails when a
helper is defined a second time under tests/.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import orjson
from aiokafka.structs import ConsumerRecord

from streams.config import Settings
from streams.domain.contributions import KpiModel
from streams.domain.events import Event, InvalidEvent, Kind, decode
from streams.domain.labels import CategoryLabels, LabelPolicy, TeamLabels
from streams.domain.partition import Horizons, PartitionState
from streams.domain.record_store import HOT_RECORDS
from streams.domain.sla.clocks import Clock
from streams.domain.ticket import MAX_TICKET_EVENTS, TicketRecord
from streams.domain.windows import SlidingWindows
from tests.support.trace import Message, rfc3339

T = TypeVar("T")

S, M, H, D = 1000, 60_000, 3_600_000, 86_400_000  # a second, minute, hour and day in ms
NOW = 1000 * H  # the fixed clock of the in-process tests: on a whole hour, so on every step
WINDOWS: Mapping[str, int] = {"1h": H, "24h": D, "7d": 7 * D, "30d": 30 * D}  # the default windows
LARGEST_WINDOW = max(WINDOWS.values())  # with the grace, how long a closed ticket is kept


def wall_clock_ms() -> int:
    """Now, for tests whose events go through a worker that runs on the wall clock."""
    return int(time.time() * 1000)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on a fresh loop; a hang fails after a minute instead of blocking the suite."""
    return asyncio.run(asyncio.wait_for(coro, timeout=60))


# -- state ------------------------------------------------------------------------------------


def partition_state(
    windows: Mapping[str, int] = WINDOWS,
    *,
    model: KpiModel | None = None,
    now_ms: int = NOW,
    horizons: Horizons | None = None,
    labels: LabelPolicy | None = None,
    teams: TeamLabels | None = None,
    max_ticket_events: int = MAX_TICKET_EVENTS,
    categories: CategoryLabels | None = None,
    hot_records: int = HOT_RECORDS,
) -> PartitionState:
    """A partition's state built as the worker builds it, with the defaults unless given."""
    return PartitionState(
        model or KpiModel(),
        SlidingWindows(windows),
        labels or LabelPolicy(),
        horizons or Horizons(),
        now_ms,
        teams,
        max_ticket_events,
        categories,
        hot_records=hot_records,
    )


def spread_over_partitions(
    messages: list[Message], model: KpiModel, now_ms: int, partitions: int = 2
) -> list[PartitionState]:
    """The valid ``messages`` decoded and applied to ``partitions`` states, each ticket to one
    of them (by a hash of its key), as the router spreads them over a worker's partitions."""
    import zlib

    states = [partition_state(model=model, now_ms=now_ms) for _ in range(partitions)]
    for message in messages:
        try:
            event = decode(message.value, Kind(message.topic))
        except InvalidEvent:
            continue
        states[zlib.crc32(event.record_key.encode()) % partitions].apply(event)
    return states


def totals(state: PartitionState, window: str = "1h") -> dict[Any, int]:
    """What ``state`` counts in ``window``, a copy to compare."""
    return dict(state.windows.totals()[window])


def worker_settings(data_dir: Path, **env: str) -> Settings:
    """A worker's settings as its environment gives them (``env``: ``SUPPORTKPI_*`` without the
    prefix), writing under ``data_dir`` and with no SLA policy unless one is given."""
    return Settings.from_env(
        {
            "SUPPORTKPI_DATA_DIR": str(data_dir),
            "SUPPORTKPI_SLA_POLICY": "",
            **{f"SUPPORTKPI_{k.upper()}": v for k, v in env.items()},
        }
    )


# -- events as the processor sees them (decoded) ---------------------------------------------


def created(
    ticket: str = "T",
    at: int = NOW - 5 * H,
    event_id: str | None = None,
    *,
    channel: str = "email",
    priority: str = "high",
    **fields: Any,
) -> Event:
    """A decoded ticket-created; its id is ``c-<ticket>`` unless given, so calling it again for
    the same ticket makes a redelivery. ``fields``: team, category, status."""
    eid = event_id or f"c-{ticket}"
    return Event(Kind.CREATED, eid, at, ticket, channel=channel, priority=priority, **fields)


def replied(ticket: str, at: int, event_id: str, counts: bool = True) -> Event:
    """A decoded agent reply; ``counts``: a public reply by a human, the only one that counts."""
    return Event(Kind.REPLIED, event_id, at, ticket, counts_as_response=counts)


def resolved(ticket: str, at: int, event_id: str | None = None) -> Event:
    """A decoded ticket-resolved; its id is ``r-<ticket>`` unless given."""
    return Event(Kind.RESOLVED, event_id or f"r-{ticket}", at, ticket)


def survey(event_id: str, at: int, ticket: str | None = None, score: int = 5) -> Event:
    """A decoded CSAT answer, for ``ticket`` or for none (surveys may come without one)."""
    return Event(Kind.SURVEY, event_id, at, ticket, survey="csat", score=score)


# -- events as publishers send them (JSON documents) -----------------------------------------


def payload(
    ticket: str | None, at_ms: int, event_id: str | None = None, **fields: object
) -> dict[str, object]:
    """The document a publisher sends for any topic: a fresh event id unless given, the time
    in RFC 3339; ``fields`` are the topic's own."""
    doc: dict[str, object] = {"event_id": event_id or str(uuid.uuid4())}
    if ticket is not None:
        doc["ticket_id"] = ticket
    doc["occurred_at"] = rfc3339(at_ms)
    return {**doc, **fields}


def created_payload(
    ticket: str,
    at_ms: int,
    event_id: str | None = None,
    *,
    channel: str = "email",
    priority: str = "high",
    **fields: object,
) -> dict[str, object]:
    """A ticket-created document (``fields``: team, category, customer_id, ...)."""
    return payload(ticket, at_ms, event_id, channel=channel, priority=priority, **fields)


def replied_payload(
    ticket: str, at_ms: int, event_id: str | None = None, *, agent_id: str = "a1", **fields: object
) -> dict[str, object]:
    """An agent-replied document (``fields``: public, author)."""
    return payload(ticket, at_ms, event_id, agent_id=agent_id, **fields)


def ingest_created(ticket: str, at_ms: int | None = None, **fields: object) -> dict[str, object]:
    """A ticket-created item of an HTTP ingest body: typed, no event id (the server derives
    one), and no time unless ``at_ms`` is given (the server fills it in)."""
    item: dict[str, object] = {
        "type": "ticket-created",
        "ticket_id": ticket,
        "channel": "web",
        "priority": "normal",
    }
    if at_ms is not None:
        item["occurred_at"] = rfc3339(at_ms)
    return {**item, **fields}


def message(kind: Kind, doc: dict[str, object], key: bytes | None = None) -> Message:
    """``doc`` as published on ``kind``'s default topic."""
    return Message(kind.value, key, orjson.dumps(doc))


def consumer_record(
    topic: str,
    offset: int,
    value: bytes | dict[str, object] | None,
    key: bytes | None = None,
    partition: int = 0,
) -> ConsumerRecord[Any, Any]:
    """What aiokafka hands the router for one message; a document ``value`` is sent as JSON."""
    raw = orjson.dumps(value) if isinstance(value, dict) else value
    size = len(raw or b"")
    return ConsumerRecord(topic, partition, offset, 0, 0, key, raw, None, 0, size, [])


# -- fakes ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ExplodingModel(KpiModel):
    """A model with a bug (a calendar's, say): evaluating a record whose category is ``boom``
    raises ``error(message)``; every other record is evaluated as usual."""

    error: type[Exception] = ValueError
    message: str = "year 0 is out of range"

    def clocks(self, record: TicketRecord) -> list[Clock]:
        if record.category == "boom":
            raise self.error(self.message)
        return super().clocks(record)


@dataclass
class FakeConsumer:
    """A Kafka consumer without a broker: it records commits (in ``log``, shared with other fakes
    to show the order) and seeks, and answers positions and highwaters from what a test set."""

    log: list[tuple[str, Any]] = field(default_factory=list)
    positions: dict[tuple[str, int], int] = field(default_factory=dict)
    highwaters: dict[tuple[str, int], int] = field(default_factory=dict)
    seeks: list[tuple[tuple[str, int], int]] = field(default_factory=list)
    flow_active: bool = True

    async def commit(self, offsets: dict[Any, int]) -> None:
        self.log.append(("commit", offsets))

    def highwater(self, tp: tuple[str, int]) -> int | None:
        return self.highwaters.get(tp)

    async def seek(self, tp: tuple[str, int], offset: int) -> None:
        self.seeks.append((tp, offset))

    async def position(self, tp: tuple[str, int]) -> int:
        return self.positions[tp]
