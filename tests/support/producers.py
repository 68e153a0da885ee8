"""Fake producers: aiokafka's and Faust's, with the batch calls of aiokafka's client; refusals
are raised by ``send`` or fail the delivery future, settled a millisecond later as a broker's
acknowledgements are."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, NamedTuple


class Sent(NamedTuple):
    topic: str
    key: bytes | None
    value: bytes | None
    partition: int | None
    headers: Any


Refusal = Callable[[Sent], Exception | None]  # the error for this message, or None


def _never(sent: Sent) -> Exception | None:
    return None


class Batch:
    """aiokafka's ``BatchBuilder``, holding up to four records (so that writes span batches)."""

    CAPACITY = 4

    def __init__(self) -> None:
        self.records: list[tuple[bytes, bytes | None]] = []

    def append(self, *, timestamp: float | None, key: bytes, value: bytes | None) -> Any:
        if len(self.records) == self.CAPACITY:
            return None
        self.records.append((key, value))
        return len(self.records)


class Producer:
    """A producer whose ``refuse_now`` errors are raised by ``send`` itself and whose
    ``refuse`` errors fail the delivery future; futures are settled only later, as a broker's
    acknowledgements are. ``log`` has every send, acknowledgement and commit in order."""

    def __init__(
        self,
        refuse: Refusal = _never,
        refuse_now: Refusal = _never,
        log: list[tuple[str, Any]] | None = None,
    ) -> None:
        self.refuse, self.refuse_now = refuse, refuse_now
        self.log = log if log is not None else []
        self.futures: list[asyncio.Future[Any]] = []
        self.offsets: dict[tuple[str, int | None], int] = {}  # the next, per partition

    def _send(self, sent: Sent) -> asyncio.Future[Any]:
        now = self.refuse_now(sent)
        if now is not None:
            raise now
        self.log.append(("send", sent))
        future = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_later(0.001, self._settle, future, sent)
        self.futures.append(future)
        return future

    def _settle(self, future: asyncio.Future[Any], sent: Sent) -> None:
        error = self.refuse(sent)
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)
        self.log.append(("ack" if error is None else "nack", sent))

    # -- the batch calls the agent's changelog writes use (aiokafka's, under Faust's producer)
    def create_batch(self) -> Batch:
        return Batch()

    async def send_batch(self, batch: Batch, topic: str, *, partition: int) -> Any:
        """One delivery for the whole batch: a record refused fails all of it, as the broker
        fails a batch."""
        sent = [Sent(topic, key, value, partition, None) for key, value in batch.records]
        for one in sent:
            now = self.refuse_now(one)
            if now is not None:
                raise now
        for one in sent:
            self.log.append(("send", one))
        future = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_later(0.001, self._settle_batch, future, sent)
        self.futures.append(future)
        return future

    def _settle_batch(self, future: asyncio.Future[Any], sent: list[Sent]) -> None:
        errors = [error for error in map(self.refuse, sent) if error is not None]
        if errors:
            future.set_exception(errors[0])
        else:  # aiokafka's RecordMetadata of a batch: its base offset
            offsets = self.offsets
            base = offsets.get((sent[0].topic, sent[0].partition), 0)
            offsets[(sent[0].topic, sent[0].partition)] = base + len(sent)
            future.set_result(SimpleNamespace(offset=base))

    def sent(self, topic: str) -> list[Sent]:
        return [sent for what, sent in self.log if what == "send" and sent.topic == topic]


class AIOKafkaProducer(Producer):
    async def send(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        partition: int | None = None,
        headers: Any = None,
    ) -> asyncio.Future[Any]:
        return self._send(Sent(topic, key, value, partition, headers))


class FaustProducer(Producer):
    async def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        partition: int | None,
        timestamp: float | None,
        headers: Any,
    ) -> asyncio.Future[Any]:
        return self._send(Sent(topic, key, value, partition, headers))

    async def flush(self) -> None:
        """Like aiokafka's: waits for what is in flight, raises for nothing."""
        self.log.append(("flush", None))
        await asyncio.sleep(0.002)
