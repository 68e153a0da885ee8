"""What the agent writes to the broker: changelog records and dead letters.

Changelog records are sent a batch per partition at a time, without waiting (processing never
idles on a round trip), and confirmed before every offset commit (``gate_commits``): offsets
never move past a write that failed. Dead letters are waited for, since the batch they come from
is acknowledged next. A failed write is sent again with growing pauses
(``liveness.retry_pause``); if writes keep failing, the worker exits without committing, as a
``kill -9`` would, which the changelog and the event-id dedupe are built for: its events are
then read again elsewhere.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple, Protocol, cast

from streams.domain.partition import PartitionState
from streams.runtime import patching
from streams.runtime.deadletters import DeadLetter
from streams.runtime.liveness import Liveness, retry_pause, why
from streams.runtime.sending import BatchProducer, Producer

log = logging.getLogger(__name__)
# sends of one write before the worker gives up. The pauses between them (``retry_pause``: 1, 2,
# 4, 8, 16, 30, 30 s) add up to 91 s for changelog writes; dead letters pause after their last
# send too, 121 s in all. Each attempt also waits for the broker's answers.
PERSIST_ATTEMPTS = 8
EXIT_CHANGELOG_FAILING = 70
UNCONFIRMED_PRUNED_AT = 50_000  # writes kept for confirmation before acknowledged ones go
STAGE = "changelog"


class Store(Protocol):
    """Records of one changelog: the partition's tickets, or its customers."""

    dirty: set[str]

    def drain_dirty(self) -> Iterator[tuple[str, bytes | None]]: ...


class PendingWrite(NamedTuple):
    """A changelog write sent and not yet confirmed."""

    partition: int
    state: PartitionState  # the state it was written from: stale once its partition moved
    store: Store  # which of its records: the key is marked dirty there again if the write fails
    key: str
    delivery: asyncio.Future[Any]


class Writes:
    """Sends changelog records and dead letters through ``producer``, and confirms them."""

    def __init__(
        self,
        producer: Producer,
        changelog_topic: str,
        dead_letter_topic: str,
        owns: Callable[[int, PartitionState], bool],
        liveness: Liveness,
        customers_changelog_topic: str,
        kafka: Callable[[], BatchProducer],
    ) -> None:
        self.producer = producer
        self.kafka = kafka  # called at the first write: the client exists once the app runs
        self.changelog_topic = changelog_topic
        self.customers_changelog_topic = customers_changelog_topic
        self.dead_letter_topic = dead_letter_topic
        self.owns = owns  # whether a state is still its partition's (see Ownership.owns)
        self.liveness = liveness
        liveness.register(STAGE)
        self.unconfirmed: list[PendingWrite] = []
        #: (changelog, partition) -> the base offset of the newest batch the broker
        #: acknowledged, of a state still owned (``snapshotting`` stamps snapshots with it)
        self.acknowledged: dict[tuple[str, int], int] = {}
        self._confirm_lock = asyncio.Lock()

    def gate_commits(self) -> None:
        """Confirm the changelog writes before each offset commit.

        Faust flushes its producer right before it commits offsets
        (``Consumer._commit_offsets``, faust-streaming 0.15.3); flushing does not raise for a
        failed send, so our flush also confirms every write, retrying failed ones.
        """
        patching.require("faust-streaming", ("0.15.3",), "commit gate (producer.flush)")
        producer = self.producer
        patching.require_attributes(producer, ("flush", "send"), "commit gate")
        flush = producer.flush

        async def flush_and_confirm() -> None:
            await flush()
            await self.confirm()

        producer.flush = flush_and_confirm  # type: ignore[method-assign]

    async def persist(self, states: Mapping[int, PartitionState]) -> None:
        """Send each changed record once, without waiting for the broker: ``confirm`` waits
        for them all before any offset is committed. Batches go straight to the Kafka client
        (Faust's own send buffer logs and throttles at 100 messages)."""
        for partition, state in states.items():
            if not self.owns(partition, state):
                continue  # moved away during an await: its new owner has rebuilt it
            await self._send_dirty(partition, state, state, self.changelog_topic)
            await self._send_dirty(
                partition, state, state.customers, self.customers_changelog_topic
            )
        if len(self.unconfirmed) > UNCONFIRMED_PRUNED_AT:  # while nothing commits
            self.unconfirmed = [w for w in self.unconfirmed if not _succeeded(w.delivery)]

    async def _send_dirty(
        self, partition: int, state: PartitionState, store: Store, topic: str
    ) -> None:
        records = list(store.drain_dirty())
        start = 0
        try:
            while start < len(records):
                start = await self._send_batch(partition, state, store, topic, records, start)
        except BaseException:  # cancelled mid-way: what was not sent stays to be written
            store.dirty.update(key for key, _ in records[start:])
            raise

    async def _send_batch(
        self,
        partition: int,
        state: PartitionState,
        store: Store,
        topic: str,
        records: list[tuple[str, bytes | None]],
        start: int,
    ) -> int:
        """Send one batch of ``records`` from ``start`` on; return where the next begins."""
        end = start
        try:
            kafka = self.kafka()
            batch = kafka.create_batch()
            while end < len(records):
                key, blob = records[end]
                if batch.append(timestamp=None, key=key.encode(), value=blob) is None:
                    if end == start:
                        raise RuntimeError(f"changelog record {key!r} fits in no batch")
                    break  # full: the rest go in the next batch
                end += 1
            future = cast(
                asyncio.Future[Any], await kafka.send_batch(batch, topic, partition=partition)
            )
        except Exception as exc:  # refused before sending
            end, future = max(end, start + 1), _failed(exc)
        # self's list each time: a commit may have taken the list during the await (the writes
        # it must confirm are those sent before it)
        self.unconfirmed.extend(
            PendingWrite(partition, state, store, key, future) for key, _ in records[start:end]
        )
        return end

    async def confirm(self) -> None:
        """Every changelog write sent so far is acknowledged by the broker, or sent again.

        A failed write is sent again with the record's current value. A write of a partition
        that has moved away is left to its new owner, which rebuilds from the log.
        """
        async with self._confirm_lock:
            for attempt in range(PERSIST_ATTEMPTS):
                writes, self.unconfirmed = self.unconfirmed, []
                waiting = {w.delivery for w in writes if not w.delivery.done()}  # per batch
                if waiting:
                    await asyncio.wait(waiting)
                self._note_acknowledged(writes)
                failed = [
                    w
                    for w in writes
                    if not _succeeded(w.delivery) and self.owns(w.partition, w.state)
                ]
                if not failed:
                    if attempt:
                        self.liveness.recovered(STAGE)
                    return
                future = failed[0].delivery
                reason = (
                    "cancelled" if future.cancelled() else why(future.exception() or Exception())
                )
                for write in failed:
                    write.store.dirty.add(write.key)
                if attempt + 1 == PERSIST_ATTEMPTS:
                    break  # the keys stay dirty: nothing is taken as written
                await self._pause_after(f"{len(failed)} changelog writes failed: {reason}", attempt)
                await self.persist({w.partition: w.state for w in failed})
            give_up("changelog writes kept failing")

    def pending(self, state: PartitionState) -> bool:
        """Whether a write of ``state`` is sent and not acknowledged yet."""
        return any(w.state is state and not _succeeded(w.delivery) for w in self.unconfirmed)

    def _note_acknowledged(self, writes: list[PendingWrite]) -> None:
        """Keep the base offset of each acknowledged batch (the records of a batch are next to
        each other in ``writes`` and share its delivery)."""
        acknowledged, last = self.acknowledged, None
        for write in writes:
            delivery = write.delivery
            if delivery is last:
                continue
            last = delivery
            if not _succeeded(delivery) or not self.owns(write.partition, write.state):
                continue
            offset = getattr(delivery.result(), "offset", None)  # aiokafka's RecordMetadata
            if isinstance(offset, int):
                topic = (
                    self.changelog_topic
                    if write.store is write.state
                    else self.customers_changelog_topic
                )
                where = (topic, write.partition)
                if offset > acknowledged.get(where, -1):
                    acknowledged[where] = offset

    async def dead_letter(self, letters: list[DeadLetter]) -> None:
        """Send the batch's dead letters and wait for the broker; refused ones are sent again
        (with growing pauses, like changelog writes) until the worker gives up."""
        unsent = letters
        for attempt in range(PERSIST_ATTEMPTS):
            if not unsent:
                return
            futures = []
            for letter in unsent:
                try:
                    futures.append(
                        await self.producer.send(
                            self.dead_letter_topic,
                            letter.key,
                            letter.value,
                            None,
                            None,
                            letter.headers,
                        )
                    )
                except Exception as exc:
                    futures.append(_failed(exc))
            results = await asyncio.gather(*futures, return_exceptions=True)
            failed = [
                (letter, r)
                for letter, r in zip(unsent, results, strict=True)
                if isinstance(r, BaseException)
            ]
            if not failed:
                if attempt:
                    self.liveness.recovered(STAGE)
                return
            unsent = [letter for letter, _ in failed]
            await self._pause_after(
                f"{len(failed)} dead letters failed: {why(failed[0][1])}", attempt
            )
        give_up("dead letters could not be written")

    async def _pause_after(self, reason: str, attempt: int) -> None:
        self.liveness.failing(STAGE, reason)
        pause = retry_pause(attempt)
        log.warning("%s; retrying in %.0f s", reason, pause)
        await asyncio.sleep(pause)


def give_up(reason: str) -> None:
    """Exit at once, committing nothing: a restart reads the uncommitted events again."""
    log.critical("%s; exiting without committing (a restart reads these events again)", reason)
    logging.shutdown()
    os._exit(EXIT_CHANGELOG_FAILING)


def _failed(exc: Exception) -> asyncio.Future[Any]:
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    future.set_exception(exc)
    return future


def _succeeded(future: asyncio.Future[Any]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None
