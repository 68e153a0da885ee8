"""``supportkpi repartition``: rebuild the state into another partition count, for a new
deployment to switch to (the runbook: docs/operations.md, "Changing the partition count").

A ticket lives in partition ``partition_for(key, partitions)``, so a new count moves most
tickets, and a worker finds a record only in the partition its key maps to. The new layout is a
new deployment with its own ``SUPPORTKPI_APP_ID`` (internal topics, consumer groups), built
while the old one is stopped, in three steps (decided in ``layout``):

1. every live record of the old changelogs (tickets, customers) is written to the new ones at
   its key's new partition, tombstones dropped;
2. the old events topic's tail (what the old router forwarded and the old stateful stage had
   not committed) is re-routed into the new events topic, event by event;
3. the new router group gets the old router group's offsets on the source topics.

The new workers then start as the old ones would after a restart: what was committed is in the
rebuilt state, what was not is read again and recognised by its event id. Events published
meanwhile wait in the source topics. The old topics are only read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewPartitions

from streams.config import Settings
from streams.runtime import aiokafka_fixes, layout, security, tansu_quirks
from streams.runtime.aiokafka_fixes import UndecodableRecord
from streams.runtime.changelog import read_partition
from streams.runtime.sending import Outgoing, producer_for, send_all
from streams.runtime.topics import create_topics, partition_counts

log = logging.getLogger(__name__)
SEND_CHUNK = 10_000  # messages in flight at once
IDLE_FETCHES_MAX = 30  # empty fetches in a row (1 s each) before a read is taken as stuck


class Refused(Exception):
    """The rebuild did not start, and why (each reason says what to do)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass
class Summary:
    """What was carried into the new layout."""

    records: dict[str, int] = field(default_factory=dict)  # per new changelog
    tail_messages: int = 0  # internal messages of the old tail, read
    tail_sent: int = 0  # internal messages of the new layout, written from them
    router_offsets: int = 0  # source partitions whose committed offset was handed over
    grown: dict[str, int] = field(default_factory=dict)  # source topics grown, to that count
    quarantined: int = 0  # records or offsets that could not be read (logged)


async def rebuild(
    old: Settings, new: Settings, grow_sources: bool, report: Callable[[str], None] = print
) -> Summary:
    """Check, then carry ``old``'s state into ``new``'s layout (raises ``Refused`` before
    writing anything when it must not run). Safe to run again until the new layout starts."""
    tansu_quirks.install_for(old)  # the fetch wait cap: reads to the end are fetch after fetch
    aiokafka_fixes.install()  # an undecodable batch is skipped, not fatal
    counts = await partition_counts(old)
    summary = Summary()
    admin = AIOKafkaAdminClient(
        bootstrap_servers=old.bootstrap_servers, **security.client_options(old)
    )
    await admin.start()
    try:
        groups = [old.app_id, old.router_group, new.app_id, new.router_group]
        members = await group_members(admin, groups)
        if tansu_quirks.lists_departed_members(old):
            members = {}
            report("this broker lists workers that have stopped: make sure none is running")
        in_use = new.events_topic in counts and bool(
            await committed(new, new.app_id, _tps(new.events_topic, counts[new.events_topic]))
        )
        reasons = layout.refusals(old, new, counts, members, in_use, grow_sources)
        if reasons:
            raise Refused(reasons)
        summary.grown = layout.growth(counts, new)
        if summary.grown:
            await _grow(admin, summary.grown)
            report(f"grew {len(summary.grown)} source topics to {new.source_partition_count}")
    finally:
        await admin.close()
    await create_topics(new)
    producer = producer_for(new, linger_ms=20)
    await producer.start()
    try:
        for source, target in (
            (old.changelog_topic, new.changelog_topic),
            (old.customers_changelog_topic, new.customers_changelog_topic),
        ):
            count = counts.get(source, 0)
            n = await _copy_changelog(old, new, producer, (source, count, target), summary)
            summary.records[target] = n
            report(f"{source} ({count} partitions) -> {target} ({new.partitions}): {n} records")
        await _carry_tail(old, new, producer, counts.get(old.events_topic, 0), summary)
        report(
            f"{old.events_topic}: {summary.tail_messages} uncommitted messages -> "
            f"{summary.tail_sent} in {new.events_topic}"
        )
    finally:
        await producer.stop()
    sources = [tp for name in old.source_topics for tp in _tps(name, counts.get(name, 0))]
    offsets = await committed(old, old.router_group, sources)
    await commit(new, new.router_group, offsets)
    summary.router_offsets = len(offsets)
    report(
        f"{new.router_group}: offsets of {len(offsets)} source partitions from {old.router_group}"
    )
    return summary


async def group_members(admin: AIOKafkaAdminClient, groups: Sequence[str]) -> dict[str, int]:
    """Members of each consumer group (0 for a group the broker does not know).

    One group per request: aiokafka 0.14.0 reads a DescribeGroups v3 answer with the v2 schema,
    which lacks each group's trailing ``authorized_operations``, so a second group in the same
    answer is misread (seen on Tansu as "Buffer underrun decoding string")."""
    members = dict.fromkeys(groups, 0)
    for name in groups:
        for response in await admin.describe_consumer_groups([name]):
            for group in response.groups:  # (error_code, group_id, state, protocol_type, ...)
                members[group[1]] = len(group[5])
    return members


async def committed(
    settings: Settings, group: str, tps: Sequence[TopicPartition]
) -> dict[TopicPartition, int]:
    """The offsets ``group`` has committed for ``tps`` (absent: none)."""
    consumer = _consumer(settings, group)
    await consumer.start()
    try:
        offsets = {tp: await consumer.committed(tp) for tp in tps}
    finally:
        await consumer.stop()
    return {tp: offset for tp, offset in offsets.items() if offset is not None and offset >= 0}


async def commit(settings: Settings, group: str, offsets: dict[TopicPartition, int]) -> None:
    """Commit ``offsets`` for ``group`` without joining it (as a standalone consumer)."""
    if not offsets:
        return
    consumer = _consumer(settings, group)
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit(offsets)
    finally:
        await consumer.stop()


async def _grow(admin: AIOKafkaAdminClient, topics: dict[str, int]) -> None:
    response = await admin.create_partitions(
        {name: NewPartitions(total_count=n) for name, n in topics.items()}
    )
    failed = [error for error in response.topic_errors if error[1]]  # (topic, code, message)
    if failed:
        raise RuntimeError(f"growing the source topics failed: {failed}")


async def _copy_changelog(
    old: Settings,
    new: Settings,
    producer: AIOKafkaProducer,
    copy: tuple[str, int, str],
    summary: Summary,
) -> int:
    """Each of the ``count`` partitions of ``source`` read to its end, its live records
    written to ``target`` (``copy``: source, count, target); how many."""
    source, count, target = copy
    total = 0

    def progress(skipped: int) -> None:  # a keyless record or an undecodable offset, logged
        summary.quarantined += skipped

    for partition in range(count):
        records, _ = await read_partition(old, partition, progress, source)
        messages = layout.placed(records, target, new.partitions)
        await _send(producer, messages)
        total += len(messages)
    return total


async def _carry_tail(
    old: Settings, new: Settings, producer: AIOKafkaProducer, count: int, summary: Summary
) -> None:
    """Re-route what the old stateful stage had not committed, from its committed offsets (or
    the beginning) to the true end of each partition."""
    tps = _tps(old.events_topic, count)
    starts = await committed(old, old.app_id, tps)
    consumer = _consumer(old, None)
    await consumer.start()
    try:
        consumer.assign(tps)
        ends = await tansu_quirks.end_offsets(old, consumer, tps)
        for tp in tps:
            if tp in starts:
                consumer.seek(tp, starts[tp])
            else:
                await consumer.seek_to_beginning(tp)
            idle = 0
            while await consumer.position(tp) < ends[tp]:
                if idle >= IDLE_FETCHES_MAX:
                    raise RuntimeError(f"{tp} gave nothing for {idle} fetches before its end")
                try:
                    batches = await consumer.getmany(tp, timeout_ms=1000, max_records=5_000)
                except UndecodableRecord as exc:
                    log.error("%s: %s; left out", tp, exc)
                    summary.quarantined += 1
                    consumer.seek(tp, exc.offset + 1)
                    continue
                records = batches.get(tp, [])
                idle = 0 if records else idle + 1
                messages = [
                    Outgoing(new.events_topic, b"%d" % p, blob, p, None)
                    for record in records
                    for p, blob in layout.rerouted(record.value, tp.partition, new.partitions)
                ]
                await _send(producer, messages)
                summary.tail_messages += len(records)
                summary.tail_sent += len(messages)
    finally:
        await consumer.stop()


async def _send(producer: AIOKafkaProducer, messages: list[Outgoing]) -> None:
    """Send and wait for every acknowledgement; any refusal stops the rebuild (run it again
    once the cause is fixed: every write is idempotent until the new layout starts)."""
    for start in range(0, len(messages), SEND_CHUNK):
        chunk = messages[start : start + SEND_CHUNK]
        for message, refused in zip(chunk, await send_all(producer, chunk), strict=True):
            if refused is not None:
                raise RuntimeError(f"{message.topic}[{message.partition}] refused: {refused}")


def _consumer(settings: Settings, group: str | None) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers,
        group_id=group,
        enable_auto_commit=False,
        max_partition_fetch_bytes=8 * 1024 * 1024,
        **security.client_options(settings),
    )


def _tps(topic: str, count: int) -> list[TopicPartition]:
    return [TopicPartition(topic, p) for p in range(count)]
