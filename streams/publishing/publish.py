"""Publishing events from other services: typed builders, validation, a safe-to-retry sender.

Importable on its own (no Faust). Every builder validates with the processor's own decoder (the
same rules as the JSON Schemas in ``schemas/``), fills in ``event_id`` and ``occurred_at``, and
keys by ``ticket_id``. Retrying a send reuses the event, hence its ``event_id``, so a retry that
duplicates a message is counted once by the processor.

    from streams.publish import Publisher, ticket_created  # the public path (an alias of this)
    with Publisher.connect("localhost:9092") as publisher:
        publisher.send(ticket_created("ZD-1", channel="email", priority="high"))
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson

from streams.domain.events import InvalidEvent, Kind, decode
from streams.publishing import batching

T = TypeVar("T")


@dataclass(frozen=True)
class OutgoingEvent:
    """A validated event ready to send: its kind (topic), key and JSON payload."""

    kind: Kind
    payload: dict[str, Any]

    @property
    def key(self) -> bytes | None:
        ticket = self.payload.get("ticket_id")
        return str(ticket).encode() if ticket else None

    @property
    def value(self) -> bytes:
        return orjson.dumps(self.payload)


def make_event(
    kind: Kind | str, fields: dict[str, Any], *, none_is_absent: bool = True
) -> OutgoingEvent:
    """Validate ``fields`` as an event of ``kind``, adding ``event_id``/``occurred_at`` if absent.

    Raises ``InvalidEvent`` with the same reason the processor would give. The typed helpers
    pass None for "not given"; raw JSON (``none_is_absent=False``) keeps a null to reject it.
    """
    kind = Kind(kind)
    payload = {
        k: v for k, v in fields.items() if k != "type" and not (none_is_absent and v is None)
    }
    if "event_id" not in payload:
        payload["event_id"] = str(uuid.uuid4())
    occurred = payload["occurred_at"] if "occurred_at" in payload else datetime.now(UTC)
    if isinstance(occurred, datetime):
        if occurred.tzinfo is None:
            raise InvalidEvent("occurred_at must be timezone-aware")
        occurred = occurred.isoformat(timespec="milliseconds")
    payload["occurred_at"] = occurred
    decode(orjson.dumps(payload), kind)
    return OutgoingEvent(kind, payload)


def ticket_created(
    ticket_id: str,
    *,
    channel: str,
    priority: str,
    team: str | None = None,
    category: str | None = None,
    customer_id: str | None = None,
    **extra: Any,
) -> OutgoingEvent:
    return make_event(
        Kind.CREATED,
        {
            "ticket_id": ticket_id,
            "channel": channel,
            "priority": priority,
            "team": team,
            "category": category,
            "customer_id": customer_id,
            **extra,
        },
    )


def agent_replied(
    ticket_id: str, *, agent_id: str, public: bool = True, author: str = "human", **extra: Any
) -> OutgoingEvent:
    return make_event(
        Kind.REPLIED,
        {"ticket_id": ticket_id, "agent_id": agent_id, "public": public, "author": author, **extra},
    )


def customer_replied(ticket_id: str, **extra: Any) -> OutgoingEvent:
    return make_event(Kind.CUSTOMER_REPLIED, {"ticket_id": ticket_id, **extra})


def ticket_updated(
    ticket_id: str,
    *,
    status: str | None = None,
    priority: str | None = None,
    team: str | None = None,
    category: str | None = None,
    **extra: Any,
) -> OutgoingEvent:
    return make_event(
        Kind.UPDATED,
        {
            "ticket_id": ticket_id,
            "status": status,
            "priority": priority,
            "team": team,
            "category": category,
            **extra,
        },
    )


def ticket_resolved(
    ticket_id: str,
    *,
    agent_id: str | None = None,
    resolved_by: str | None = None,
    **extra: Any,
) -> OutgoingEvent:
    """``resolved_by``: human, bot, automation or customer (optional)."""
    fields = {"ticket_id": ticket_id, "agent_id": agent_id, "resolved_by": resolved_by}
    return make_event(Kind.RESOLVED, {**fields, **extra})


def ticket_reopened(ticket_id: str, **extra: Any) -> OutgoingEvent:
    return make_event(Kind.REOPENED, {"ticket_id": ticket_id, **extra})


def survey_answered(
    survey: str,
    score: int,
    *,
    ticket_id: str | None = None,
    customer_id: str | None = None,
    channel: str | None = None,
    method: str | None = None,
    scale: int | None = None,
    **extra: Any,
) -> OutgoingEvent:
    """An answer; without ``method`` the processor takes the matching ``survey_sent``'s;
    ``scale``: CSAT 5 or 10, CES 7 or 5 (None: the survey's default)."""
    return make_event(
        Kind.SURVEY,
        {
            "survey": survey,
            "score": score,
            "ticket_id": ticket_id,
            "customer_id": customer_id,
            "channel": channel,
            "method": method,
            "scale": scale,
            **extra,
        },
    )


def survey_sent(
    survey: str,
    *,
    method: str,
    ticket_id: str | None = None,
    customer_id: str | None = None,
    **extra: Any,
) -> OutgoingEvent:
    """A survey sent by ``method`` (email, sms, in_app, phone, social, web, chat; else other)."""
    return make_event(
        Kind.SURVEY_SENT,
        {
            "survey": survey,
            "method": method,
            "ticket_id": ticket_id,
            "customer_id": customer_id,
            **extra,
        },
    )


class AsyncPublisher:
    """aiokafka producer that sends validated events to ``prefix + topic``, keyed by ticket."""

    def __init__(
        self,
        bootstrap_servers: str,
        topic_prefix: str = "",
        retries: int = 5,
        **client_options: Any,
    ) -> None:
        from aiokafka import AIOKafkaProducer

        self.topic_prefix = topic_prefix
        self.retries = retries
        options = {"max_batch_size": batching.BATCH_BYTES, "linger_ms": 5, **client_options}
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers, acks="all", **options
        )

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def send(self, event: OutgoingEvent) -> None:
        """Send and wait for the broker's acknowledgement; retry with the same event_id."""
        from aiokafka.errors import KafkaError

        for attempt in range(self.retries + 1):
            try:
                await self._producer.send_and_wait(
                    self.topic_prefix + event.kind.value, event.value, key=event.key
                )
                return
            except KafkaError:
                if attempt == self.retries:
                    raise
                await asyncio.sleep(min(2.0, 0.1 * 2**attempt))

    async def send_many(self, events: Iterable[OutgoingEvent]) -> int:
        """Send ``events`` one by one and wait until the broker has them all (concurrent
        callers, such as ingest's requests, then share the client's batches)."""
        futures = [
            await self._producer.send(self.topic_prefix + e.kind.value, e.value, key=e.key)
            for e in events
        ]
        await asyncio.gather(*futures)
        return len(futures)

    async def enqueue(self, events: Iterable[OutgoingEvent]) -> asyncio.Future[Any]:
        """``batching.enqueue`` on this publisher's client (a single sender of many: replay)."""
        return await batching.enqueue(self._producer, self.topic_prefix, events)

    async def __aenter__(self) -> AsyncPublisher:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


class Publisher:
    """The synchronous face of ``AsyncPublisher`` (runs it on a private event-loop thread)."""

    def __init__(
        self, inner: AsyncPublisher, loop: asyncio.AbstractEventLoop, thread: threading.Thread
    ) -> None:
        self._inner, self._loop, self._thread = inner, loop, thread

    @classmethod
    def connect(cls, bootstrap_servers: str, topic_prefix: str = "", **options: Any) -> Publisher:
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="supportkpi-publisher", daemon=True)
        thread.start()

        async def make() -> AsyncPublisher:
            inner = AsyncPublisher(bootstrap_servers, topic_prefix, **options)
            await inner.start()
            return inner

        inner = asyncio.run_coroutine_threadsafe(make(), loop).result(timeout=60)
        return cls(inner, loop, thread)

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def send(self, event: OutgoingEvent) -> None:
        self._run(self._inner.send(event))

    def send_many(self, events: Iterable[OutgoingEvent]) -> int:
        return self._run(self._inner.send_many(list(events)))

    def close(self) -> None:
        self._run(self._inner.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
