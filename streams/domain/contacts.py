"""Contacts: a ticket-created re-keyed by its customer, for the customer state's partition.

Tickets are partitioned by ticket id; repeat contacts need every ticket of one customer in one
place. The router therefore sends, for each valid ticket-created that names a customer, a
``Contact`` keyed by a keyed digest of the customer (hex, never the raw id) to the partition that
owns that customer.

The internal message is a JSON object, ``{"contacts": [[customer, ticket_id, created_ms,
channel, event_id], ...]}``, on purpose: an older worker expects a JSON array of event rows, fails
to read an object, and dead-letters it instead of misreading it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import orjson

from streams.domain.customer_digest import customer_digest
from streams.domain.events import Event, Kind

_FIELDS = 5


class Contact(NamedTuple):
    """One ticket-created, as the customer state needs it."""

    customer: str  # the keyed digest of the customer id (hex): the state key
    ticket_id: str
    created_ms: int  # the ticket-created's event time
    channel: str | None  # as published; the customer state maps it onto its bounded label
    event_id: str  # of the ticket-created (for tracing; dedupe is by ticket)


def pack_contacts(contacts: list[Contact]) -> bytes:
    """Several contacts in one internal message."""
    return orjson.dumps({"contacts": [list(contact) for contact in contacts]})


def is_contacts(blob: bytes) -> bool:
    """Whether ``blob`` is a contacts message rather than packed events (an array): its first
    byte, as ``pack_contacts`` writes no leading whitespace."""
    return blob[:1] == b"{"


def unpack_contacts(blob: bytes) -> list[Contact]:
    """Read a ``pack_contacts`` message; raise ``ValueError`` with a readable reason otherwise."""
    doc = orjson.loads(blob)  # orjson.JSONDecodeError is a ValueError
    if not isinstance(doc, dict) or set(doc) != {"contacts"}:
        raise ValueError('a contacts message is a JSON object with only the key "contacts"')
    rows = doc["contacts"]
    if not isinstance(rows, list):
        raise ValueError('"contacts" is not an array')
    return [_contact(row, n) for n, row in enumerate(rows)]


def _contact(row: Any, n: int) -> Contact:
    if not isinstance(row, list) or len(row) != _FIELDS:
        raise ValueError(f"contact {n} is not an array of {_FIELDS} elements")
    customer, ticket_id, created_ms, channel, event_id = row
    for name, value in (("customer", customer), ("ticket_id", ticket_id), ("event_id", event_id)):
        if not isinstance(value, str) or not value:
            raise ValueError(f"contact {n}: {name} is not a non-empty string")
    if not isinstance(created_ms, int) or isinstance(created_ms, bool):
        raise ValueError(f"contact {n}: created_ms is not an integer")
    if channel is not None and not isinstance(channel, str):
        raise ValueError(f"contact {n}: channel is neither a string nor null")
    return Contact(customer, ticket_id, created_ms, channel, event_id)


def contact_of(event: Event, key: bytes) -> Contact | None:
    """The contact a ticket-created with a ``customer_id`` makes, its customer digested under
    ``key`` (None for any other event)."""
    if event.kind is not Kind.CREATED or event.customer_id is None or event.ticket_id is None:
        return None
    customer = customer_digest(key, event.customer_id)
    return Contact(customer, event.ticket_id, event.at_ms, event.channel, event.event_id)
