"""When numbers differ: which events are missing from the stored records, and where they stopped.

Reads the topics straight from the broker, so a failing reliability test says "event X of ticket
Y reached the internal topic but no record" instead of only "a bucket is one short".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import orjson
from confluent_kafka import Consumer, Message, TopicPartition

from streams.config import Settings
from streams.domain.contacts import is_contacts
from streams.domain.events import unpack
from streams.domain.ticket import DIGEST_SIZE, TicketRecord, event_digest


def _read(bootstrap: str, topic: str, partitions: int) -> Iterator[tuple[bytes | None, bytes]]:
    for _, _, key, value in _read_at(bootstrap, topic, partitions):
        yield key, value


def _read_at(
    bootstrap: str, topic: str, partitions: int
) -> Iterator[tuple[int, int, bytes | None, bytes]]:
    """Every record of ``topic`` (partition, offset, key, value) from the beginning until
    nothing more arrives."""
    for message in messages(bootstrap, topic, partitions):
        yield message.partition(), message.offset(), message.key(), message.value()


def messages(bootstrap: str, topic: str, partitions: int) -> Iterator[Message]:
    """Every message of ``topic`` from the beginning until nothing more arrives, as
    confluent-kafka hands them (headers included); errors are left out."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": "forensics",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        }
    )
    try:
        consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
        idle = 0
        while idle < 3:
            batch = consumer.consume(1000, timeout=1.0)
            idle = 0 if batch else idle + 1
            yield from (message for message in batch if message.error() is None)
    finally:
        consumer.close()


def committed_offsets(bootstrap: str, settings: Settings) -> dict[tuple[str, int], int]:
    """Offsets the processor's consumer group has committed (absent: none yet)."""
    counts = {settings.events_topic: settings.partitions}
    counts.update(dict.fromkeys(settings.source_topics, settings.source_partition_count))
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": settings.app_id, "enable.auto.commit": False}
    )
    try:
        wanted = [TopicPartition(t, p) for t, n in counts.items() for p in range(n)]
        return {
            (tp.topic, tp.partition): tp.offset
            for tp in consumer.committed(wanted, timeout=20)
            if tp.offset >= 0
        }
    finally:
        consumer.close()


def stored_ids(bootstrap: str, settings: Settings) -> set[bytes]:
    """Digests (``event_digest``) of the event ids applied in the latest version of every
    changelog record."""
    latest: dict[bytes | None, bytes | None] = dict(
        _read(bootstrap, settings.changelog_topic, settings.partitions)
    )
    size = DIGEST_SIZE
    return {
        seen[i : i + size]
        for v in latest.values()
        if v
        for seen in [TicketRecord.from_bytes(v).seen]
        for i in range(0, len(seen), size)
    }


def routed_ids(bootstrap: str, settings: Settings) -> set[str]:
    """Event ids that reached the internal (re-keyed) topic."""
    return {
        e.event_id
        for _, v in _read(bootstrap, settings.events_topic, settings.partitions)
        if v and not is_contacts(v)  # contacts messages carry no event ids
        for e in unpack(v)
    }


def report(
    bootstrap: str, settings: Settings, events: list[tuple[str, dict]], late_before_ms: int
) -> str:
    """Where each valid event that no record holds got lost (late events are never stored)."""
    stored = stored_ids(bootstrap, settings)
    missing = [
        (t, e)
        for t, e in events
        if event_digest(e["event_id"]) not in stored
        and datetime.fromisoformat(e["occurred_at"]).timestamp() * 1000 >= late_before_ms
    ]
    if not missing:
        return "every event is in a stored record"
    routed = routed_ids(bootstrap, settings)
    source = {}
    ends: dict[tuple[str, int], int] = {}
    for topic in settings.source_topics:
        count = settings.source_partition_count
        for partition, offset, _, value in _read_at(bootstrap, topic, count):
            ends[(topic, partition)] = offset + 1
            try:
                source.setdefault(orjson.loads(value)["event_id"], (topic, partition, offset))
            except (orjson.JSONDecodeError, KeyError, TypeError):
                continue
    committed = committed_offsets(bootstrap, settings)
    lines = [
        f"{len(missing)} of {len(events)} events are in no stored record;",
        "committed/end: "
        + ", ".join(
            f"{t}[{p}] {committed.get((t, p))}/{end}" for (t, p), end in sorted(ends.items())
        ),
    ]
    for topic, event in missing[:30]:
        where = "routed, not stored" if event["event_id"] in routed else "never routed"
        at = source.get(event["event_id"])
        if at is not None:
            where += (
                f" (source {at[0]}[{at[1]}]@{at[2]}, committed {committed.get(at[:2])}"
                f" of {ends.get(at[:2])})"
            )
        lines.append(
            f"  {topic} {event.get('ticket_id')} {event['event_id']}"
            f" at {event['occurred_at']}: {where}"
        )
    return "\n".join(lines)
