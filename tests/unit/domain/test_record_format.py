"""The record format names every field of a ticket record, in the record's own order."""

from __future__ import annotations

import dataclasses
import sys

from streams.domain.record_format import Persisted, StoredRecord, decode, encode
from streams.domain.ticket import TicketRecord


def test_the_stored_fields_are_the_record_fields_in_order() -> None:
    names = tuple(f.name for f in dataclasses.fields(TicketRecord))
    assert StoredRecord._fields == names  # ``TicketRecord(*decode(blob))`` relies on it
    assert tuple(Persisted.__annotations__) == names  # everything is written


def test_labels_read_back_are_shared_strings() -> None:
    record = TicketRecord(created_ms=1, channel="chat", team="billing", statuses=((1, "open"),))
    stored = decode(encode(record))
    assert stored.channel is sys.intern("chat") and stored.team is sys.intern("billing")
    assert stored.statuses[0][1] is sys.intern("open")
    assert TicketRecord(*stored) == record
