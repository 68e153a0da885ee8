"""Poison from the wire: one row per case that a real producer can send, on the real broker.

Each row is published by a real external client (confluent-kafka with each compression codec;
kcat where a shell user would reach for it). Good events follow it and must be counted, so a row
that stopped a partition, the router or the worker fails at once; the KPIs of every good event
so far must equal the independent oracle, and every poison must sit in the dead-letter topic
with its reason. At the end the worker is killed with ``kill -9`` and restarted: the good events
after it are counted too, and every ticket created before any fault is still in the backlog
(the oracle's open-ticket counts). One worker serves the whole table, to keep the suite short.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import orjson
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.producer.message_accumulator import BatchBuilder
from confluent_kafka import Producer

from tests.conftest import Stack, isolated_env
from tests.support import builders, forensics, kcat, trace
from tests.support.builders import wall_clock_ms
from tests.support.processes import Broker, Worker

pytestmark = [pytest.mark.e2e, pytest.mark.reliability]

MAX_MESSAGE_BYTES = 200_000  # the worker's message limit here (the broker's default is ~1 MB)


@dataclass
class Table:
    """The deployment every row runs against, and what has been sent so far."""

    stack: Stack
    events: list[tuple[str, dict]] = field(default_factory=list)  # every good event
    letters: list[tuple[str, str]] = field(default_factory=list)  # (row, reason part) expected

    @property
    def worker(self) -> Worker:
        return self.stack.workers[-1]

    def topic(self, name: str) -> str:
        return self.stack.settings.topic_prefix + name

    def send(self, messages: list[tuple[str, dict]], **config: object) -> None:
        """Publish with confluent-kafka (``config``: e.g. compression.type), keys as given."""
        producer = Producer(
            {"bootstrap.servers": self.stack.broker.bootstrap, "linger.ms": 20, **config}
        )
        for topic, payload in messages:
            producer.produce(
                self.topic(topic),
                orjson.dumps(payload),
                key=str(payload.get("ticket_id", "")).encode() or None,
            )
        assert producer.flush(30) == 0

    def good(self, messages: list[tuple[str, dict]], **config: object) -> None:
        self.send(messages, **config)
        self.events.extend(messages)

    def follow_up(self) -> None:
        """Good events after a row: they must be counted, and so must everything before."""
        self.good(ticket_events(f"after-{uuid.uuid4().hex[:6]}", replies=1, resolved=True))
        self.stack.assert_oracle(trace.Trace(events=self.events), timeout=60)
        assert self.worker.proc is not None and self.worker.proc.poll() is None, "worker died"


def ticket_events(
    name: str, replies: int = 1, resolved: bool = False, minutes_ago: int = 30, **fields: object
) -> list[tuple[str, dict]]:
    """The events of one ticket: created, ``replies`` public replies, maybe resolved."""
    at = wall_clock_ms() - minutes_ago * 60_000

    def event(topic: str, offset_ms: int, **extra: object) -> tuple[str, dict]:
        return topic, builders.payload(name, at + offset_ms, **extra)

    out = [event("ticket-created", 0, channel="chat", priority="high", team="poison", **fields)]
    out += [event("agent-replied", 1000 * (n + 1), agent_id="a-1") for n in range(replies)]
    if resolved:
        out.append(event("ticket-resolved", 1000 * (replies + 1), agent_id="a-1"))
    return out


@pytest.fixture(scope="module")
def table(broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Table]:
    logs = tmp_path_factory.mktemp("poison")
    env, settings = isolated_env(broker, logs / "data")
    # the worker compresses what it writes too: its changelog is read back compressed after
    # the kill -9 below (through the broker's end-offset correction)
    env.update(SUPPORTKPI_MAX_MESSAGE_BYTES=str(MAX_MESSAGE_BYTES), SUPPORTKPI_COMPRESSION="zstd")
    stack = Stack(broker, env, settings, logs)
    stack.worker().wait_ready()
    running = Table(stack)
    # tickets created before any fault: they must stay in the backlog through every row
    for n in range(6):
        running.good(ticket_events(f"before-{n}", replies=n % 2))
    stack.assert_oracle(trace.Trace(events=running.events))
    yield running
    stack.stop()


# -- the rows -------------------------------------------------------------------------------


def compressed(codec: str) -> Callable[[Table], None]:
    """Java and librdkafka producers often compress: the router once died on the first such
    batch (UnsupportedCodecError), and again on every restart."""

    def row(t: Table) -> None:
        messages = [e for n in range(3) for e in ticket_events(f"{codec}-{n}", resolved=n == 0)]
        t.good(messages, **{"compression.type": codec, "linger.ms": 200})

    return row


@contextmanager
def corrupting_batches() -> Iterator[None]:
    """A producer with a bug: every record batch it writes fails its CRC check."""
    original = BatchBuilder._build

    def build(self: BatchBuilder) -> bytearray:
        buffer = original(self)
        buffer[-1] ^= 0xFF  # the last byte of the last record, after the CRC was computed
        return buffer

    BatchBuilder._build = build
    try:
        yield
    finally:
        BatchBuilder._build = original


def corrupt_batch(t: Table) -> None:
    """A batch no client can decode: aiokafka dropped the records fetched before it and raised
    on every fetch (a crash loop). Each of its offsets is now a dead letter, and the records
    around it are processed."""
    before = ticket_events("corrupt-before")
    after = ticket_events("corrupt-after")

    async def send() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=t.stack.broker.bootstrap, linger_ms=50)
        await producer.start()
        try:

            async def batch(events: list[tuple[str, dict]]) -> None:
                await asyncio.gather(
                    *[
                        await producer.send(t.topic(topic), orjson.dumps(payload), partition=0)
                        for topic, payload in events
                    ]
                )

            await batch([before[0]])
            with corrupting_batches():
                await asyncio.gather(
                    *[
                        await producer.send(
                            t.topic("ticket-created"), orjson.dumps({"n": n}), partition=0
                        )
                        for n in range(3)
                    ]
                )
            await batch([after[0]])
        finally:
            await producer.stop()

    asyncio.run(send())
    t.events += [before[0], after[0]]
    t.letters.append(("corrupt batch", "record batch cannot be decoded"))
    undecodable = (
        "support_events_total",
        (("outcome", "undecodable"), ("topic", t.topic("ticket-created"))),
    )
    assert (
        t.stack.wait_for(
            lambda: {undecodable: 3.0}, lambda s: {undecodable: s.get(undecodable, 0.0)}
        )
        == []
    )


def null_key_and_value(t: Table) -> None:
    """``kcat -Z -K'\t'`` with a line of just the delimiter: neither key nor value (the
    dead-letter send asserted ``Need at least one: key or value`` and the worker exited)."""
    kcat.produce(t.stack.broker.bootstrap, t.topic("ticket-created"), b"\t\n", "-Z", "-K\t")
    t.letters.append(("null key and value", "tombstone"))


def null_value_with_key(t: Table) -> None:
    kcat.produce(t.stack.broker.bootstrap, t.topic("agent-replied"), b"K-1\t\n", "-Z", "-K\t")
    t.letters.append(("null value", "tombstone"))


def reply_at(when: str) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "ticket_id": "before-1",
        "agent_id": "a-9",
        "occurred_at": when,
    }


def year_zero_on_an_existing_ticket(t: Table) -> None:
    """Year 1 at +14:00 is year 0 in UTC: it killed the business-hours walk, and every rebuild
    of the partition after it."""
    t.send([("agent-replied", reply_at("0001-01-01T00:00:00+14:00"))])
    t.letters.append(("year 0", "occurred_at lies before 2000-01-01T00:00:00Z"))


def far_future(t: Table) -> None:
    """Dated 9999: in replay mode it would have become "now" for good."""
    t.send([("agent-replied", reply_at("9999-12-31T23:59:59Z"))])
    t.letters.append(("far future", "in the future"))


def offset_beyond_fourteen_hours(t: Table) -> None:
    t.send([("agent-replied", reply_at("2026-11-25T08:00:00+15:00"))])
    t.letters.append(("offset +15:00", "beyond ±14:00"))


def calendar_edges_that_are_valid(t: Table) -> None:
    """±14:00, seven fraction digits and -00:00 are ordinary input, counted as such."""
    base = wall_clock_ms() - 20 * 60_000
    stamps = [
        trace.rfc3339(base, 14),
        trace.rfc3339(base + 1000, -14),
        trace.rfc3339(base + 2000)[:-10] + ".1234567+00:00",
        trace.rfc3339(base + 3000)[:-6] + "-00:00",
    ]
    for n, stamp in enumerate(stamps):
        created, reply = ticket_events(f"edge-{n}")
        created[1]["occurred_at"] = stamp
        t.good([created, reply])


def hot_ticket(t: Table) -> None:
    """2,100 bot notes and 210 public replies to one ticket, then its resolution: the record
    once grew past the broker's limit and crashed the agent on every write. Now it is bounded,
    the replies past 200 are ``capped``, and the resolution still counts."""
    events = ticket_events("hot", replies=0)
    at = trace.rfc3339(wall_clock_ms() - 25 * 60_000)
    events += [
        (
            "agent-replied",
            {
                "event_id": str(uuid.uuid4()),
                "ticket_id": "hot",
                "agent_id": "bot",
                "author": "bot",
                "occurred_at": at,
            },
        )
        for _ in range(2_100)
    ]
    events += [
        (
            "agent-replied",
            {
                "event_id": str(uuid.uuid4()),
                "ticket_id": "hot",
                "agent_id": "a-1",
                "occurred_at": at,
            },
        )
        for _ in range(210)
    ]
    events.append(
        (
            "ticket-resolved",
            {
                "event_id": str(uuid.uuid4()),
                "ticket_id": "hot",
                "occurred_at": trace.rfc3339(wall_clock_ms() - 20 * 60_000),
            },
        )
    )
    t.good(events)
    capped = ("support_events_total", (("outcome", "capped"), ("topic", t.topic("agent-replied"))))
    assert t.stack.wait_for(lambda: {capped: 10.0}, lambda s: {capped: s.get(capped, 0.0)}) == []


def long_fields(t: Table) -> None:
    """250 valid events of one ticket with 256-character fields: packed by count alone they
    exceeded the broker's limit, and the router retried that send for ever."""
    name = "L" * 250
    events = ticket_events(name, replies=0)
    at = trace.rfc3339(wall_clock_ms() - 25 * 60_000)
    events += [
        (
            "ticket-updated",
            {
                "event_id": f"{uuid.uuid4()}-{'i' * 200}",
                "ticket_id": name,
                "category": "C" * 250,
                "occurred_at": at,
            },
        )
        for _ in range(249)
    ]
    t.good(events)


ROWS: list[tuple[str, Callable[[Table], None]]] = [
    ("gzip batch", compressed("gzip")),
    ("snappy batch", compressed("snappy")),
    ("lz4 batch", compressed("lz4")),
    ("zstd batch", compressed("zstd")),
    ("a corrupt record batch", corrupt_batch),
    ("null key and value (kcat -Z)", null_key_and_value),
    ("null value with a key (kcat -Z)", null_value_with_key),
    ("year 0 in UTC on an existing ticket", year_zero_on_an_existing_ticket),
    ("dated 9999", far_future),
    ("UTC offset beyond ±14:00", offset_beyond_fourteen_hours),
    ("±14:00, 7 fraction digits, -00:00", calendar_edges_that_are_valid),
    ("one hot ticket", hot_ticket),
    ("250 events with long fields", long_fields),
]


@pytest.mark.parametrize("row", [r for _, r in ROWS], ids=[name for name, _ in ROWS])
def test_a_row_then_good_events_are_counted(table: Table, row: Callable[[Table], None]) -> None:
    row(table)
    table.follow_up()


def test_internal_messages_stay_below_the_message_limit(table: Table) -> None:
    sizes = [len(value) for value in _published_values(table, table.stack.settings.events_topic)]
    assert sizes and max(sizes) <= MAX_MESSAGE_BYTES


def test_every_poison_is_a_dead_letter_with_its_reason(table: Table) -> None:
    letters = list(_letters(table))
    reasons = [headers["supportkpi.reason"] for _, headers in letters]
    for row, wanted in table.letters:
        assert any(wanted in reason for reason in reasons), (row, wanted, reasons)
    for key, headers in letters:
        assert key, headers  # never null: a keyless tombstone gets topic/partition/offset
        assert {"supportkpi.topic", "supportkpi.partition", "supportkpi.offset"} <= set(headers)
    tombstones = [key for key, h in letters if "tombstone" in h["supportkpi.reason"]]
    assert any(
        key.startswith(table.topic("ticket-created").encode() + b"/") for key in tombstones
    ), tombstones


def test_only_metrics_health_and_ready_are_served(table: Table) -> None:
    """Faust mounts /router/ and /table/ (and more) on the metrics port unless told not to."""
    for path in ("/router/", "/table/", "/stats/", "/graph/"):
        assert table.worker.get(path)[0] == 404, path
    assert table.worker.get("/health") == (200, '{"status":"ok"}')
    stalled = {
        labels: v
        for (name, labels), v in table.stack.scrape().items()
        if name == "support_processing_stalled"
    }
    assert {dict(labels)["stage"] for labels in stalled} == {
        "router",
        "agent",
        "rebuild",
        "changelog",
    }
    assert set(stalled.values()) == {0.0}


def test_kill_minus_nine_then_restart_counts_good_events_again(table: Table) -> None:
    table.worker.kill()
    table.stack.worker().wait_ready(timeout=90)
    table.follow_up()  # every KPI of every good event, and the backlog from before the faults


# -- reading topics back --------------------------------------------------------------------


def _messages(table: Table, topic: str) -> Iterator[object]:
    return forensics.messages(table.stack.broker.bootstrap, topic, table.stack.settings.partitions)


def _published_values(table: Table, topic: str) -> Iterator[bytes]:
    for message in _messages(table, topic):
        yield message.value() or b""  # type: ignore[attr-defined]


def _letters(table: Table) -> Iterator[tuple[bytes, dict[str, str]]]:
    for message in _messages(table, table.stack.settings.dead_letter_topic):
        headers = {k: v.decode() for k, v in message.headers() or []}  # type: ignore[attr-defined]
        yield message.key(), headers  # type: ignore[attr-defined]
