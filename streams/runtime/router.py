"""The stateless first stage: public topics in, events re-keyed by ticket out, in bulk.

Routing keeps no state, so it needs none of Faust's machinery (tables, recovery, standby), only
a consumer group, and Faust's per-message path (~80 µs a message on this machine, measured by
``supportkpi bench`` as faust-floor) was the largest cost of the whole pipeline. A plain
aiokafka consumer reads whole fetches instead: it decodes each batch, sends one packed message
per target partition of the internal topic plus the dead letters, waits until the broker has
them, and only then commits the batch's offsets. A crash or a rebalance in between delivers the
batch again, which ``event_id`` dedupe in the stateful stage recognises (at-least-once).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from aiokafka.structs import ConsumerRecord, TopicPartition

from streams.config import Settings
from streams.domain.events import Event, InvalidEvent, decode, pack
from streams.domain.health import ProcessorStats
from streams.domain.timeparse import parse_duration_ms
from streams.runtime import security
from streams.runtime.partitioning import partition_for

log = logging.getLogger(__name__)

DLQ_HEADER = "supportkpi."
RETRY_SECONDS = 1.0
PACKED_EVENTS_MAX = 250  # events per internal message: bounds a processing batch (see app)


@dataclass
class Routed:
    """One batch, decided: packed events per internal partition, and rejects with reasons."""

    events: dict[int, list[Event]] = field(default_factory=dict)
    rejected: list[tuple[ConsumerRecord[Any, Any], str]] = field(default_factory=list)

    def messages(self) -> Iterator[tuple[int, bytes]]:
        """(partition, packed events) for the internal topic, ``PACKED_EVENTS_MAX`` at most each,
        in arrival order within a partition."""
        for partition, events in self.events.items():
            for start in range(0, len(events), PACKED_EVENTS_MAX):
                yield partition, pack(events[start:start + PACKED_EVENTS_MAX])


def route(records: Iterable[ConsumerRecord[Any, Any]], settings: Settings,
          now_ms: int) -> Routed:
    """Decode and validate ``records``; group good events by the partition that owns them.

    On the live clock, events stamped more than ``SUPPORTKPI_MAX_FUTURE`` after ``now_ms`` are
    rejected; a replay's clock is the events' own, so there is no such limit.
    """
    kinds, partitions, max_bytes = settings.source_topics, settings.partitions, \
        settings.max_event_bytes
    horizon = now_ms + parse_duration_ms(settings.max_future) if settings.clock == "wall" \
        else None
    out = Routed()
    events = out.events
    for record in records:
        try:
            event = decode(record.value, kinds[record.topic], max_bytes)
            if horizon is not None and event.at_ms > horizon:
                raise InvalidEvent(f"occurred_at lies more than {settings.max_future} in the"
                                   " future")
        except InvalidEvent as exc:
            out.rejected.append((record, str(exc)))
            continue
        partition = partition_for(event.record_key.encode(), partitions)
        target = events.get(partition)
        if target is None:
            events[partition] = [event]
        else:
            target.append(event)
    return out


def dead_letter_headers(record: ConsumerRecord[Any, Any], reason: str) -> list[tuple[str, bytes]]:
    """Where the original came from and why it was refused, next to its untouched bytes."""
    return [
        (DLQ_HEADER + "reason", reason.encode()),
        (DLQ_HEADER + "topic", record.topic.encode()),
        (DLQ_HEADER + "partition", str(record.partition).encode()),
        (DLQ_HEADER + "offset", str(record.offset).encode()),
    ]


class Router(ConsumerRebalanceListener):
    """Runs the routing loop with its own consumer group (``<app id>-router``) and producer."""

    def __init__(self, settings: Settings, stats: ProcessorStats) -> None:
        self.settings = settings
        self.stats = stats
        self.joined = False  # has taken part in a group assignment (maybe owning nothing)

    @property
    def group_id(self) -> str:
        return f"{self.settings.app_id}-router"

    async def run(self) -> None:
        """Route until cancelled; Kafka errors are logged and the batch is read again."""
        s = self.settings
        options = security.client_options(s)
        consumer = AIOKafkaConsumer(
            bootstrap_servers=s.bootstrap_servers, group_id=self.group_id,
            enable_auto_commit=False, auto_offset_reset="earliest",
            max_poll_records=s.batch_size, session_timeout_ms=int(s.session_timeout * 1000),
            heartbeat_interval_ms=int(max(0.5, s.session_timeout / 4) * 1000), **options)
        producer = AIOKafkaProducer(bootstrap_servers=s.bootstrap_servers, acks="all",
                                    linger_ms=5, max_batch_size=1024 * 1024,
                                    max_request_size=8 * 1024 * 1024, **options)
        await producer.start()
        try:
            await consumer.start()
            consumer.subscribe(list(s.source_topics), listener=self)
            try:
                while True:
                    batches = await consumer.getmany(timeout_ms=1000)
                    if not batches:
                        continue
                    try:
                        await self._forward(consumer, producer, batches)
                    except KafkaError as exc:
                        log.warning("routing a batch failed (%s); reading it again in %.0f s",
                                    exc, RETRY_SECONDS)
                        await asyncio.sleep(RETRY_SECONDS)
                        for tp, records in batches.items():
                            if tp in consumer.assignment():
                                consumer.seek(tp, records[0].offset)
            finally:
                await consumer.stop()
        finally:
            self.joined = False
            await producer.stop()

    async def _forward(self, consumer: AIOKafkaConsumer, producer: AIOKafkaProducer,
                       batches: dict[TopicPartition, list[ConsumerRecord[Any, Any]]]) -> None:
        s = self.settings
        routed = route((r for records in batches.values() for r in records), s,
                       int(time.time() * 1000))
        sent = [await producer.send(s.events_topic, blob, key=b"%d" % partition,
                                    partition=partition)
                for partition, blob in routed.messages()]
        for record, reason in routed.rejected:
            self.stats.count(record.topic, "invalid")
            log.warning("dead-lettered %s[%s]@%s: %s", record.topic, record.partition,
                        record.offset, reason)
            sent.append(await producer.send(s.dead_letter_topic, record.value, key=record.key,
                                            headers=dead_letter_headers(record, reason)))
        await asyncio.gather(*sent)  # durable before the source offsets move past them
        offsets = {tp: records[-1].offset + 1 for tp, records in batches.items()}
        try:
            await consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError) as exc:
            # the partitions moved during the batch: their new owner routes it again (dedupe)
            log.info("router commit skipped after a rebalance: %s", exc)
        self._track_lag(consumer, offsets)

    def _track_lag(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        for tp, position in offsets.items():
            highwater = consumer.highwater(tp)
            if highwater is not None:
                self.stats.lag[(tp.topic, tp.partition)] = max(0, highwater - position)

    # -- ConsumerRebalanceListener ----------------------------------------------------------
    async def on_partitions_revoked(self, revoked: Sequence[TopicPartition]) -> None:
        for tp in revoked:
            self.stats.lag.pop((tp.topic, tp.partition), None)

    async def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        self.stats.rebalances += 1
        self.joined = True
        log.info("router owns %s", sorted(f"{tp.topic}[{tp.partition}]" for tp in assigned))
