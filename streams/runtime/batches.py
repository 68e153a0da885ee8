"""One batch of the agent: internal messages decoded, each event applied to its partition's
state, what cannot be read or applied dead-lettered, the changed records written.

Every event of a batch is applied or dead-lettered before the batch's dead letters are
confirmed and its records sent (``writes``): then the agent may acknowledge it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, NamedTuple

from streams.config import Settings
from streams.domain.contacts import Contact, is_contacts, pack_contacts, unpack_contacts
from streams.domain.events import Event, Kind, pack, unpack
from streams.domain.partition import Outcome, PartitionState
from streams.runtime.clock import EventClock
from streams.runtime.deadletters import DeadLetter, dead_letter
from streams.runtime.liveness import why
from streams.runtime.ownership import Ownership
from streams.runtime.stats import ProcessorStats
from streams.runtime.writes import Writes

log = logging.getLogger(__name__)


class Decoded(NamedTuple):
    """The events (or contacts) of one internal message, and the message (a Faust message):
    its partition routes them, its topic, offset and key go into their dead letters."""

    message: Any
    events: list[Event]
    contacts: list[Contact] = []  # noqa: RUF012 -- never mutated; a message holds one kind


class BatchApplier:
    """Applies the agent's batches to the owned states."""

    def __init__(
        self,
        ownership: Ownership,
        writes: Writes,
        stats: ProcessorStats,
        clock: EventClock,
        settings: Settings,
    ) -> None:
        self.ownership = ownership
        self.writes = writes
        self.stats = stats
        self.clock = clock
        self.topic_of = {kind: settings.topic(kind) for kind in Kind}  # counted per source topic
        self.max_message_bytes = settings.max_message_bytes

    def decode(self, messages: Iterable[Any]) -> tuple[list[Decoded], list[DeadLetter]]:
        """The events of ``messages`` (Faust messages); one that this version did not write
        becomes a dead letter with its bytes."""
        letters: list[DeadLetter] = []
        decoded: list[Decoded] = []
        for message in messages:
            try:
                if is_contacts(message.value):
                    decoded.append(Decoded(message, [], unpack_contacts(message.value)))
                    continue
                events = unpack(message.value)
            except Exception as exc:  # not a message this version wrote: keep its bytes
                self.stats.count(message.topic, "undecodable")
                letters.append(
                    self._letter(
                        message, message.value, f"internal message cannot be read: {why(exc)}"
                    )
                )
                continue
            if events:
                decoded.append(Decoded(message, events))
        return decoded, letters

    async def apply(self, decoded: list[Decoded], letters: list[DeadLetter]) -> None:
        """Apply every event, then send the dead letters (waiting) and the changed records."""
        stats, topic_of, saw = self.stats, self.topic_of, self.clock.saw
        for _, events, _ in decoded:  # first: in replay mode the newest event time is "now"
            for event in events:
                saw(event.at_ms)
        now, arrived = self.clock.now_ms(), self.clock.waiting_ms()
        touched: dict[int, PartitionState] = {}
        for message, events, contacts in decoded:
            partition = message.partition
            state = touched.get(partition)
            if state is None:
                state = await self.ownership.state_for(partition)
                if state is None:
                    continue  # fetched before it moved away; its new owner reads it again
                state.advance(now)
                touched[partition] = state
            if contacts:
                self._apply_contacts(state, message, contacts, letters)
            for event in events:
                try:
                    outcome = state.apply(event, arrived)
                except Exception as exc:  # rolled back by the state; this event alone is lost
                    outcome = Outcome.FAILED
                    letters.append(
                        self._letter(
                            message,
                            pack([event]),
                            f"applying {event.kind.value} {event.event_id!r} of "
                            f"{event.record_key!r} failed: {why(exc)}",
                        )
                    )
                    log.error(
                        "event %r of ticket %r could not be applied: %s",
                        event.event_id,
                        event.ticket_id,
                        why(exc),
                    )
                stats.count(topic_of[event.kind], outcome.value)
        await self.writes.dead_letter(letters)
        await self.writes.persist(touched)

    def _apply_contacts(
        self,
        state: PartitionState,
        message: Any,
        contacts: list[Contact],
        letters: list[DeadLetter],
    ) -> None:
        """Contacts to the partition's customer state; one that raises is dead-lettered."""
        customers, counts = state.customers, self.stats.contacts
        for contact in contacts:
            try:
                outcome = customers.apply(contact, state.late_before_ms)
            except Exception as exc:  # rolled back by the state; this contact alone is lost
                outcome = Outcome.FAILED
                reason = f"applying the contact of ticket {contact.ticket_id!r} failed: {why(exc)}"
                letters.append(self._letter(message, pack_contacts([contact]), reason))
                log.error("%s", reason)
            counts[outcome.value] += 1

    def _letter(self, message: Any, value: bytes | None, reason: str) -> DeadLetter:
        """A dead letter for an internal message (or one event of it)."""
        return dead_letter(
            message.topic,
            message.partition,
            message.offset,
            message.key,
            value,
            reason,
            self.max_message_bytes,
        )
