"""Corrections for two bugs of the embedded development broker (Tansu); off for Apache Kafka.

This is the one module that knows which broker it talks to: the rest of the runtime asks it
(``install_for``, ``end_offsets``) and gets plain Kafka behaviour unless
``SUPPORTKPI_BROKER_QUIRKS=tansu`` (set by ``supportkpi broker``/``demo`` and the test harness).

1. Tansu answers ListOffsets(latest) with "base offset of the last record batch + 1" instead of
"last offset + 1": after a 1,000-record batch it reports one more than that batch's first offset.
A partition rebuilt from the changelog (``changelog.read_partition``) is read up to that end
offset, so a restart would silently lose the tail of the last batch; Faust's own end-offset
lookups are off by as much.

``true_end_offsets`` fetches from just below the reported end and takes the last record it sees;
``end_offsets`` uses it for the changelog, and ``install()`` for Faust's lookups.

2. Tansu does not end a long-poll fetch when records arrive: it always waits the full
``fetch_max_wait_ms``, which Faust hard-codes to 1,500 ms, so each hop of the pipeline (source
topic, internal topic) adds up to that much to every message's latency. Kafka answers as soon as
``fetch_min_bytes`` are there, so this wait costs it nothing. ``install()`` caps every
consumer's fetch wait at ``FETCH_MAX_WAIT_MS``.

3. Tansu keeps listing a consumer group's members after they leave (LeaveGroup) or die, until a
rebalance replaces them, so DescribeGroups cannot tell a stopped deployment from a running one.
Nothing can correct that from a client: ``lists_departed_members`` tells ``repartition`` to skip
its "old workers still running" check (it says so) rather than refuse forever.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from streams.config import Settings
from streams.runtime.patching import require, require_attributes

log = logging.getLogger(__name__)
_installed = False
FETCH_MAX_WAIT_MS = 100
BROKER = "tansu"  # the value of SUPPORTKPI_BROKER_QUIRKS that turns these corrections on


def install_for(settings: Settings) -> None:
    """Install the corrections if ``settings`` name Tansu as the broker; else nothing."""
    if settings.broker_quirks == BROKER:
        install(settings.bootstrap_servers)


def lists_departed_members(settings: Settings) -> bool:
    """Whether the broker reports members that have left their group (Tansu: bug 3)."""
    return settings.broker_quirks == BROKER


async def end_offsets(
    settings: Settings, consumer: AIOKafkaConsumer, tps: Sequence[TopicPartition]
) -> dict[TopicPartition, int]:
    """The end offset of each of ``tps``, as ``consumer`` reports it (corrected on Tansu)."""
    reported = await consumer.end_offsets(list(tps))
    if settings.broker_quirks != BROKER:
        return dict(reported)
    return await true_end_offsets(settings.bootstrap_servers, reported)


async def true_end_offsets(bootstrap_servers: str, reported: Mapping[Any, int]) -> dict[Any, int]:
    """End offsets corrected by reading the last batch of each non-empty partition."""
    result = dict(reported)
    probe = {tp: end for tp, end in reported.items() if end}
    if not probe:
        return result
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        enable_auto_commit=False,
        fetch_max_wait_ms=50,
        group_id=None,
    )
    await consumer.start()
    try:
        tps = {TopicPartition(tp.topic, tp.partition): tp for tp in probe}
        consumer.assign(list(tps))
        for tp, original in tps.items():
            consumer.seek(tp, probe[original] - 1)
        pending = set(tps)
        for _ in range(20):  # bounded: the last batch comes back in one or two fetches
            if not pending:
                break
            batches = await consumer.getmany(*pending, timeout_ms=100)
            for tp, records in batches.items():
                if records:
                    original = tps[tp]
                    result[original] = max(result[original], records[-1].offset + 1)
                    pending.discard(tp)
    finally:
        await consumer.stop()
    return result


def install(bootstrap_servers: str) -> None:
    """Correct Faust's end offsets and fetch wait (idempotent; refuses unverified versions)."""
    global _installed
    if _installed:
        return
    patch = "streams.runtime.tansu_quirks: AIOKafkaConsumerThread._highwaters"
    require("faust-streaming", {"0.15.3"}, patch)
    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

    require_attributes(AIOKafkaConsumerThread, ["_highwaters"], patch)
    require("aiokafka", {"0.14.0"}, "streams.runtime.tansu_quirks: AIOKafkaConsumer.__init__")
    original = AIOKafkaConsumerThread._highwaters

    async def _highwaters(self: AIOKafkaConsumerThread, partitions: Any) -> Mapping[Any, int]:
        reported = await original(self, partitions)
        corrected = await true_end_offsets(bootstrap_servers, reported)
        if corrected != dict(reported):
            log.info(
                "tansu end offsets corrected: %s",
                {
                    f"{tp.topic}[{tp.partition}]": (reported[tp], corrected[tp])
                    for tp in corrected
                    if corrected[tp] != reported[tp]
                },
            )
        return corrected

    AIOKafkaConsumerThread._highwaters = _highwaters  # type: ignore[method-assign]

    original_init = AIOKafkaConsumer.__init__

    def __init__(self: AIOKafkaConsumer, *topics: str, **options: Any) -> None:
        wait = options.get("fetch_max_wait_ms", 500)
        options["fetch_max_wait_ms"] = min(wait, FETCH_MAX_WAIT_MS)
        original_init(self, *topics, **options)

    AIOKafkaConsumer.__init__ = __init__
    _installed = True
