"""Delivery decisions (issue 13), with fakes for the consumer and the producers, no broker and no
Faust app: what the router does with a refusal (streams/runtime/router.py, sending.py), how the
agent confirms its changelog writes (streams/runtime/writes.py) and isolates an event that cannot
be applied (streams/runtime/batches.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, MessageSizeTooLargeError
from aiokafka.structs import TopicPartition

from streams.config import Settings
from streams.domain.contributions import CREATED, Series
from streams.domain.partition import PartitionState
from streams.runtime import liveness
from streams.runtime.batches import BatchApplier, Decoded
from streams.runtime.changelog import Changelogs
from streams.runtime.clock import EventClock
from streams.runtime.liveness import Liveness
from streams.runtime.ownership import AGENT_STAGE, Ownership
from streams.runtime.router import Router
from streams.runtime.sending import Outgoing, send_all
from streams.runtime.states import StateFactory
from streams.runtime.stats import ProcessorStats
from streams.runtime.writes import EXIT_CHANGELOG_FAILING, PERSIST_ATTEMPTS, Writes
from tests.support.builders import (
    ExplodingModel,
    FakeConsumer,
    consumer_record,
    created,
    created_payload,
    wall_clock_ms,
)
from tests.support.builders import run as _run
from tests.support.producers import (
    AIOKafkaProducer,
    Batch,
    FaustProducer,
    Refusal,
    Sent,
)


def _too_large(*values: bytes) -> Refusal:
    def refuse(sent: Sent) -> Exception | None:
        return MessageSizeTooLargeError() if sent.value in values else None

    return refuse


# -- the router's sends ------------------------------------------------------------------------


def test_refusals_for_good_are_returned_per_message_whether_raised_or_acknowledged() -> None:
    producer = AIOKafkaProducer(refuse=_too_large(b"late"), refuse_now=_too_large(b"now"))
    messages = [Outgoing("t", b"k", v, None, None) for v in (b"a", b"now", b"b", b"late", b"c")]
    refused = _run(send_all(producer, messages))
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
        _run(send_all(producer, [Outgoing("t", b"k", v, None, None) for v in (b"a", b"b")]))


def test_a_packed_message_refused_for_good_is_resent_event_by_event_then_committed() -> None:
    settings = Settings(partitions=1)
    events, letters = settings.events_topic, settings.dead_letter_topic

    def refuse(sent: Sent) -> Exception | None:
        rows = orjson.loads(sent.value or b"[]") if sent.topic == events else []
        if len(rows) > 1 or any(row[1] == "e1" for row in rows):
            return MessageSizeTooLargeError()
        return None

    log: list[tuple[str, Any]] = []
    producer, stats = AIOKafkaProducer(refuse=refuse, log=log), ProcessorStats(EventClock())
    router = Router(settings, stats, Liveness(60))
    tp = TopicPartition("ticket-created", 0)
    batch = {tp: [_record(n, f"T-{n}") for n in range(3)]}
    consumer = FakeConsumer(log, highwaters={tp: 3})
    _run(router._forward(consumer, producer, batch))

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


# -- the agent's changelog writes and failed events --------------------------------------------

SETTINGS = Settings(sla_policy="")
CHANGELOG, DEAD_LETTERS = SETTINGS.changelog_topic, SETTINGS.dead_letter_topic
CUSTOMERS = SETTINGS.customers_changelog_topic


@pytest.fixture(autouse=True)
def _short_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(liveness, "RETRY_SECONDS", 0.0005)


def _writes(producer: FaustProducer, owned: dict[int, PartitionState]) -> Writes:
    """Writes through ``producer``, with the commit gate around its flush, as the worker has;
    a state is its partition's while ``owned`` maps the partition to it."""
    writes = Writes(
        producer,
        CHANGELOG,
        DEAD_LETTERS,
        lambda p, state: owned.get(p) is state,
        Liveness(60),
        CUSTOMERS,
        lambda: producer,
    )
    writes.gate_commits()
    return writes


async def _empty_changelog(
    partition: int, progress: Callable[[int], None], since: object = None
) -> Changelogs:
    return Changelogs({}, {}, (0, 0))


RECENT_MS = wall_clock_ms() - 60_000  # a minute ago: inside every window, never "late"


def _record(offset: int, ticket: str) -> Any:
    """A ticket-created as the router reads it from a source topic."""
    return consumer_record(
        "ticket-created", offset, created_payload(ticket, RECENT_MS, f"e{offset}")
    )


class Exited(BaseException):
    """What os._exit does here: nothing after it runs."""


def _two_partitions() -> dict[int, PartitionState]:
    new_state = StateFactory(SETTINGS, EventClock())
    states = {0: new_state(), 1: new_state()}
    states[0].apply(created("T-1", RECENT_MS, "e1"))
    states[1].apply(created("T-2", RECENT_MS, "e2"))
    return states


@pytest.mark.parametrize("when", ["by send", "by the future"])
def test_a_failed_changelog_write_is_written_again_and_persist_waits_for_it(when: str) -> None:
    t2_writes = 0

    def first_t2_fails(sent: Sent) -> Exception | None:
        nonlocal t2_writes
        if sent.topic != CHANGELOG or sent.key != b"T-2":
            return None
        t2_writes += 1
        return KafkaConnectionError() if t2_writes == 1 else None

    producer = (
        FaustProducer(refuse_now=first_t2_fails)
        if when == "by send"
        else FaustProducer(refuse=first_t2_fails)
    )
    states = _two_partitions()
    writes = _writes(producer, states)

    async def batch_then_commit() -> None:
        await writes.persist(states)
        assert not all(f.done() for f in producer.futures)  # the agent did not wait
        await producer.flush()  # what Faust calls before committing offsets

    _run(batch_then_commit())
    record = states[1].records["T-2"].to_bytes()
    assert t2_writes == 2
    written = [(m.key, m.partition) for m in producer.sent(CHANGELOG)]
    assert sorted(written) == [(b"T-1", 0), (b"T-2", 1)] + [(b"T-2", 1)] * (when != "by send")
    assert producer.sent(CHANGELOG)[-1].value == record  # written again, as it is now
    assert not states[0].dirty and not states[1].dirty
    assert all(f.done() and f.exception() is None for f in producer.futures[-1:])  # confirmed
    assert writes.liveness.stages["changelog"].failing is None  # recovered
    assert writes.unconfirmed == []


def test_a_failed_write_of_a_partition_that_moved_away_is_left_to_its_new_owner() -> None:
    """Writing it again could overwrite what the new owner wrote since."""
    producer = FaustProducer(
        refuse=lambda sent: KafkaConnectionError() if sent.key == b"T-2" else None
    )
    states = _two_partitions()
    owned = dict(states)
    writes = _writes(producer, owned)

    async def batch_then_commit() -> None:
        await writes.persist(states)
        del owned[1]  # partition 1 was revoked after its write was sent
        await producer.flush()

    _run(batch_then_commit())
    assert [m.key for m in producer.sent(CHANGELOG)].count(b"T-2") == 1


def test_records_of_a_partition_that_moved_away_are_not_written_at_all() -> None:
    """A batch or timer that awaited while its partition moved must not overwrite what the
    new owner writes: its records are stale."""
    producer = FaustProducer()
    states = _two_partitions()
    writes = _writes(producer, {0: states[0]})  # 1 moved away while the batch awaited
    _run(writes.persist(states))
    assert [m.key for m in producer.sent(CHANGELOG)] == [b"T-1"]


def test_writes_that_keep_failing_end_the_worker_without_reporting_them_persisted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def exit_(code: int) -> None:
        raise Exited(code)

    monkeypatch.setattr(os, "_exit", exit_)
    monkeypatch.setattr(logging, "shutdown", lambda: None)  # give_up flushes the logs
    producer = FaustProducer(refuse=lambda sent: KafkaConnectionError())
    states = _two_partitions()
    writes = _writes(producer, states)

    async def batch_then_commit() -> None:
        await writes.persist(states)
        await producer.flush()
        raise AssertionError("flushed, so offsets would be committed past failed writes")

    with pytest.raises(Exited) as exited:
        _run(batch_then_commit())
    assert exited.value.args == (EXIT_CHANGELOG_FAILING,)
    assert len(producer.futures) == 2 * PERSIST_ATTEMPTS
    assert (states[0].dirty, states[1].dirty) == ({"T-1"}, {"T-2"})  # nothing taken as written
    assert "changelog writes failed" in str(writes.liveness.stages["changelog"].failing)


def test_dead_letters_refused_for_a_while_are_sent_again_until_the_broker_takes_them() -> None:
    refusals = 0

    def refuse_twice(sent: Sent) -> Exception | None:
        nonlocal refusals
        refusals += 1
        return KafkaConnectionError() if refusals <= 2 else None

    producer = FaustProducer(refuse=refuse_twice)
    writes = _writes(producer, {})
    letter = SimpleNamespace(key=b"k", value=b"v", headers=[("supportkpi.reason", b"r")])
    _run(writes.dead_letter([letter]))  # type: ignore[list-item]
    assert [m.value for m in producer.sent(DEAD_LETTERS)] == [b"v"] * 3
    assert producer.log[-1][0] == "ack"  # returned once the broker had it
    assert writes.liveness.stages["changelog"].failing is None  # recovered


def test_an_event_that_cannot_be_applied_is_dead_lettered_and_its_neighbours_applied() -> None:
    clock, live = EventClock(), Liveness(60)
    stats = ProcessorStats(clock)
    live.register(AGENT_STAGE)
    new_state = StateFactory(SETTINGS, clock)
    new_state.model = ExplodingModel(error=RuntimeError, message="boom")

    ownership = Ownership(new_state, _empty_changelog, live, stats, clock)
    producer = FaustProducer()
    writes = Writes(
        producer, CHANGELOG, DEAD_LETTERS, ownership.owns, live, CUSTOMERS, lambda: producer
    )
    batches = BatchApplier(ownership, writes, stats, clock, SETTINGS)
    message = SimpleNamespace(topic=SETTINGS.events_topic, partition=0, offset=7, key=b"0")
    batch = [
        created("T-1", RECENT_MS, "e1"),
        created("T-2", RECENT_MS, "e2", category="boom"),
        created("T-3", RECENT_MS, "e3"),
    ]

    async def assigned_then_applied() -> None:
        ownership.assign({0})
        await batches.apply([Decoded(message, batch)], [])

    _run(assigned_then_applied())
    state = ownership.states[0]
    assert sorted(state.records) == ["T-1", "T-3"]
    assert state.windows.totals()["1h"][Series(CREATED, ("email", "high"))] == 2
    counts = stats.events
    assert (counts["ticket-created", "failed"], counts["ticket-created", "processed"]) == (1, 2)
    [letter] = producer.sent(DEAD_LETTERS)
    headers = dict(letter.headers)
    assert orjson.loads(letter.value or b"")[0][1] == "e2" and headers["supportkpi.offset"] == b"7"
    assert headers["supportkpi.reason"].endswith(b" 'e2' of 'T-2' failed: RuntimeError: boom")
    assert {m.key for m in producer.sent(CHANGELOG)} == {b"T-1", b"T-3"}


def test_an_internal_message_this_version_cannot_read_is_dead_lettered_with_its_bytes() -> None:
    clock, live = EventClock(), Liveness(60)
    stats = ProcessorStats(clock)
    live.register(AGENT_STAGE)

    ownership = Ownership(StateFactory(SETTINGS, clock), _empty_changelog, live, stats, clock)
    producer = FaustProducer()
    writes = Writes(
        producer, CHANGELOG, DEAD_LETTERS, ownership.owns, live, CUSTOMERS, lambda: producer
    )
    batches = BatchApplier(ownership, writes, stats, clock, SETTINGS)
    topic = SETTINGS.events_topic
    good = SimpleNamespace(topic=topic, partition=0, offset=1, key=b"0", value=b"[]")
    bad = SimpleNamespace(topic=topic, partition=0, offset=2, key=b"0", value=b"\xff not ours")
    decoded, letters = batches.decode([good, bad])
    assert decoded == [] and [letter.value for letter in letters] == [b"\xff not ours"]
    assert dict(letters[0].headers)["supportkpi.offset"] == b"2"
    assert stats.events[(topic, "undecodable")] == 1


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

    async def send_batch(self, batch: Batch, topic: str, *, partition: int) -> Any:
        await asyncio.sleep(0)
        return await super().send_batch(batch, topic, partition=partition)

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


def test_a_commit_during_a_batch_of_writes_confirms_what_was_sent_before_it() -> None:
    """The bench crashed Faust's commit with InvalidStateError: writes sent while a commit was
    confirming landed in the list it was checking."""
    producer = YieldingProducer()
    state = StateFactory(SETTINGS, EventClock())()
    writes = _writes(producer, {0: state})
    for n in range(50):
        state.apply(created(f"T-{n}", RECENT_MS, f"e{n}"))

    async def batch_with_a_commit_in_the_middle() -> None:
        writing = asyncio.ensure_future(writes.persist({0: state}))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        await producer.flush()  # a commit while the batch is still sending
        await writing
        await producer.flush()  # the next commit confirms the rest

    _run(batch_with_a_commit_in_the_middle())
    assert len(producer.sent(CHANGELOG)) == 50
    assert all(f.done() for f in producer.futures) and writes.unconfirmed == []


def _state_with(tickets: int) -> PartitionState:
    state = StateFactory(SETTINGS, EventClock())()
    for n in range(tickets):
        state.apply(created(f"T-{n}", RECENT_MS, f"e{n}"))
    return state


def test_a_partitions_records_go_in_batches_and_a_refused_batch_is_written_again_whole() -> None:
    """Ten records, four to a batch: three batches. The broker refuses the batch holding T-5
    once; all four of it are sent again, as they are now, and nothing stays dirty."""
    refused = 0

    def t5_refused_once(sent: Sent) -> Exception | None:
        nonlocal refused
        if sent.key == b"T-5" and not refused:
            refused += 1
            return KafkaConnectionError()
        return None

    producer = FaustProducer(refuse=t5_refused_once)
    state = _state_with(10)
    writes = _writes(producer, {0: state})

    async def batch_then_commit() -> None:
        await writes.persist({0: state})
        assert len(producer.futures) == 3  # one delivery per batch, not per record
        await producer.flush()

    _run(batch_then_commit())
    keys = [m.key or b"" for m in producer.sent(CHANGELOG)]
    first, again = keys[:10], keys[10:]
    assert sorted(first) == sorted(f"T-{n}".encode() for n in range(10))
    batches = [first[at : at + Batch.CAPACITY] for at in range(0, 10, Batch.CAPACITY)]
    assert [len(batch) for batch in batches] == [4, 4, 2]  # the dirty set's order is the hash's
    (batch_of_t5,) = [batch for batch in batches if b"T-5" in batch]
    assert sorted(again) == sorted(batch_of_t5)
    assert not state.dirty and writes.unconfirmed == []


def test_records_not_yet_sent_when_the_agent_is_cancelled_stay_to_be_written() -> None:
    class StoppingProducer(FaustProducer):
        async def send_batch(self, batch: Batch, topic: str, *, partition: int) -> Any:
            if self.futures:  # the second batch: the worker stops meanwhile
                raise asyncio.CancelledError
            return await super().send_batch(batch, topic, partition=partition)

    producer = StoppingProducer()
    state = _state_with(10)
    writes = _writes(producer, {0: state})
    with pytest.raises(asyncio.CancelledError):
        _run(writes.persist({0: state}))
    sent = {m.key.decode() for m in producer.sent(CHANGELOG) if m.key}
    assert len(sent) == Batch.CAPACITY
    assert state.dirty == {f"T-{n}" for n in range(10)} - sent
