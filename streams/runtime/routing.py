"""Routing decisions, without I/O: which internal partition each valid event goes to, packed
into messages that fit the broker's limit, and which records are refused and why."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from aiokafka.structs import ConsumerRecord

from streams.config import Settings
from streams.domain.contacts import Contact, contact_of, pack_contacts
from streams.domain.customer_digest import UNSET_KEY
from streams.domain.events import Event, InvalidEvent, decode, pack
from streams.runtime.partitioning import partition_for

PACKED_EVENTS_MAX = 250  # events per internal message: bounds a processing batch (see app)


class Rejected(NamedTuple):
    """A source record that is not forwarded, and why (its dead letter's reason)."""

    record: ConsumerRecord[Any, Any]
    reason: str


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
    rejected: list[Rejected] = field(default_factory=list)
    # each ticket-created with a customer, re-keyed by customer (the repeat-contact stage)
    contacts: dict[int, list[Contact]] = field(default_factory=dict)

    def contact_messages(self, max_bytes: int) -> Iterator[tuple[int, bytes]]:
        """Packed contacts per partition, like ``messages`` (one contact always fits: its
        strings are bounded by the decoder, far below the smallest message limit)."""
        for partition, contacts in self.contacts.items():
            for start in range(0, len(contacts), PACKED_EVENTS_MAX):
                yield from _fitting_contacts(
                    partition, contacts[start : start + PACKED_EVENTS_MAX], max_bytes
                )

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
                Rejected(
                    sources[0],
                    f"event is {len(blob)} bytes packed, more than "
                    f"the {max_bytes}-byte message limit",
                )
            )
        else:
            half = len(events) // 2
            yield from self._fitting(partition, events[:half], sources[:half], max_bytes)
            yield from self._fitting(partition, events[half:], sources[half:], max_bytes)


def _fitting_contacts(
    partition: int, contacts: list[Contact], max_bytes: int
) -> Iterator[tuple[int, bytes]]:
    blob = pack_contacts(contacts)
    if len(blob) <= max_bytes or len(contacts) == 1:
        yield partition, blob
    else:
        half = len(contacts) // 2
        yield from _fitting_contacts(partition, contacts[:half], max_bytes)
        yield from _fitting_contacts(partition, contacts[half:], max_bytes)


def route(
    records: Iterable[ConsumerRecord[Any, Any]],
    settings: Settings,
    now_ms: int,
    customer_key: bytes = UNSET_KEY,
) -> Routed:
    """Decode and validate ``records``; group good events by the partition that owns them, and
    the contacts of ticket-created events with a customer by the partition of the customer.

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
            out.rejected.append(Rejected(record, str(exc)))
            continue
        partition = partition_for(event.record_key.encode(), partitions)
        target = events.get(partition)
        if target is None:
            events[partition] = [event]
            sources[partition] = [record]
        else:
            target.append(event)
            sources[partition].append(record)
        contact = contact_of(event, customer_key)
        if contact is not None:
            owner = partition_for(contact.customer.encode(), partitions)
            out.contacts.setdefault(owner, []).append(contact)
    return out
