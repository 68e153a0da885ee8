"""Handing many events to the Kafka client a batch per partition, not one call per event
(for a single sender of many events, such as replay).

aiokafka's ``send`` costs ~11 µs of client work per record on this machine, a record appended
to a batch ~3 µs (``python -m streams.devtools.bench.sends``). The partition is the one the
client's default partitioner would pick (Kafka's murmur2 of the key, a random one for no key),
so a batched send lands where a one-by-one send would.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

from streams.domain.events import Kind
from streams.runtime.partitioning import partition_for

if TYPE_CHECKING:
    from aiokafka import AIOKafkaProducer

#: a publisher's batch per partition up to this size (the client's default is 16 KiB, ~50
#: events; a handful of replay's 5,000 events then needs fewer batches)
BATCH_BYTES = 262_144


class Sendable(Protocol):
    """An event as ``publish.OutgoingEvent`` holds it: its kind names the topic."""

    @property
    def kind(self) -> Kind: ...

    @property
    def key(self) -> bytes | None: ...

    @property
    def value(self) -> bytes: ...


async def enqueue(
    producer: AIOKafkaProducer, topic_prefix: str, events: Iterable[Sendable]
) -> asyncio.Future[Any]:
    """Hand ``events`` to ``producer``; the returned future is done once the broker has
    acknowledged every one (it fails with the first error). Calls may overlap: within a
    partition the client sends batches in the order they were handed to it."""
    per_partition: dict[tuple[str, int], list[tuple[bytes | None, bytes]]] = {}
    partitions: dict[str, int] = {}
    for event in events:
        topic = topic_prefix + event.kind.value
        count = partitions.get(topic)
        if count is None:
            count = partitions[topic] = len(await producer.partitions_for(topic))
        key = event.key
        partition = partition_for(key, count) if key is not None else random.randrange(count)
        per_partition.setdefault((topic, partition), []).append((key, event.value))
    acks: list[asyncio.Future[Any]] = []
    try:
        for (topic, partition), records in per_partition.items():
            batch = producer.create_batch()
            for key, value in records:
                if batch.append(key=key, value=value, timestamp=None) is None:  # full
                    acks.append(await producer.send_batch(batch, topic, partition=partition))
                    batch = producer.create_batch()
                    batch.append(key=key, value=value, timestamp=None)  # a fresh one takes any
            acks.append(await producer.send_batch(batch, topic, partition=partition))
    except BaseException:  # the caller sends the whole handful again: these outcomes are moot
        for ack in acks:
            ack.add_done_callback(ignore_outcome)
        raise
    return asyncio.gather(*acks)


def ignore_outcome(future: asyncio.Future[Any]) -> None:
    """Retrieve a future's exception nobody will await (no "never retrieved" warning)."""
    if not future.cancelled():
        future.exception()
