"""Delivery decisions (issue 13), with fakes for the consumer and the producers, no broker: what the
router does with a refusal (streams/runtime/router.py), and how the processor confirms its
changelog writes and isolates an event that cannot be applied (streams/runtime/app.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple

import orjson
import pytest
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, MessageSizeTooLargeError
from aiokafka.structs import ConsumerRecord, TopicPartition

from streams.config import Settings
from streams.domain.contributions import CREATED, KpiModel, Series
from streams.domain.events import Event, Kind
from streams.domain.health import ProcessorStats
from streams.domain.partition import PartitionState
from streams.domain.ticket import TicketRecord
from streams.runtime import app, liveness
from streams.runtime.app import Processor
from streams.runtime.liveness import Liveness
from streams.runtime.router import Router, _send_all


class Sent(NamedTuple):
    topic: str
    key: bytes | None
    value: bytes | None
    partition: int | None
    headers: Any


Refusal = Callable[[Sent], Exception | None]  # the error for this message, or None


def _never(sent: Sent) -> Exception | None:
    return None


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


def _install(processor: Processor, producer: FaustProducer) -> None:
    """Use ``producer``, with the commit gate around its flush, as the worker does."""
    processor.app.producer = producer  # type: ignore[assignment]  # a property with a setter
    processor._gate_commits()


def _run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout=10))


def _too_large(*values: bytes) -> Refusal:
    def refuse(sent: Sent) -> Exception | None:
        return MessageSizeTooLargeError() if sent.value in values else None

    return refuse


# -- the router's sends ------------------------------------------------------------------------


def test_refusals_for_good_are_returned_per_message_whether_raised_or_acknowledged() -> None:
    producer = AIOKafkaProducer(refuse=_too_large(b"late"), refuse_now=_too_large(b"now"))
    messages = [("t", b"k", value, None, None) for value in (b"a", b"now", b"b", b"late", b"c")]
    refused = _run(_send_all(producer, messages))
    assert [type(r).__name__ if r else None for r in refused] == [
        None,
        "MessageSizeTooLargeError",
        None,
        "MessageSizeTooLargeError",
        None,
    ]
    assert all(f.done() for f in producer.futures)  # every acknowledgement was awaited


@pytest.mark.parametrize(
    "error, raised",
    [
        (KafkaConnectionError, "by send"),
        (KafkaConnectionError, "by the future"),
        # send waited request_timeout_ms for room in a batch that the broker, away, never took:
        # the Java client's TimeoutException is a RetriableException too
        (KafkaTimeoutError, "by send"),
    ],
)
def test_an_error_a_retry_can_fix_is_raised_not_returned(
    error: type[Exception], raised: str
) -> None:
    def broker_away(sent: Sent) -> Exception | None:
        return error() if sent.value == b"b" else None

    producer = (
        AIOKafkaProducer(refuse_now=broker_away)
        if raised == "by send"
        else AIOKafkaProducer(refuse=broker_away)
    )
    with pytest.raises(error):
        _run(_send_all(producer, [("t", b"k", v, None, None) for v in (b"a", b"b")]))


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


def _created(offset: int, ticket: str) -> ConsumerRecord[Any, Any]:
    value = orjson.dumps(
        {
            "event_id": f"e{offset}",
            "ticket_id": ticket,
            "channel": "email",
            "occurred_at": _iso(int(time.time() * 1000) - 60_000),
            "priority": "high",
        }
    )
    return ConsumerRecord("ticket-created", 0, offset, 0, 0, None, value, None, 0, len(value), [])


class Consumer:
    def __init__(self, log: list[tuple[str, Any]]) -> None:
        self.log = log

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.log.append(("commit", offsets))

    def highwater(self, tp: TopicPartition) -> int:
        return 3


def test_a_packed_message_refused_for_good_is_resent_event_by_event_then_committed() -> None:
    settings = Settings(partitions=1)
    events, letters = settings.events_topic, settings.dead_letter_topic

    def refuse(sent: Sent) -> Exception | None:
        rows = orjson.loads(sent.value or b"[]") if sent.topic == events else []
        if len(rows) > 1 or any(row[1] == "e1" for row in rows):
            return MessageSizeTooLargeError()
        return None

    log: list[tuple[str, Any]] = []
    producer, stats = AIOKafkaProducer(refuse=refuse, log=log), ProcessorStats()
    router = Router(settings, stats, Liveness(60))
    tp = TopicPartition("ticket-created", 0)
    batch = {tp: [_created(0, "T-0"), _created(1, "T-1"), _created(2, "T-2")]}
    _run(router._forward(Consumer(log), producer, batch))

    sent = [[row[1] for row in orjson.loads(m.value or b"")] for m in producer.sent(events)]
    assert sent == [["e0", "e1", "e2"], ["e0"], ["e1"], ["e2"]]
    [letter] = producer.sent(letters)
    headers = dict(letter.headers)
    assert letter.value == batch[tp][1].value and headers["supportkpi.offset"] == b"1"
    reason = headers["supportkpi.reason"].decode()
    assert "refused by the broker" in reason and "MessageSizeTooLargeError" in reason
    assert stats.events[("ticket-created", "invalid")] == 1
    # once, last: after every acknowledgement (or refusal)
    assert [entry for entry in log if entry[0] == "commit"] == [log[-1]] == [("commit", {tp: 3})]
    assert sum(what in ("ack", "nack") for what, _ in log) == len(producer.futures) == 5


# -- the processor's changelog writes and failed events ----------------------------------------


@pytest.fixture
def processor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Processor:
    monkeypatch.setattr(liveness, "RETRY_SECONDS", 0.0005)
    return Processor(
        Settings.from_env({"SUPPORTKPI_DATA_DIR": str(tmp_path), "SUPPORTKPI_SLA_POLICY": ""})
    )


def _event(event_id: str, ticket: str, at_ms: int | None = None) -> Event:
    at = at_ms if at_ms is not None else int(time.time() * 1000) - 60_000
    return Event(Kind.CREATED, event_id, at, ticket, channel="email", priority="high")


class Exited(BaseException):
    """What os._exit does here: nothing after it runs."""


def _two_partitions(processor: Processor) -> dict[int, PartitionState]:
    states = {0: processor._new_state(), 1: processor._new_state()}
    states[0].apply(_event("e1", "T-1"))
    states[1].apply(_event("e2", "T-2"))
    return states


@pytest.mark.parametrize("when", ["by send", "by the future"])
def test_a_failed_changelog_write_is_written_again_and_persist_waits_for_it(
    processor: Processor, when: str
) -> None:
    topic = processor.settings.changelog_topic
    t2_writes = 0

    def first_t2_fails(sent: Sent) -> Exception | None:
        nonlocal t2_writes
        if sent.topic != topic or sent.key != b"T-2":
            return None
        t2_writes += 1
        return KafkaConnectionError() if t2_writes == 1 else None

    producer = (
        FaustProducer(refuse_now=first_t2_fails)
        if when == "by send"
        else FaustProducer(refuse=first_t2_fails)
    )
    _install(processor, producer)
    states = processor.states = _two_partitions(processor)

    async def batch_then_commit() -> None:
        await processor._persist(states)
        assert not all(f.done() for f in producer.futures)  # the agent did not wait
        await processor.app.producer.flush()  # what Faust calls before committing offsets

    _run(batch_then_commit())
    record = states[1].records["T-2"].to_bytes()
    assert t2_writes == 2
    written = [(m.key, m.partition) for m in producer.sent(topic)]
    assert sorted(written) == [(b"T-1", 0), (b"T-2", 1)] + [(b"T-2", 1)] * (when != "by send")
    assert producer.sent(topic)[-1].value == record  # written again, as it is now
    assert not states[0].dirty and not states[1].dirty
    assert all(f.done() and f.exception() is None for f in producer.futures[-1:])  # confirmed
    assert processor.liveness.stages["changelog"].failing is None  # recovered
    assert processor._unconfirmed == []


def test_a_failed_write_of_a_partition_that_moved_away_is_left_to_its_new_owner(
    processor: Processor,
) -> None:
    """Writing it again could overwrite what the new owner wrote since."""
    topic = processor.settings.changelog_topic
    producer = FaustProducer(
        refuse=lambda sent: KafkaConnectionError() if sent.key == b"T-2" else None
    )
    _install(processor, producer)
    states = processor.states = _two_partitions(processor)

    async def batch_then_commit() -> None:
        await processor._persist(states)
        processor.states = {0: states[0]}  # partition 1 was revoked after its write was sent
        await processor.app.producer.flush()

    _run(batch_then_commit())
    assert [m.key for m in producer.sent(topic)].count(b"T-2") == 1


def test_records_of_a_partition_that_moved_away_are_not_written_at_all(
    processor: Processor,
) -> None:
    """A batch or timer that awaited while its partition moved must not overwrite what the
    new owner writes: its records are stale."""
    producer = FaustProducer()
    _install(processor, producer)
    states = _two_partitions(processor)
    processor.states = {0: states[0]}  # 1 moved away while the batch awaited its dead letters
    _run(processor._persist(states))
    assert [m.key for m in producer.sent(processor.settings.changelog_topic)] == [b"T-1"]


def test_writes_that_keep_failing_end_the_worker_without_reporting_them_persisted(
    processor: Processor, monkeypatch: pytest.MonkeyPatch
) -> None:
    def exit_(code: int) -> None:
        raise Exited(code)

    monkeypatch.setattr(app.os, "_exit", exit_)
    monkeypatch.setattr(logging, "shutdown", lambda: None)  # _give_up flushes the logs
    producer = FaustProducer(refuse=lambda sent: KafkaConnectionError())
    _install(processor, producer)
    states = processor.states = _two_partitions(processor)

    async def batch_then_commit() -> None:
        await processor._persist(states)
        await processor.app.producer.flush()
        raise AssertionError("flushed, so offsets would be committed past failed writes")

    with pytest.raises(Exited) as exited:
        _run(batch_then_commit())
    assert exited.value.args == (app.EXIT_CHANGELOG_FAILING,)
    assert len(producer.futures) == 2 * app.PERSIST_ATTEMPTS
    assert (states[0].dirty, states[1].dirty) == ({"T-1"}, {"T-2"})  # nothing taken as written
    assert "changelog writes failed" in str(processor.liveness.stages["changelog"].failing)


class Exploding(KpiModel):
    """Raises for the ticket created at ``BAD_MS`` (a bug of ours, or a record it trips)."""

    def contributions(self, record: TicketRecord, record_clocks: Any = None) -> Any:
        if record.created_ms == BAD_MS:
            raise RuntimeError("boom")
        return KpiModel.contributions(self, record, record_clocks)


BAD_MS = int(time.time() * 1000) - 30_000


def test_an_event_that_cannot_be_applied_is_dead_lettered_and_its_neighbours_applied(
    processor: Processor,
) -> None:
    s = processor.settings
    processor.model = Exploding()
    processor.states[0] = state = processor._new_state()
    processor.assigned = {0}
    producer = FaustProducer()
    processor.app.producer = producer  # type: ignore[assignment]
    message = SimpleNamespace(topic=s.events_topic, partition=0, offset=7, key=b"0")
    batch = [_event("e1", "T-1"), _event("e2", "T-2", BAD_MS), _event("e3", "T-3")]
    _run(processor._apply([(message, e) for e in batch], []))

    assert sorted(state.records) == ["T-1", "T-3"]
    assert state.windows.totals()["1h"][Series(CREATED, ("email", "high"))] == 2
    counts = processor.stats.events
    assert (counts["ticket-created", "failed"], counts["ticket-created", "processed"]) == (1, 2)
    [letter] = producer.sent(s.dead_letter_topic)
    headers = dict(letter.headers)
    assert orjson.loads(letter.value or b"")[0][1] == "e2" and headers["supportkpi.offset"] == b"7"
    assert headers["supportkpi.reason"].endswith(b" 'e2' of 'T-2' failed: RuntimeError: boom")
    assert {m.key for m in producer.sent(s.changelog_topic)} == {b"T-1", b"T-3"}


class YieldingProducer(FaustProducer):
    """Hands control to the loop inside ``send``, as a real client can (buffer full, metadata)."""

    async def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        partition: int | None,
        timestamp: float | None,
        headers: Any,
    ) -> asyncio.Future[Any]:
        await asyncio.sleep(0)
        return await super().send(topic, key, value, partition, timestamp, headers)

    async def flush(self) -> None:
        await asyncio.sleep(0)

    def _send(self, sent: Sent) -> asyncio.Future[Any]:
        """Acknowledgements trickle in: the n-th one after n half-milliseconds."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.log.append(("send", sent))
        self.futures.append(future)
        asyncio.get_running_loop().call_later(
            0.0005 * len(self.futures), self._settle, future, sent
        )
        return future


def test_a_commit_during_a_batch_of_writes_confirms_what_was_sent_before_it(
    processor: Processor,
) -> None:
    """The bench crashed Faust's commit with InvalidStateError: writes sent while a commit was
    confirming landed in the list it was checking."""
    producer = YieldingProducer()
    _install(processor, producer)
    state = processor.states[0] = processor._new_state()
    for n in range(50):
        state.apply(_event(f"e{n}", f"T-{n}"))

    async def batch_with_a_commit_in_the_middle() -> None:
        writing = asyncio.ensure_future(processor._persist({0: state}))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        await processor.app.producer.flush()  # a commit while the batch is still sending
        await writing
        await processor.app.producer.flush()  # the next commit confirms the rest

    _run(batch_with_a_commit_in_the_middle())
    assert len(producer.sent(processor.settings.changelog_topic)) == 50
    assert all(f.done() for f in producer.futures) and processor._unconfirmed == []
