"""The Kafka client's CPU per changelog record: sent one by one, or a batch per partition.

    python -m streams.devtools.bench.sends [--records N] [--repeat R]

Against a fresh embedded broker, one aiokafka producer sends N records of ~180 bytes (a ticket
record's size) over 12 partitions, confirming every 1,000 as the worker's commits do: with
``send`` (one delivery future per record) and with ``create_batch``/``send_batch`` (one per
batch, as ``runtime.writes`` does), in turn, R times each. Prints the process CPU time per
record, min/median/max, and the ratio per round (measured in the same run: the machine drifts).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.producer.message_accumulator import BatchBuilder

from streams.devtools import devbroker

PARTITIONS = 12
CONFIRM_EVERY = 1_000
VALUE = os.urandom(90).hex().encode()  # 180 bytes


async def _one_by_one(producer: AIOKafkaProducer, topic: str, records: int) -> None:
    pending = []
    for n in range(records):
        key = b"T-%d" % n
        pending.append(await producer.send(topic, VALUE, key=key, partition=n % PARTITIONS))
        if len(pending) == CONFIRM_EVERY:
            await asyncio.gather(*pending)
            pending.clear()
    await asyncio.gather(*pending)


async def _batched(producer: AIOKafkaProducer, topic: str, records: int) -> None:
    for start in range(0, records, CONFIRM_EVERY):
        pending: list[asyncio.Future[object]] = []
        batches: dict[int, BatchBuilder] = {}
        for n in range(start, min(records, start + CONFIRM_EVERY)):
            partition, key = n % PARTITIONS, b"T-%d" % n
            batch = batches.get(partition)
            if batch is None:
                batch = batches[partition] = producer.create_batch()
            if batch.append(key=key, value=VALUE, timestamp=None) is None:  # full
                pending.append(await producer.send_batch(batch, topic, partition=partition))
                batch = batches[partition] = producer.create_batch()
                batch.append(key=key, value=VALUE, timestamp=None)
        for partition, batch in batches.items():
            pending.append(await producer.send_batch(batch, topic, partition=partition))
        await asyncio.gather(*pending)


Sender = Callable[[AIOKafkaProducer, str, int], Awaitable[None]]
WAYS: dict[str, Sender] = {"one by one": _one_by_one, "batched": _batched}


async def measure(bootstrap: str, records: int, repeat: int) -> dict[str, list[float]]:
    """µs of process CPU per record, per way of sending, ``repeat`` rounds each."""
    run = uuid.uuid4().hex[:8]  # fresh topics, also on a shared broker
    topics = [f"sends-{run}-{n}" for n in range(repeat * len(WAYS))]
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(t, PARTITIONS, 1) for t in topics])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    results: dict[str, list[float]] = {way: [] for way in WAYS}
    try:
        for round_ in range(repeat):
            for index, (way, send) in enumerate(WAYS.items()):
                started = time.process_time()
                await send(producer, topics[round_ * len(WAYS) + index], records)
                results[way].append((time.process_time() - started) / records * 1e6)
    finally:
        await producer.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    port = devbroker.free_port()
    broker = devbroker.start(port)
    try:
        results = asyncio.run(measure(f"127.0.0.1:{port}", args.records, args.repeat))
    finally:
        devbroker.stop(broker)
    print(f"| client CPU per record ({args.records:,} records, µs) | min | median | max |")
    print("|---|---:|---:|---:|")
    for way, values in results.items():
        print(
            f"| {way} | {min(values):.2f} | {statistics.median(values):.2f} | {max(values):.2f} |"
        )
    ratios = [a / b for a, b in zip(results["one by one"], results["batched"], strict=True)]
    print(
        f"| one by one / batched, per round | {min(ratios):.2f} | "
        f"{statistics.median(ratios):.2f} | {max(ratios):.2f} |"
    )


if __name__ == "__main__":
    main()
