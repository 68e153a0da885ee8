"""The embedded broker's end-offset bug, and the correction that is on only for it."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from streams.runtime.tansu_quirks import true_end_offsets
from tests.support.processes import Broker

pytestmark = pytest.mark.e2e


async def _one_batch_then_end_offsets(bootstrap: str, records: int) -> tuple[int, int]:
    topic = f"quirk-{uuid.uuid4().hex[:8]}"
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=200)
    await producer.start()
    try:
        batch = producer.create_batch()
        for n in range(records):
            assert batch.append(key=None, value=b"x%d" % n, timestamp=None) is not None
        await (await producer.send_batch(batch, topic, partition=0))
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        tp = TopicPartition(topic, 0)
        reported = (await consumer.end_offsets([tp]))[tp]
    finally:
        await consumer.stop()
    corrected = (await true_end_offsets(bootstrap, {tp: reported}))[tp]
    return reported, corrected


def test_reported_end_offset_is_wrong_after_a_batch_and_the_correction_fixes_it(
        broker: Broker) -> None:
    reported, corrected = asyncio.run(_one_batch_then_end_offsets(broker.bootstrap, 100))
    # Apache Kafka would report 100 here; Tansu reports "base offset of last batch + 1".
    assert reported == 1, f"Tansu's bug seems fixed (reported {reported}); drop the quirk?"
    assert corrected == 100
