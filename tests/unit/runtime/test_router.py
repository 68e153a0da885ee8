"""The router's decisions (streams/runtime/router.py): where each event goes and why a message is
refused. Delivery through the real broker is proven end to end in tests/e2e and tests/reliability.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from aiokafka.structs import ConsumerRecord

from streams.config import Settings
from streams.domain.events import unpack
from streams.runtime.partitioning import partition_for
from streams.runtime.router import PACKED_EVENTS_MAX, dead_letter_headers, route

NOW_MS = 1_795_000_000_000
SETTINGS = Settings(partitions=4, max_future="15m")


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


def _record(topic: str, offset: int, value: bytes | None, key: bytes | None = None
            ) -> ConsumerRecord[Any, Any]:
    return ConsumerRecord(topic, 0, offset, 0, 0, key, value, None, 0, len(value or b""), [])


def _created(ticket: str, event_id: str, at_ms: int = NOW_MS - 60_000) -> bytes:
    return orjson.dumps({"event_id": event_id, "ticket_id": ticket, "occurred_at": _iso(at_ms),
                         "channel": "email", "priority": "high"})


def _replied(ticket: str, event_id: str) -> bytes:
    return orjson.dumps({"event_id": event_id, "ticket_id": ticket, "agent_id": "a1",
                         "occurred_at": _iso(NOW_MS - 30_000)})


def test_every_event_of_a_ticket_goes_to_the_partition_that_owns_the_ticket() -> None:
    records = [
        _record("ticket-created", 0, _created("T-1", "e1"), key=b"whatever"),
        _record("ticket-created", 1, _created("T-2", "e2")),
        _record("agent-replied", 0, _replied("T-1", "e3"), key=None),
        _record("agent-replied", 1, _replied("T-2", "e4"), key=b"T-1"),  # a wrong key
    ]
    routed = route(records, SETTINGS, NOW_MS)
    assert routed.rejected == []
    placed = {(e.ticket_id, e.event_id): p for p, events in routed.events.items() for e in events}
    assert placed == {
        ("T-1", "e1"): partition_for(b"T-1", 4), ("T-1", "e3"): partition_for(b"T-1", 4),
        ("T-2", "e2"): partition_for(b"T-2", 4), ("T-2", "e4"): partition_for(b"T-2", 4),
    }
    for events in routed.events.values():  # the order of arrival is kept within a partition
        ids = [e.event_id for e in events]
        assert ids == sorted(ids)


def test_a_bad_message_is_refused_with_its_reason_and_its_neighbours_go_on() -> None:
    records = [
        _record("ticket-created", 0, _created("T-1", "e1")),
        _record("ticket-created", 1, b"{not json"),
        _record("ticket-created", 2, None),
        _record("agent-replied", 0, orjson.dumps({"event_id": "e9", "ticket_id": "T-1"})),
        _record("agent-replied", 1, _replied("T-1", "e3")),
    ]
    routed = route(records, SETTINGS, NOW_MS)
    reasons = {r.offset if r.topic == "ticket-created" else -1: why for r, why in routed.rejected}
    assert set(reasons) == {1, 2, -1}
    assert "not valid UTF-8 JSON" in reasons[1]
    assert "tombstone" in reasons[2]
    assert reasons[-1] == "missing required field 'occurred_at'"
    assert [e.event_id for events in routed.events.values() for e in events] == ["e1", "e3"]


def test_events_from_the_far_future_are_refused_only_on_the_live_clock() -> None:
    future = [_record("ticket-created", 0, _created("T-1", "e1", at_ms=NOW_MS + 16 * 60_000)),
              _record("ticket-created", 1, _created("T-2", "e2", at_ms=NOW_MS + 14 * 60_000))]
    live = route(future, SETTINGS, NOW_MS)
    assert [(r.offset, why) for r, why in live.rejected] == [
        (0, "occurred_at lies more than 15m in the future")]
    replay = route(future, Settings(partitions=4, clock="event"), NOW_MS)
    assert replay.rejected == []
    assert sum(len(events) for events in replay.events.values()) == 2


def test_a_batch_packs_into_few_internal_messages_of_bounded_size() -> None:
    records = [_record("ticket-created", n, _created(f"T-{n % 7}", f"e{n:04d}"))
               for n in range(1_200)]
    routed = route(records, SETTINGS, NOW_MS)
    messages = list(routed.messages())
    by_partition: dict[int, list[str]] = {}
    for partition, blob in messages:
        events = unpack(blob)
        assert 1 <= len(events) <= PACKED_EVENTS_MAX
        by_partition.setdefault(partition, []).extend(e.event_id for e in events)
    # every event once, in arrival order, in as few messages as the bound allows
    assert by_partition == {
        p: [e.event_id for e in events] for p, events in routed.events.items()}
    assert sum(map(len, by_partition.values())) == 1_200
    assert len(messages) == sum(-(-len(ids) // PACKED_EVENTS_MAX)
                                for ids in by_partition.values())
    assert any(len(ids) > PACKED_EVENTS_MAX for ids in by_partition.values())  # it was split


def test_dead_letters_say_where_the_message_came_from_and_why() -> None:
    record = ConsumerRecord("agent-replied", 3, 17, 0, 0, b"k", b"{}", None, 1, 2, [])
    assert dead_letter_headers(record, "missing required field 'event_id'") == [
        ("supportkpi.reason", b"missing required field 'event_id'"),
        ("supportkpi.topic", b"agent-replied"),
        ("supportkpi.partition", b"3"),
        ("supportkpi.offset", b"17"),
    ]
