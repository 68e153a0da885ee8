"""The stateless first stage: public topics in, events re-keyed by ticket out, in bulk.

Routing keeps no state, so it needs none of Faust's machinery (tables, recovery, standby), only
a consumer group, and Faust's per-message path (measured by ``supportkpi bench`` as
faust-floor) was the largest cost of the whole pipeline. A plain aiokafka consumer reads whole
fetches instead: it decodes each batch, sends packed messages per target partition of the
internal topic plus the dead letters, waits until the broker has them, and only then commits the
batch's offsets. A crash or a rebalance in between delivers the batch again, which ``event_id``
dedupe in the stateful stage recognises (at-least-once).

Nothing a publisher sends can stop it: a message that cannot be decoded, is invalid, or that the
broker refuses for good (too large, say) becomes a dead letter; a batch that cannot even be
decompressed is dead-lettered offset by offset (``aiokafka_fixes``); only errors that a retry can
fix (the broker is away) are retried, and ``health`` reports the router failing meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError, KafkaTimeoutError
from aiokafka.structs import ConsumerRecord, TopicPartition

from streams.config import Settings
from streams.domain.events import Event, InvalidEvent, decode, pack
from streams.domain.health import ProcessorStats
from streams.runtime import security
from streams.runtime.aiokafka_fixes import UndecodableRecord
from streams.runtime.liveness import Liveness, retry_pause
from streams.runtime.partitioning import partition_for

log = logging.getLogger(__name__)

DLQ_HEADER = "supportkpi."
PACKED_EVENTS_MAX = 250  # events per internal message: bounds a processing batch (see app)
# what a Kafka record adds to its value and key in a batch of one (headers, varints, batch
# header): a packed message or dead letter is kept this much below the broker's limit
RECORD_OVERHEAD = 1024
REASON_MAX = 1000  # characters of a dead-letter reason


@dataclass
class Packed:
    """One internal message: events of one partition, and the records they came from."""

    partition: int
    blob: bytes
    events: list[Event]
    sources: list[ConsumerRecord[Any, Any]]


@dataclass
class Routed:
    """One batch, decided: events per internal partition (with their records), and rejects."""

    events: dict[int, list[Event]] = field(default_factory=dict)
    sources: dict[int, list[ConsumerRecord[Any, Any]]] = field(default_factory=dict)
    rejected: list[tuple[ConsumerRecord[Any, Any], str]] = field(default_factory=list)

    def messages(self, max_bytes: int) -> Iterator[Packed]:
        """Packed events per partition, in arrival order, each message at most
        ``PACKED_EVENTS_MAX`` events and ``max_bytes`` bytes. An event that alone exceeds
        ``max_bytes`` is rejected instead (it cannot be forwarded to any broker that takes it).
        """
        for partition, events in self.events.items():
            sources = self.sources[partition]
            for start in range(0, len(events), PACKED_EVENTS_MAX):
                end = min(start + PACKED_EVENTS_MAX, len(events))
                yield from self._fitting(
                    partition, events[start:end], sources[start:end], max_bytes
                )

    def _fitting(
        self,
        partition: int,
        events: list[Event],
        sources: list[ConsumerRecord[Any, Any]],
        max_bytes: int,
    ) -> Iterator[Packed]:
        """One message, or halves until each fits: one serialisation in the common case."""
        blob = pack(events)
        if len(blob) <= max_bytes:
            yield Packed(partition, blob, events, sources)
        elif len(events) == 1:
            self.rejected.append(
                (
                    sources[0],
                    f"event is {len(blob)} bytes packed, more than "
                    f"the {max_bytes}-byte message limit",
                )
            )
        else:
            half = len(events) // 2
            yield from self._fitting(partition, events[:half], sources[:half], max_bytes)
            yield from self._fitting(partition, events[half:], sources[half:], max_bytes)


def route(records: Iterable[ConsumerRecord[Any, Any]], settings: Settings, now_ms: int) -> Routed:
    """Decode and validate ``records``; group good events by the partition that owns them.

    ``now_ms`` is the wall clock: event times are bounded against it whatever the processor's
    clock (``SUPPORTKPI_MIN_EVENT_TIME``, ``SUPPORTKPI_MAX_FUTURE``; see ``TimeBounds``).
    """
    kinds, partitions, max_bytes = (
        settings.source_topics,
        settings.partitions,
        settings.max_event_bytes,
    )
    bounds = settings.time_bounds
    out = Routed()
    events, sources = out.events, out.sources
    for record in records:
        try:
            event = decode(record.value, kinds[record.topic], max_bytes)
            problem = bounds.problem(event.at_ms, now_ms)
            if problem is not None:
                raise InvalidEvent(problem)
        except InvalidEvent as exc:
            out.rejected.append((record, str(exc)))
            continue
        partition = partition_for(event.record_key.encode(), partitions)
        target = events.get(partition)
        if target is None:
            events[partition] = [event]
            sources[partition] = [record]
        else:
            target.append(event)
            sources[partition].append(record)
    return out


@dataclass
class DeadLetter:
    """What goes to the dead-letter topic: always writable (a key, a bounded value)."""

    key: bytes
    value: bytes | None
    headers: list[tuple[str, bytes]]


def dead_letter(
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    value: bytes | None,
    reason: str,
    max_bytes: int,
) -> DeadLetter:
    """The original bytes (cut to fit ``max_bytes``), where they came from, and why.

    The key is the original one, or ``topic/partition/offset`` when there was none: a Kafka
    record needs a key or a value, and a keyless tombstone has neither.
    """
    headers = [
        (DLQ_HEADER + "reason", reason[:REASON_MAX].encode()),
        (DLQ_HEADER + "topic", topic.encode()),
        (DLQ_HEADER + "partition", str(partition).encode()),
        (DLQ_HEADER + "offset", str(offset).encode()),
    ]
    key = key or f"{topic}/{partition}/{offset}".encode()
    room = max(0, max_bytes - RECORD_OVERHEAD - len(key) - sum(len(k) + len(v) for k, v in headers))
    if value is not None and len(value) > room:
        truncated = (DLQ_HEADER + "truncated", str(len(value)).encode())
        headers.append(truncated)
        value = value[: max(0, room - len(truncated[0]) - len(truncated[1]))]
    return DeadLetter(key, value, headers)


def dead_letter_of(record: ConsumerRecord[Any, Any], reason: str, max_bytes: int) -> DeadLetter:
    return dead_letter(
        record.topic, record.partition, record.offset, record.key, record.value, reason, max_bytes
    )


def is_retriable(exc: BaseException) -> bool:
    """Whether sending again may succeed (the broker is away or busy), as opposed to a refusal
    that every retry would meet again (too large, invalid, not authorised). aiokafka's
    ``KafkaTimeoutError`` (no room in the send buffer while the broker is away) is retriable,
    as in the Java client, though aiokafka does not mark it so."""
    return isinstance(exc, KafkaTimeoutError) or (
        isinstance(exc, KafkaError) and bool(getattr(exc, "retriable", False))
    )


class Router(ConsumerRebalanceListener):
    """Runs the routing loop with its own consumer group (``<app id>-router``) and producer."""

    STAGE = "router"

    def __init__(self, settings: Settings, stats: ProcessorStats, liveness: Liveness) -> None:
        self.settings = settings
        self.stats = stats
        self.liveness = liveness
        liveness.register(self.STAGE, beats=True)
        self.joined = False  # has taken part in a group assignment (maybe owning nothing)
        self.max_bytes = settings.max_message_bytes - RECORD_OVERHEAD  # per packed message

    @property
    def group_id(self) -> str:
        return f"{self.settings.app_id}-router"

    async def run(self) -> None:
        """Route until cancelled; retriable errors are retried with a growing pause."""
        s = self.settings
        options = security.client_options(s)
        consumer = AIOKafkaConsumer(
            bootstrap_servers=s.bootstrap_servers,
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=s.batch_size,
            session_timeout_ms=int(s.session_timeout * 1000),
            heartbeat_interval_ms=int(max(0.5, s.session_timeout / 4) * 1000),
            **options,
        )
        producer = AIOKafkaProducer(
            bootstrap_servers=s.bootstrap_servers,
            acks="all",
            linger_ms=5,
            max_batch_size=s.max_message_bytes,
            max_request_size=s.max_message_bytes,
            compression_type=s.producer_compression,
            **options,
        )
        await producer.start()
        try:
            await consumer.start()
            consumer.subscribe(list(s.source_topics), listener=self)
            try:
                await self._loop(consumer, producer)
            finally:
                await consumer.stop()
        finally:
            self.joined = False
            await producer.stop()

    async def _loop(self, consumer: AIOKafkaConsumer, producer: AIOKafkaProducer) -> None:
        attempt = 0  # retries of the batch in hand
        undecodable: UndecodableRecord | None = None  # to skip, inside the retry path below
        while True:
            batches: dict[TopicPartition, list[ConsumerRecord[Any, Any]]] = {}
            try:
                if undecodable is not None:
                    await self._skip_undecodable(consumer, producer, undecodable)
                    undecodable = None
                batches = await consumer.getmany(timeout_ms=1000)
                if batches:
                    await self._forward(consumer, producer, batches)
            except UndecodableRecord as exc:
                undecodable = exc
                continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # retried: only what a retry cannot fix is dropped
                level = logging.WARNING if is_retriable(exc) else logging.ERROR
                log.log(
                    level,
                    "routing a batch failed (%s: %s); reading it again in %.0f s",
                    type(exc).__name__,
                    exc,
                    retry_pause(attempt),
                    exc_info=not is_retriable(exc),
                )
                self.liveness.failing(self.STAGE, f"{type(exc).__name__}: {exc}")
                await asyncio.sleep(retry_pause(attempt))
                attempt += 1
                for tp, records in batches.items():
                    if tp in consumer.assignment():
                        consumer.seek(tp, records[0].offset)
                continue
            attempt = 0
            self.liveness.recovered(self.STAGE)

    async def _forward(
        self,
        consumer: AIOKafkaConsumer,
        producer: AIOKafkaProducer,
        batches: dict[TopicPartition, list[ConsumerRecord[Any, Any]]],
    ) -> None:
        s = self.settings
        routed = route(
            (r for records in batches.values() for r in records), s, int(time.time() * 1000)
        )
        packed = list(routed.messages(self.max_bytes))  # may add rejects: before the letters
        refused = await _send_all(
            producer,
            [(s.events_topic, b"%d" % p.partition, p.blob, p.partition, None) for p in packed],
        )
        for message, exc in zip(packed, refused, strict=True):
            if exc is not None:  # refused for good: each event alone, refused ones dead
                log.warning(
                    "internal message of %d events refused (%s); sending them one by one",
                    len(message.events),
                    exc,
                )
                singles = [
                    (s.events_topic, b"%d" % message.partition, pack([e]), message.partition, None)
                    for e in message.events
                ]
                for source, single in zip(
                    message.sources, await _send_all(producer, singles), strict=True
                ):
                    if single is not None:
                        routed.rejected.append((source, f"refused by the broker: {single}"))
        await self._dead_letters(
            producer,
            [(r, why, dead_letter_of(r, why, s.max_message_bytes)) for r, why in routed.rejected],
        )
        offsets = {tp: records[-1].offset + 1 for tp, records in batches.items()}
        await self._commit(consumer, offsets)
        self._track_lag(consumer, offsets)

    async def _dead_letters(
        self, producer: AIOKafkaProducer, letters: list[tuple[Any, str, DeadLetter]]
    ) -> None:
        s = self.settings
        refused = await _send_all(
            producer,
            [(s.dead_letter_topic, d.key, d.value, None, d.headers) for _, _, d in letters],
        )
        for record, reason, _ in letters:  # once sent: a batch read again counts them once
            self.stats.count(record.topic, "invalid")
            log.warning(
                "dead-lettered %s[%s]@%s: %s", record.topic, record.partition, record.offset, reason
            )
        for (record, reason, _), exc in zip(letters, refused, strict=True):
            if exc is not None:  # the letter is bounded and keyed: this is a broker's refusal
                log.error(
                    "the dead letter for %s[%s]@%s (%s) was refused too: %s; it is dropped",
                    record.topic,
                    record.partition,
                    record.offset,
                    reason,
                    exc,
                )

    async def _skip_undecodable(
        self, consumer: AIOKafkaConsumer, producer: AIOKafkaProducer, exc: UndecodableRecord
    ) -> None:
        """Dead-letter one offset that cannot be decoded and go on after it.

        A compressed batch is refetched whole from any offset inside it, so a corrupt batch of
        n records costs n fetches: bounded, and every offset gets its letter.
        """
        tp, offset = exc.tp, exc.offset
        reason = f"record batch cannot be decoded: {type(exc.cause).__name__}: {exc.cause}"
        log.error("%s[%d]@%d: %s; skipping it", tp.topic, tp.partition, offset, reason)
        self.stats.count(tp.topic, "undecodable")
        letter = dead_letter(
            tp.topic, tp.partition, offset, None, None, reason, self.settings.max_message_bytes
        )
        refused = await _send_all(
            producer, [(self.settings.dead_letter_topic, letter.key, None, None, letter.headers)]
        )
        if refused[0] is not None:
            log.error(
                "the dead letter for %s[%d]@%d was refused: %s; it is dropped",
                tp.topic,
                tp.partition,
                offset,
                refused[0],
            )
        if tp in consumer.assignment():
            consumer.seek(tp, offset + 1)
            await self._commit(consumer, {tp: offset + 1})

    async def _commit(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        try:
            await consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError) as exc:
            # the partitions moved during the batch: their new owner routes it again (dedupe)
            log.info("router commit skipped after a rebalance: %s", exc)

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


Outgoing = tuple[str, bytes, bytes | None, int | None, list[tuple[str, bytes]] | None]


async def _send_all(
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
