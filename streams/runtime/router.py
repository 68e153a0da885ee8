"""The stateless first stage: public topics in, events re-keyed by ticket out, in bulk.

Routing keeps no state, so it needs none of Faust's machinery (tables, recovery, standby), only
a consumer group, and Faust's per-message path was the largest cost of the whole pipeline
(``supportkpi bench`` measures it as faust-floor). A plain aiokafka consumer reads whole
fetches instead: it decodes each batch (``routing.route``), sends packed messages per target
partition of the internal topic plus the dead letters, waits until the broker has them, and only
then commits the batch's offsets. A crash or a rebalance in between delivers the batch again,
which ``event_id`` dedupe in the stateful stage recognises (at-least-once).

Nothing a publisher sends can stop it: a message that cannot be decoded, is invalid, or that the
broker refuses for good (too large, say) becomes a dead letter; a batch that cannot even be
decompressed is dead-lettered offset by offset (``aiokafka_fixes``); only errors that a retry can
fix (the broker is away) are retried, and ``health`` reports the router failing meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError, IllegalStateError
from aiokafka.structs import ConsumerRecord, TopicPartition

from streams.config import Settings
from streams.domain.customer_digest import UNSET_KEY
from streams.domain.events import pack
from streams.runtime import security
from streams.runtime.aiokafka_fixes import UndecodableRecord
from streams.runtime.deadletters import dead_letter, dead_letter_of
from streams.runtime.liveness import Liveness, retry_pause, why
from streams.runtime.routing import Rejected, route
from streams.runtime.sending import (
    RECORD_OVERHEAD,
    Outgoing,
    is_retriable,
    producer_for,
    send_all,
)
from streams.runtime.stats import ProcessorStats
from streams.secrets import read_secret

log = logging.getLogger(__name__)


def customer_key(settings: Settings) -> bytes:
    """The key of the customer digests; without one they still work, with a warning."""
    secret = read_secret(
        settings.customer_key, settings.customer_key_file, "SUPPORTKPI_CUSTOMER_KEY_FILE"
    )
    if secret is None:
        log.warning(
            "SUPPORTKPI_CUSTOMER_KEY is not set: customer digests use a key anyone can know"
        )
        return UNSET_KEY
    return secret.encode()


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
        self.customer_key = customer_key(settings)

    @property
    def group_id(self) -> str:
        return self.settings.router_group

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
            heartbeat_interval_ms=int(s.heartbeat_interval * 1000),
            **options,
        )
        producer = producer_for(s, linger_ms=5)
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
                    "routing a batch failed (%s); reading it again in %.0f s",
                    why(exc),
                    retry_pause(attempt),
                    exc_info=not is_retriable(exc),
                )
                self.liveness.failing(self.STAGE, why(exc))
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
            (r for records in batches.values() for r in records),
            s,
            int(time.time() * 1000),
            self.customer_key,
        )
        packed = list(routed.messages(self.max_bytes))  # may add rejects: before the letters
        contacts = list(routed.contact_messages(self.max_bytes))
        refused = await send_all(
            producer,
            [
                *(
                    Outgoing(s.events_topic, b"%d" % p.partition, p.blob, p.partition, None)
                    for p in packed
                ),
                *(Outgoing(s.events_topic, b"%d" % p, blob, p, None) for p, blob in contacts),
            ],
        )
        for (partition, _), exc in zip(contacts, refused[len(packed) :], strict=True):
            if exc is not None:  # cannot happen below the smallest limit; never stops routing
                log.error("contacts for internal partition %d refused: %s", partition, exc)
        for message, exc in zip(packed, refused[: len(packed)], strict=True):
            if exc is not None:  # refused for good: each event alone, refused ones dead
                log.warning(
                    "internal message of %d events refused (%s); sending them one by one",
                    len(message.events),
                    exc,
                )
                key = b"%d" % message.partition
                singles = [
                    Outgoing(s.events_topic, key, pack([e]), message.partition, None)
                    for e in message.events
                ]
                for source, single in zip(
                    message.sources, await send_all(producer, singles), strict=True
                ):
                    if single is not None:
                        routed.rejected.append(Rejected(source, f"refused by the broker: {single}"))
        await self._dead_letters(producer, routed.rejected)
        offsets = {tp: records[-1].offset + 1 for tp, records in batches.items()}
        await self._commit(consumer, offsets)
        self.stats.record_lag(offsets, consumer.highwater)

    async def _dead_letters(self, producer: AIOKafkaProducer, rejected: list[Rejected]) -> None:
        s = self.settings
        letters = [dead_letter_of(r.record, r.reason, s.max_message_bytes) for r in rejected]
        refused = await send_all(
            producer,
            [Outgoing(s.dead_letter_topic, d.key, d.value, None, d.headers) for d in letters],
        )
        for record, reason in rejected:  # once sent: a batch read again counts them once
            self.stats.count(record.topic, "invalid")
            log.warning(
                "dead-lettered %s[%s]@%s: %s", record.topic, record.partition, record.offset, reason
            )
        for (record, reason), exc in zip(rejected, refused, strict=True):
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
        reason = f"record batch cannot be decoded: {why(exc.cause)}"
        log.error("%s[%d]@%d: %s; skipping it", tp.topic, tp.partition, offset, reason)
        self.stats.count(tp.topic, "undecodable")
        letter = dead_letter(
            tp.topic, tp.partition, offset, None, None, reason, self.settings.max_message_bytes
        )
        refused = await send_all(
            producer,
            [Outgoing(self.settings.dead_letter_topic, letter.key, None, None, letter.headers)],
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

    # -- ConsumerRebalanceListener ----------------------------------------------------------
    async def on_partitions_revoked(self, revoked: Sequence[TopicPartition]) -> None:
        self.stats.forget_lag(revoked)

    async def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        self.stats.rebalances += 1
        self.joined = True
        log.info("router owns %s", sorted(f"{tp.topic}[{tp.partition}]" for tp in assigned))
