"""The router's decisions (streams/runtime/routing.py, deadletters.py, sending.py): where each
event goes, why a message is refused and what its dead letter says, which errors are retried.
Delivery through the real broker is proven end to end in tests/e2e and tests/reliability.
"""

from __future__ import annotations

import orjson
from aiokafka.structs import ConsumerRecord

from streams.config import Settings
from streams.domain.contacts import unpack_contacts
from streams.domain.events import pack, unpack
from streams.runtime.deadletters import dead_letter, dead_letter_of
from streams.runtime.partitioning import partition_for
from streams.runtime.routing import PACKED_EVENTS_MAX, route
from streams.runtime.sending import RECORD_OVERHEAD, is_retriable
from tests.support.builders import consumer_record, created_payload, replied_payload
from tests.support.trace import rfc3339

NOW_MS = 1_795_000_000_000  # a wall clock: the router refuses times before 2000 or in the future
MINUTE_AGO, HALF_A_MINUTE_AGO = NOW_MS - 60_000, NOW_MS - 30_000
SETTINGS = Settings(partitions=4, max_future="15m")


def test_every_event_of_a_ticket_goes_to_the_partition_that_owns_the_ticket() -> None:
    records = [
        consumer_record(
            "ticket-created", 0, created_payload("T-1", MINUTE_AGO, "e1"), key=b"whatever"
        ),
        consumer_record("ticket-created", 1, created_payload("T-2", MINUTE_AGO, "e2")),
        consumer_record(
            "agent-replied", 0, replied_payload("T-1", HALF_A_MINUTE_AGO, "e3"), key=None
        ),
        consumer_record(
            "agent-replied", 1, replied_payload("T-2", HALF_A_MINUTE_AGO, "e4"), key=b"T-1"
        ),  # a wrong key
    ]
    routed = route(records, SETTINGS, NOW_MS)
    assert routed.rejected == []
    placed = {(e.ticket_id, e.event_id): p for p, events in routed.events.items() for e in events}
    assert placed == {
        ("T-1", "e1"): partition_for(b"T-1", 4),
        ("T-1", "e3"): partition_for(b"T-1", 4),
        ("T-2", "e2"): partition_for(b"T-2", 4),
        ("T-2", "e4"): partition_for(b"T-2", 4),
    }
    for events in routed.events.values():  # the order of arrival is kept within a partition
        ids = [e.event_id for e in events]
        assert ids == sorted(ids)


def test_a_bad_message_is_refused_with_its_reason_and_its_neighbours_go_on() -> None:
    records = [
        consumer_record("ticket-created", 0, created_payload("T-1", MINUTE_AGO, "e1")),
        consumer_record("ticket-created", 1, b"{not json"),
        consumer_record("ticket-created", 2, None),
        consumer_record("agent-replied", 0, orjson.dumps({"event_id": "e9", "ticket_id": "T-1"})),
        consumer_record("agent-replied", 1, replied_payload("T-1", HALF_A_MINUTE_AGO, "e3")),
    ]
    routed = route(records, SETTINGS, NOW_MS)
    reasons = {r.offset if r.topic == "ticket-created" else -1: why for r, why in routed.rejected}
    assert set(reasons) == {1, 2, -1}
    assert "not valid UTF-8 JSON" in reasons[1]
    assert "tombstone" in reasons[2]
    assert reasons[-1] == "missing required field 'occurred_at'"
    assert [e.event_id for events in routed.events.values() for e in events] == ["e1", "e3"]


def test_event_times_are_bounded_on_the_live_and_the_replay_clock_alike() -> None:
    """A replay's clock is the events' own: one event from 9999 would become "now" for good."""
    records = [
        consumer_record("ticket-created", 0, created_payload("T-1", NOW_MS + 16 * 60_000, "e1")),
        consumer_record("ticket-created", 1, created_payload("T-2", NOW_MS + 14 * 60_000, "e2")),
        consumer_record(
            "ticket-created",
            2,
            orjson.dumps(
                {
                    "event_id": "e3",
                    "ticket_id": "T-3",
                    "channel": "chat",
                    "priority": "low",
                    "occurred_at": "0001-01-01T00:00:00+14:00",
                }
            ),
        ),
        consumer_record(
            "ticket-created",
            3,
            orjson.dumps(
                {
                    "event_id": "e4",
                    "ticket_id": "T-4",
                    "channel": "chat",
                    "priority": "low",
                    "occurred_at": "9999-12-31T23:59:59-14:00",
                }
            ),
        ),
        consumer_record("ticket-created", 4, created_payload("T-5", 946_684_800_000, "e5")),
    ]
    for clock in ("wall", "event"):
        routed = route(records, Settings(partitions=4, clock=clock), NOW_MS)
        assert [(r.offset, why) for r, why in routed.rejected] == [
            (0, "occurred_at lies more than 15m in the future"),
            (2, "occurred_at lies before 2000-01-01T00:00:00Z"),
            (3, "occurred_at lies more than 15m in the future"),
        ]
        assert sorted(e.event_id for es in routed.events.values() for e in es) == ["e2", "e5"]


def test_a_batch_packs_into_few_internal_messages_of_bounded_size() -> None:
    records = [
        consumer_record("ticket-created", n, created_payload(f"T-{n % 7}", MINUTE_AGO, f"e{n:04d}"))
        for n in range(1_200)
    ]
    routed = route(records, SETTINGS, NOW_MS)
    messages = list(routed.messages(1_000_000))
    by_partition: dict[int, list[str]] = {}
    for message in messages:
        events = unpack(message.blob)
        assert events == message.events and len(message.sources) == len(events)
        assert 1 <= len(events) <= PACKED_EVENTS_MAX
        by_partition.setdefault(message.partition, []).extend(e.event_id for e in events)
    # every event once, in arrival order, in as few messages as the bound allows
    assert by_partition == {p: [e.event_id for e in events] for p, events in routed.events.items()}
    assert sum(map(len, by_partition.values())) == 1_200
    assert len(messages) == sum(-(-len(ids) // PACKED_EVENTS_MAX) for ids in by_partition.values())
    assert any(len(ids) > PACKED_EVENTS_MAX for ids in by_partition.values())  # it was split


def _long(ticket: str, event_id: str) -> bytes:
    return orjson.dumps(
        {
            "event_id": event_id,
            "ticket_id": ticket,
            "agent_id": "a" * 256,
            "occurred_at": rfc3339(HALF_A_MINUTE_AGO),
            "channel": "c" * 256,
            "priority": "p" * 256,
            "team": "t" * 256,
            "category": "k" * 256,
        }
    )


def test_packed_messages_are_bounded_in_bytes_too() -> None:
    """250 valid events with long fields packed into more than 2 MB, which brokers refuse."""
    records = [
        consumer_record("ticket-created", n, _long("T-" + "x" * 250, f"e{n:04d}" + "i" * 250))
        for n in range(250)
    ]
    routed = route(records, SETTINGS, NOW_MS)
    limit = 20_000
    messages = list(routed.messages(limit))
    assert len(messages) > 1 and all(len(m.blob) <= limit for m in messages)
    assert [e.event_id for m in messages for e in unpack(m.blob)] == [
        f"e{n:04d}" + "i" * 250 for n in range(250)
    ]  # all of them, in order
    assert routed.rejected == []


def test_an_event_larger_than_a_message_is_rejected_and_its_neighbours_go_on() -> None:
    records = [
        consumer_record("ticket-created", 0, created_payload("T-1", MINUTE_AGO, "e1")),
        consumer_record("ticket-created", 1, _long("T-1", "big")),
        consumer_record("ticket-created", 2, created_payload("T-1", MINUTE_AGO, "e2")),
    ]
    routed = route(records, SETTINGS, NOW_MS)
    messages = list(routed.messages(1_000))
    assert [e.event_id for m in messages for e in m.events] == ["e1", "e2"]
    assert [(r.offset, why.split(",")[0]) for r, why in routed.rejected] == [
        (1, routed.rejected[0].reason.split(",")[0])
    ]
    assert "more than the 1000-byte message limit" in routed.rejected[0].reason


def test_dead_letters_say_where_the_message_came_from_and_why() -> None:
    record = ConsumerRecord("agent-replied", 3, 17, 0, 0, b"k", b"{}", None, 1, 2, [])
    letter = dead_letter_of(record, "missing required field 'event_id'", 1_000_000)
    assert (letter.key, letter.value) == (b"k", b"{}")
    assert letter.headers == [
        ("supportkpi.reason", b"missing required field 'event_id'"),
        ("supportkpi.topic", b"agent-replied"),
        ("supportkpi.partition", b"3"),
        ("supportkpi.offset", b"17"),
    ]


def test_a_dead_letter_always_has_a_key_and_fits_a_message() -> None:
    """A keyless tombstone has neither key nor value: Kafka clients refuse such a record."""
    tombstone = dead_letter("ticket-created", 2, 40, None, None, "no value", 1_000_000)
    assert tombstone.key == b"ticket-created/2/40" and tombstone.value is None
    big = dead_letter("ticket-created", 0, 1, b"k", b"x" * 50_000, "r" * 5_000, 20_000)
    size = len(big.key) + len(big.value or b"") + sum(len(k) + len(v) for k, v in big.headers)
    assert size <= 20_000 - RECORD_OVERHEAD
    assert dict(big.headers)["supportkpi.truncated"] == b"50000"
    assert big.value == b"x" * len(big.value or b"")  # a prefix of the original


def test_only_errors_a_retry_can_fix_are_retried() -> None:
    from aiokafka.errors import (
        KafkaConnectionError,
        MessageSizeTooLargeError,
        RequestTimedOutError,
    )

    assert is_retriable(KafkaConnectionError()) and is_retriable(RequestTimedOutError())
    assert not is_retriable(MessageSizeTooLargeError())
    assert not is_retriable(AssertionError("Need at least one: key or value"))


def test_a_ticket_created_with_a_customer_is_also_a_contact_on_the_customers_partition() -> None:
    records = [
        consumer_record(
            "ticket-created", n, created_payload(f"T-{n}", MINUTE_AGO, customer_id="C-42")
        )
        for n in range(3)
    ]
    records.append(consumer_record("ticket-created", 3, created_payload("T-9", MINUTE_AGO)))
    routed = route(records, SETTINGS, NOW_MS, b"secret")
    [(partition, contacts)] = routed.contacts.items()  # one customer: one partition
    assert [c.ticket_id for c in contacts] == ["T-0", "T-1", "T-2"]  # T-9 names no customer
    digest = contacts[0].customer
    assert {c.customer for c in contacts} == {digest} and partition == partition_for(
        digest.encode(), 4
    )
    assert digest != route(records, SETTINGS, NOW_MS, b"another key").contacts.popitem()[1][0][0]
    [(_, blob)] = routed.contact_messages(SETTINGS.max_message_bytes)
    assert b"C-42" not in blob  # the raw customer id never leaves the router
    assert unpack_contacts(blob) == contacts
    for events in routed.events.values():
        assert b"C-42" not in pack(events)


def test_many_contacts_are_packed_in_messages_that_fit() -> None:
    records = [
        consumer_record(
            "ticket-created", n, created_payload(f"T-{n}", MINUTE_AGO, customer_id="C-1")
        )
        for n in range(600)
    ]
    routed = route(records, SETTINGS, NOW_MS)
    messages = list(routed.contact_messages(16_384))
    assert len(messages) > 3 and all(len(blob) <= 16_384 for _, blob in messages)
    assert sum(len(unpack_contacts(blob)) for _, blob in messages) == 600


def test_the_partition_of_a_key_is_kafkas_murmur2_also_from_the_cache() -> None:
    """Answers come from a bounded cache: asked again, past its size (evicted) and for other
    partition counts, each is still Kafka's default partitioner's."""
    from aiokafka.partitioner import murmur2

    from streams.runtime.partitioning import CACHED_KEYS

    keys = [f"T-{n}".encode() for n in range(CACHED_KEYS + 1000)]
    for rounds in range(2):
        for key in keys[:: 7 if rounds else 1]:
            for partitions in (4, 12):
                assert partition_for(key, partitions) == (murmur2(key) & 0x7FFFFFFF) % partitions
