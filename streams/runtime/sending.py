"""Sending a batch of messages with the Kafka client and telling refusals from outages."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, Protocol

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError, KafkaTimeoutError

from streams.config import Settings
from streams.runtime import patching, security


class Producer(Protocol):
    """Faust's producer, as the agent uses it."""

    async def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        partition: int | None,
        timestamp: float | None,
        headers: Any,
    ) -> Any: ...

    async def flush(self) -> None: ...


class RecordBatch(Protocol):
    """aiokafka's ``BatchBuilder``: records of one partition, sent as one."""

    def append(self, *, timestamp: float | None, key: bytes, value: bytes | None) -> Any:
        """None once the batch is full (a fresh batch takes any one record)."""
        ...


class BatchProducer(Protocol):
    """The Kafka client under Faust's producer (``sending.kafka_client_of``): changelog
    records go to it a batch at a time, one delivery future per batch, not one per record
    (~11 µs of client work per record sent one by one, ~3 µs in batches, on Tansu)."""

    def create_batch(self) -> RecordBatch: ...

    async def send_batch(self, batch: Any, topic: str, *, partition: int) -> Any: ...


# what a Kafka record adds to its value and key in a batch of one (headers, varints, batch
# header): a packed message or dead letter is kept this much below the broker's limit
RECORD_OVERHEAD = 1024


class Outgoing(NamedTuple):
    """One message to send (``partition`` None: the client's partitioner picks it)."""

    topic: str
    key: bytes
    value: bytes | None
    partition: int | None
    headers: list[tuple[str, bytes]] | None


def producer_for(settings: Settings, linger_ms: int) -> AIOKafkaProducer:
    """A producer of the worker's own messages (the router's, a repartition's): every write
    acknowledged by all replicas, batches and requests up to the broker's message limit, the
    configured codec and security."""
    return AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_servers,
        acks="all",
        linger_ms=linger_ms,
        max_batch_size=settings.max_message_bytes,
        max_request_size=settings.max_message_bytes,
        compression_type=settings.producer_compression,
        **security.client_options(settings),
    )


def kafka_client_of(faust_producer: Any) -> Callable[[], AIOKafkaProducer]:
    """The aiokafka client under Faust's producer, for sends Faust has no call for (batches).

    Faust creates the client when its producer starts; before that, and while it restarts,
    the call raises Faust's ``NotReady``, as Faust's own ``send`` would.
    """
    patching.require("faust-streaming", ("0.15.3",), "changelog batches (Producer._producer)")
    patching.require_attributes(faust_producer, ("_ensure_producer",), "changelog batches")
    ensure: Callable[[], AIOKafkaProducer] = faust_producer._ensure_producer
    return ensure


def is_retriable(exc: BaseException) -> bool:
    """Whether sending again may succeed (the broker is away or busy), as opposed to a refusal
    that every retry would meet again (too large, invalid, not authorised). aiokafka's
    ``KafkaTimeoutError`` (no room in the send buffer while the broker is away) is retriable,
    as in the Java client, though aiokafka does not mark it so."""
    return isinstance(exc, KafkaTimeoutError) or (
        isinstance(exc, KafkaError) and bool(getattr(exc, "retriable", False))
    )


async def send_all(
    producer: AIOKafkaProducer, messages: Sequence[Outgoing]
) -> list[Exception | None]:
    """Send ``messages`` and wait for every acknowledgement; per message, the refusal or None.

    An error a retry may fix is raised (the caller reads the batch again, dedupe absorbs what
    was sent); a refusal that no retry fixes (too large, say) is returned, never retried.
    """
    futures: list[asyncio.Future[Any] | Exception] = []
    for topic, key, value, partition, headers in messages:
        try:
            futures.append(
                await producer.send(topic, value, key=key, partition=partition, headers=headers)
            )
        except Exception as exc:  # refused before sending (e.g. larger than max_request_size)
            if is_retriable(exc):
                raise
            futures.append(exc)
    results = await asyncio.gather(
        *(f for f in futures if not isinstance(f, Exception)), return_exceptions=True
    )
    acks = iter(results)
    out: list[Exception | None] = []
    for future in futures:
        result = future if isinstance(future, Exception) else next(acks)
        if isinstance(result, BaseException):
            if isinstance(result, asyncio.CancelledError):
                raise result
            if is_retriable(result):
                raise result
            out.append(result if isinstance(result, Exception) else RuntimeError(repr(result)))
        else:
            out.append(None)
    return out
