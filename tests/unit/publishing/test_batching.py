"""Batched sends: each event lands where aiokafka's own partitioner would put it, in order, in
as many batches as it takes, and one refusal fails the whole handful."""

from __future__ import annotations

import asyncio
import gc

import pytest
from aiokafka.partitioner import DefaultPartitioner

from streams.publishing import batching
from streams.publishing.publish import customer_replied, survey_answered
from streams.runtime.partitioning import partition_for
from tests.support.producers import AIOKafkaProducer, Sent

PARTITIONS = 12


class PartitionedProducer(AIOKafkaProducer):
    """The fake producer, with the topic metadata the batched send asks for."""

    async def partitions_for(self, topic: str) -> set[int]:
        return set(range(PARTITIONS))


def test_events_land_on_the_default_partitioners_choice_in_order() -> None:
    events = [customer_replied(f"T-{n % 37}", event_id=f"e{n}") for n in range(400)]
    producer = PartitionedProducer()

    async def send() -> None:
        await (await batching.enqueue(producer, "p-", events))

    asyncio.run(send())
    sent = producer.sent("p-customer-replied")
    assert sorted(s.value or b"" for s in sent) == sorted(e.value for e in events)
    choose = DefaultPartitioner()
    for one in sent:
        assert one.partition == choose(one.key, list(range(PARTITIONS)), [])
    per_ticket: dict[bytes | None, list[bytes | None]] = {}
    for one in sent:
        per_ticket.setdefault(one.key, []).append(one.value)
    for key, values in per_ticket.items():
        assert values == [e.value for e in events if e.key == key]  # a ticket keeps its order
    # the fake's batches hold four records: the client got more than one batch per partition
    assert len(producer.futures) > PARTITIONS


def test_an_event_without_a_key_goes_to_some_partition() -> None:
    producer = PartitionedProducer()

    async def send() -> None:
        await (await batching.enqueue(producer, "", [survey_answered("nps", 9)] * 20))

    asyncio.run(send())
    assert {s.partition for s in producer.sent("survey-answered")} <= set(range(PARTITIONS))
    assert len(producer.sent("survey-answered")) == 20


def test_one_refused_record_fails_the_handful() -> None:
    def refuse(sent: Sent) -> Exception | None:
        return ValueError("too large") if sent.key == b"T-3" else None

    producer = PartitionedProducer(refuse=refuse)
    events = [customer_replied(f"T-{n}") for n in range(10)]

    async def send() -> None:
        await (await batching.enqueue(producer, "", events))

    with pytest.raises(ValueError, match="too large"):
        asyncio.run(send())


def test_a_send_refused_part_way_raises_and_leaves_no_unretrieved_outcome() -> None:
    """The caller sends the whole handful again; the batches already handed over must not
    log "exception was never retrieved" when they fail later."""

    first = [customer_replied(f"T-{n}") for n in range(4)]
    taken = {partition_for(e.key or b"", PARTITIONS) for e in first}
    last = next(  # a ticket on a partition of its own, so its batch is handed over last
        customer_replied(f"U-{n}")
        for n in range(100)
        if partition_for(f"U-{n}".encode(), PARTITIONS) not in taken
    )

    def refuse_later(sent: Sent) -> Exception | None:
        return ValueError("broker refused")

    def refuse_now(sent: Sent) -> Exception | None:
        return RuntimeError("no room") if sent.key == last.key else None

    producer = PartitionedProducer(refuse=refuse_later, refuse_now=refuse_now)
    events = [*first, last]
    unretrieved: list[dict] = []

    async def send() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda _, ctx: unretrieved.append(ctx))
        with pytest.raises(RuntimeError, match="no room"):
            await batching.enqueue(producer, "", events)
        await asyncio.sleep(0.01)  # the handed-over batches settle, one of them refused
        # batches were handed over before the refusal, and have failed since (every record is
        # refused later): asserted without retrieving their exceptions
        assert producer.futures and all(f.done() for f in producer.futures)
        producer.futures.clear()
        gc.collect()  # an unretrieved exception is reported when its future is collected

    asyncio.run(send())
    assert unretrieved == []
