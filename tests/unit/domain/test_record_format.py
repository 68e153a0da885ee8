"""The record format names every field of a ticket record, in the record's own order."""

from __future__ import annotations

import ast
import dataclasses
import sys
from pathlib import Path

import orjson

import streams.domain
from streams.domain.record_format import UNDECIDED, Persisted, StoredRecord, decode, encode
from streams.domain.ticket import TicketRecord


def test_the_stored_fields_are_the_record_fields_in_order() -> None:
    names = tuple(f.name for f in dataclasses.fields(TicketRecord))
    assert StoredRecord._fields == names  # ``TicketRecord(*decode(blob))`` relies on it
    assert _declared("record_format.py", Persisted.__name__) == names  # everything is written


def _declared(module: str, name: str) -> tuple[str, ...]:
    """The attributes class ``name`` annotates, read from its source: a compiled core keeps no
    annotations of a Protocol."""
    tree = ast.parse((Path(streams.domain.__file__).parent / module).read_text())
    body = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name).body
    return tuple(
        n.target.id for n in body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
    )


def test_labels_read_back_are_shared_strings() -> None:
    record = TicketRecord(created_ms=1, channel="chat", team="billing", statuses=((1, "open"),))
    stored = decode(encode(record))
    assert stored.channel is sys.intern("chat") and stored.team is sys.intern("billing")
    assert stored.statuses[0][1] is sys.intern("open")
    assert TicketRecord(*stored) == record


def test_category_labels_are_written_in_format_5_and_read_back() -> None:
    record = TicketRecord(
        created_ms=1, category="Bug", category_label="other", category_changes=((5, "refund"),)
    )
    blob = encode(record)
    assert blob.startswith(b"[5,")
    stored = decode(blob)
    assert TicketRecord(*stored) == record
    assert stored.category_changes[0][1] is sys.intern("refund")


def test_a_record_without_category_labels_keeps_the_older_format() -> None:
    record = TicketRecord(created_ms=1, channel="chat")
    assert encode(record).startswith(b"[3,")  # releases before categories read it too
    assert TicketRecord(*decode(encode(record))) == record


def test_a_category_of_an_older_format_is_left_to_decide_on_load() -> None:
    # what a release before category labels wrote: format 3, the category as published
    older = orjson.dumps([3, 1, "chat", "low", None, None, "refund", *[[]] * 7, "", None, 1, 1])
    stored = decode(older)
    assert stored.category == "refund" and stored.category_label == UNDECIDED
    assert stored.category_changes == ()
