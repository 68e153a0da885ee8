"""The ticket-record changelog: a compacted topic, one key per ticket, read back by its owner.

The processor writes it directly (``Processor._persist``) and rebuilds a partition by reading it
here, from the beginning to its true end. It is not a Faust Table: Faust would recover its own
copy of every record first (measured: ~24 s per 100,000 records, three quarters of a restart),
and that copy was never used, since records live in ``PartitionState``.
"""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, TopicPartition

from streams.config import Settings
from streams.runtime import security, tansu_quirks


async def read_partition(settings: Settings, partition: int) -> dict[bytes, bytes]:
    """Latest value of every live key in one changelog partition (tombstones remove keys)."""
    tp = TopicPartition(settings.changelog_topic, partition)
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers,
                                enable_auto_commit=False, group_id=None,
                                max_partition_fetch_bytes=8 * 1024 * 1024,
                                **security.client_options(settings))
    await consumer.start()
    try:
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        end = (await consumer.end_offsets([tp]))[tp]
        if settings.broker_quirks == "tansu":
            end = (await tansu_quirks.true_end_offsets(settings.bootstrap_servers, {tp: end}))[tp]
        records: dict[bytes, bytes] = {}
        while await consumer.position(tp) < end:
            batches = await consumer.getmany(tp, timeout_ms=1000, max_records=20_000)
            for record in batches.get(tp, []):
                assert record.key is not None
                if record.value is None:
                    records.pop(record.key, None)
                else:
                    records[record.key] = record.value
        return records
    finally:
        await consumer.stop()
