"""The ticket record's dedupe digests and its changelog format (current and previous)."""

from __future__ import annotations

import orjson

from streams.domain.events import Event, Kind
from streams.domain.ticket import DIGEST_SIZE, TicketRecord, event_digest

H = 3_600_000


def _created(event_id: str = "e-1", at: int = 10 * H) -> Event:
    return Event(Kind.CREATED, event_id, at, "T-1", channel="chat", priority="high")


def test_an_event_id_is_applied_once() -> None:
    record = TicketRecord()
    assert record.apply(_created(), "chat", "high", 10 * H)
    reply = Event(Kind.REPLIED, "e-2", 11 * H, "T-1", counts_as_response=True)
    assert record.apply(reply, "", "", 11 * H)
    assert not record.apply(reply, "", "", 12 * H)
    assert not record.apply(_created(), "chat", "high", 12 * H)
    assert record.replies == (11 * H,)
    assert len(record.seen) == 2 * DIGEST_SIZE


def test_a_digest_found_across_two_stored_digests_is_not_a_match() -> None:
    a, b = event_digest("a"), event_digest("b")
    record = TicketRecord(seen=a + b)
    straddling = (a + b)[4:4 + DIGEST_SIZE]
    assert record.has_seen(a) and record.has_seen(b)
    assert not record.has_seen(straddling)
    # the same bytes stored aligned later are found
    record.seen += straddling
    assert record.has_seen(straddling)


def test_a_record_round_trips_through_the_changelog_format() -> None:
    record = TicketRecord()
    record.apply(_created(), "chat", "high", 10 * H)
    record.apply(Event(Kind.UPDATED, "e-2", 10 * H + 5, "T-1", status="pending",
                       team="billing"), "", "", 10 * H)
    record.apply(Event(Kind.SURVEY, "e-3", 12 * H, "T-1", survey="csat", score=5), "chat", "",
                 12 * H)
    assert TicketRecord.from_bytes(record.to_bytes()) == record


def test_a_record_written_by_the_previous_format_still_loads() -> None:
    """Format 2 kept whole event ids; they become digests, so dedupe carries over."""
    blob = orjson.dumps([2, 10 * H, "chat", "high", None, None, None, [11 * H], [], [], [],
                         [[10 * H, "open"]], [[10 * H, "high"]], [["csat", 4, 12 * H, "chat"]],
                         ["e-1", "e-2"], None, 12 * H, 12 * H])
    record = TicketRecord.from_bytes(blob)
    assert record.replies == (11 * H,) and record.statuses == ((10 * H, "open"),)
    assert record.surveys == (("csat", 4, 12 * H, "chat"),)
    assert not record.apply(_created("e-1"), "chat", "high", 13 * H)
    assert record.apply(_created("e-9"), "chat", "high", 13 * H)


def test_facts_stay_sorted_whatever_the_arrival_order() -> None:
    record = TicketRecord()
    for n, at in enumerate((5 * H, 2 * H, 9 * H, 2 * H + 1)):
        record.apply(Event(Kind.REPLIED, f"r{n}", at, "T-1", counts_as_response=True), "", "",
                     at)
    assert record.replies == (2 * H, 2 * H + 1, 5 * H, 9 * H)
