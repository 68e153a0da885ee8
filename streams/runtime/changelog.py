"""The changelogs: compacted topics, one key per ticket (and one per customer, in the
customers' own changelog), read back by the partition's owner.

The agent writes it directly (``writes.Writes.persist``) and a partition is rebuilt by reading
it here, from the beginning to its true end (``ownership``). It is not a Faust Table: Faust
would recover its own copy of every record first, on every restart, and that copy would never
be used, since records live in ``PartitionState``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import NamedTuple

from aiokafka import AIOKafkaConsumer, TopicPartition

from streams.config import Settings
from streams.runtime import security, tansu_quirks
from streams.runtime.aiokafka_fixes import UndecodableRecord

log = logging.getLogger(__name__)


class Changelogs(NamedTuple):
    """The latest value of every key of one partition, per changelog (None: a tombstone, in a
    tail only: a read from the beginning leaves deleted keys out), and the ends read to."""

    tickets: dict[bytes, bytes | None]
    customers: dict[bytes, bytes | None]
    ends: tuple[int, int]  # (tickets, customers): the offsets after the last record read


class OutOfRange(Exception):
    """The changelog no longer holds the offset a tail was to be read from (a new topic, or
    records deleted): only a read from the beginning is exact."""


async def read_changelogs(
    settings: Settings,
    partition: int,
    progress: Callable[[int], None] = lambda quarantined: None,
    since: tuple[int, int] | None = None,
) -> Changelogs:
    """Both changelogs of one partition: whole, or their tails from the offsets ``since`` on
    (see ``read_partition``)."""
    tickets, tickets_end = await read_partition(
        settings, partition, progress, start=None if since is None else since[0]
    )
    customers, customers_end = await read_partition(
        settings,
        partition,
        progress,
        settings.customers_changelog_topic,
        None if since is None else since[1],
    )
    return Changelogs(tickets, customers, (tickets_end, customers_end))


async def read_partition(
    settings: Settings,
    partition: int,
    progress: Callable[[int], None] = lambda quarantined: None,
    topic: str | None = None,
    start: int | None = None,
) -> tuple[dict[bytes, bytes | None], int]:
    """Latest value of every key in one changelog partition, and the end read to. Read whole
    (``start`` None), tombstones remove keys; in a tail from offset ``start`` on, they stay, as
    None, to remove what a snapshot holds. Raises ``OutOfRange`` if the partition no longer
    holds ``start``.

    ``progress(quarantined)`` is called after every fetch with the number of records skipped
    since the last call: a keyless record, or an offset whose batch cannot be decoded (logged,
    and counted by the caller), never stops a rebuild.
    """
    tp = TopicPartition(topic or settings.changelog_topic, partition)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers,
        enable_auto_commit=False,
        group_id=None,
        max_partition_fetch_bytes=8 * 1024 * 1024,
        **security.client_options(settings),
    )
    await consumer.start()
    try:
        consumer.assign([tp])
        end = (await tansu_quirks.end_offsets(settings, consumer, [tp]))[tp]
        if start is not None:
            first = (await consumer.beginning_offsets([tp]))[tp]
            if not first <= start <= end:
                raise OutOfRange(f"{tp} holds offsets {first} to {end}, not {start}")
            consumer.seek(tp, start)
        else:
            await consumer.seek_to_beginning(tp)
        records: dict[bytes, bytes | None] = {}
        while await consumer.position(tp) < end:
            skipped = 0
            try:
                batches = await consumer.getmany(tp, timeout_ms=1000, max_records=20_000)
            except UndecodableRecord as exc:
                log.error("changelog %s: %s; quarantined", tp, exc)
                consumer.seek(tp, exc.offset + 1)
                progress(1)
                continue
            for record in batches.get(tp, []):
                if record.key is None:
                    skipped += 1
                elif record.value is None:
                    if start is not None:
                        records[record.key] = None
                    else:
                        records.pop(record.key, None)
                else:
                    records[record.key] = record.value
            if skipped:
                log.error("changelog %s: %d records without a key quarantined", tp, skipped)
            progress(skipped)
        return records, end
    finally:
        await consumer.stop()
