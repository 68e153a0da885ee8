"""Contacts: the internal message round-trips, and nothing else is read as one."""

from __future__ import annotations

import orjson
import pytest

from streams.domain.contacts import Contact, is_contacts, pack_contacts, unpack_contacts
from streams.domain.events import pack, unpack
from tests.support.builders import NOW, created


def test_contacts_round_trip_in_order() -> None:
    contacts = [
        Contact("ab12", "T1", NOW - 1000, "chat", "c1"),
        Contact("cd34", "T2", NOW, None, "c2"),
    ]
    blob = pack_contacts(contacts)
    assert is_contacts(blob)
    assert unpack_contacts(blob) == contacts
    assert unpack_contacts(pack_contacts([])) == []


def test_packed_events_are_not_contacts_and_an_older_worker_cannot_read_contacts() -> None:
    events = pack([created("T", NOW)])
    assert not is_contacts(events)
    with pytest.raises(ValueError):
        unpack_contacts(events)
    # what a worker that knows only packed events does with a contacts message: it raises (and
    # so dead-letters it) instead of reading events out of it
    with pytest.raises((ValueError, KeyError, TypeError)):
        unpack(pack_contacts([Contact("ab12", "T1", NOW, "chat", "c1")]))


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        ([["ab", "T", 1, "chat", "c"]], "JSON object"),
        ({"contacts": [], "more": 1}, "JSON object"),
        ({"contacts": {}}, "not an array"),
        ({"contacts": [["ab", "T", 1, "chat"]]}, "contact 0 is not an array of 5"),
        ({"contacts": ["ab"]}, "contact 0 is not an array of 5"),
        ({"contacts": [["ab", "T", 1, "chat", "c"], ["", "T", 1, None, "c"]]}, "contact 1: cust"),
        ({"contacts": [["ab", 7, 1, "chat", "c"]]}, "ticket_id is not a non-empty string"),
        ({"contacts": [["ab", "T", 1, "chat", None]]}, "event_id is not a non-empty string"),
        ({"contacts": [["ab", "T", "1", "chat", "c"]]}, "created_ms is not an integer"),
        ({"contacts": [["ab", "T", True, "chat", "c"]]}, "created_ms is not an integer"),
        ({"contacts": [["ab", "T", 1.5, "chat", "c"]]}, "created_ms is not an integer"),
        ({"contacts": [["ab", "T", 1, 3, "c"]]}, "channel is neither a string nor null"),
    ],
)
def test_anything_else_is_refused_with_a_readable_reason(doc: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        unpack_contacts(orjson.dumps(doc))


def test_a_blob_that_is_not_json_is_refused() -> None:
    with pytest.raises(ValueError):
        unpack_contacts(b"{not json")
