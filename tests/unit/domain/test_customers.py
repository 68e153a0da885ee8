"""Customer records and the repeat-contact model: what is a repeat, dedupe, the cap, the format."""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from collections import Counter

import pytest

from streams.domain.customers import (
    FORMAT,
    MAX_CUSTOMER_TICKETS_KEPT,
    REPEAT_CONTACTS,
    REPEAT_CUSTOMERS,
    Admission,
    CustomerRecord,
    CustomerTicket,
    RepeatModel,
    max_customer_record_bytes,
)
from streams.domain.digests import event_digest
from streams.domain.series import Series
from tests.support.builders import NOW, D, H, M, S

HORIZON = 7 * D
MODEL = RepeatModel(horizon_ms=HORIZON)


def _customer_ticket(ticket_id: str, at_ms: int, channel: str = "email") -> CustomerTicket:
    return CustomerTicket(at_ms, event_digest(ticket_id), channel)


def _record_of(*tickets: CustomerTicket, model: RepeatModel = MODEL) -> CustomerRecord:
    record = CustomerRecord()
    for ticket in tickets:
        assert model.apply(record, ticket).admission is Admission.APPLIED
    return record


def _repeat_times(record: CustomerRecord, model: RepeatModel = MODEL) -> list[int]:
    return [at for at, series, _ in model.contributions(record) if series.kpi == REPEAT_CONTACTS]


def _latest_repeat(record: CustomerRecord, model: RepeatModel = MODEL) -> list[int]:
    return [at for at, series, _ in model.contributions(record) if series.kpi == REPEAT_CUSTOMERS]


def _repeats_by_definition(times: list[int], among: list[int], horizon_ms: int) -> list[int]:
    """The times in ``among`` of tickets with another ticket of ``times`` created in
    [t - horizon, t] (``among`` is part of ``times``)."""
    ordered = sorted(times)
    return [t for t in among if bisect_right(ordered, t) - bisect_left(ordered, t - horizon_ms) > 1]


def test_a_repeat_is_found_whichever_of_the_two_tickets_arrives_first() -> None:
    first, second = _customer_ticket("A", NOW - 3 * D), _customer_ticket("B", NOW - D, "chat")
    for order in ((first, second), (second, first)):
        record = _record_of(*order)
        assert MODEL.contributions(record) == [
            (NOW - D, Series(REPEAT_CONTACTS, ("chat",)), 1),
            (NOW - D, Series(REPEAT_CUSTOMERS, ()), 1),
        ]


def test_a_single_ticket_is_no_repeat() -> None:
    assert MODEL.contributions(_record_of(_customer_ticket("A", NOW))) == []


def test_two_tickets_at_the_same_instant_are_both_repeats() -> None:
    record = _record_of(_customer_ticket("A", NOW, "chat"), _customer_ticket("B", NOW, "email"))
    repeats = Counter(
        series.labels
        for _, series, _ in MODEL.contributions(record)
        if series.kpi == REPEAT_CONTACTS
    )
    assert repeats == {("chat",): 1, ("email",): 1}
    assert _latest_repeat(record) == [NOW]


def test_exactly_the_horizon_apart_is_a_repeat_one_millisecond_more_is_not() -> None:
    at_horizon = _record_of(_customer_ticket("A", NOW - HORIZON), _customer_ticket("B", NOW))
    assert _repeat_times(at_horizon) == [NOW]
    beyond = _record_of(_customer_ticket("A", NOW - HORIZON - 1), _customer_ticket("B", NOW))
    assert _repeat_times(beyond) == []
    assert _latest_repeat(beyond) == []


def test_the_same_ticket_again_is_a_duplicate_at_the_same_or_a_later_time() -> None:
    record = _record_of(_customer_ticket("A", NOW - H))
    assert MODEL.apply(record, _customer_ticket("A", NOW - H)).admission is Admission.DUPLICATE
    assert MODEL.apply(record, _customer_ticket("A", NOW)).admission is Admission.DUPLICATE
    assert record.tickets == (_customer_ticket("A", NOW - H),)


def test_an_earlier_ticket_created_moves_a_known_ticket() -> None:
    record = _record_of(_customer_ticket("A", NOW - D), _customer_ticket("B", NOW - 2 * H))
    assert _repeat_times(record) == [NOW - 2 * H]  # B follows A
    applied = MODEL.apply(record, _customer_ticket("B", NOW - 3 * D))
    assert applied.admission is Admission.APPLIED and applied.frozen == []
    assert record.tickets == (_customer_ticket("B", NOW - 3 * D), _customer_ticket("A", NOW - D))
    assert _repeat_times(record) == [NOW - D]  # now A follows B


def test_the_customer_contributes_once_at_its_latest_repeat() -> None:
    record = _record_of(_customer_ticket("A", NOW - 5 * D), _customer_ticket("B", NOW - 4 * D))
    assert _latest_repeat(record) == [NOW - 4 * D]
    MODEL.apply(record, _customer_ticket("C", NOW - 2 * D))
    assert _latest_repeat(record) == [NOW - 2 * D]
    MODEL.apply(record, _customer_ticket("D", NOW - 30 * D))  # long before: no new latest
    MODEL.apply(record, _customer_ticket("E", NOW - 15 * D))  # 15 days after D, 10 before A
    assert _repeat_times(record) == [NOW - 4 * D, NOW - 2 * D]
    assert _latest_repeat(record) == [NOW - 2 * D]
    MODEL.apply(record, _customer_ticket("C", NOW - 4 * D - H))  # C was created earlier
    assert _repeat_times(record) == [NOW - 4 * D - H, NOW - 4 * D]
    assert _latest_repeat(record) == [NOW - 4 * D]  # the latest repeat moved back


def test_a_full_record_forgets_its_oldest_ticket_and_keeps_its_repeat_contact_frozen() -> None:
    record = _record_of(_customer_ticket("A", NOW - 3 * H), _customer_ticket("B", NOW - 2 * H))
    applied = MODEL.apply(record, _customer_ticket("C", NOW - H), cap=2)
    assert applied.admission is Admission.APPLIED
    assert applied.frozen == []  # A was no repeat: nothing of it stays
    assert record.floor_ms == NOW - 3 * H
    assert _repeat_times(record) == [NOW - 2 * H, NOW - H]  # B still follows the forgotten A
    applied = MODEL.apply(record, _customer_ticket("D", NOW), cap=2)
    assert applied.frozen == [(NOW - 2 * H, Series(REPEAT_CONTACTS, ("email",)), 1)]
    assert len(record.tickets) == 2 and record.floor_ms == NOW - 2 * H


def test_the_customer_keeps_its_latest_repeat_when_that_ticket_is_forgotten() -> None:
    model = RepeatModel(horizon_ms=H)
    record = _record_of(
        _customer_ticket("A", NOW - 10 * H), _customer_ticket("B", NOW - 10 * H + M), model=model
    )
    model.apply(record, _customer_ticket("C", NOW - 5 * H), cap=2)  # forgets A
    model.apply(record, _customer_ticket("D", NOW), cap=2)  # forgets B, a repeat of A
    assert _repeat_times(record, model) == []  # C and D are hours apart; B was forgotten
    assert record.forgotten_repeat_ms == NOW - 10 * H + M
    assert _latest_repeat(record, model) == [NOW - 10 * H + M]


def test_a_forgotten_ticket_is_capped_even_when_a_kept_one_moved_before_it() -> None:
    record = _record_of(_customer_ticket("A", NOW - 2 * H), _customer_ticket("B", NOW - H))
    MODEL.apply(record, _customer_ticket("C", NOW), cap=2)  # forgets A
    MODEL.apply(record, _customer_ticket("B", NOW - D), cap=2)  # B was created before A
    kept = record.copy()
    # A again is younger than the oldest kept ticket now, but no younger than the floor
    assert MODEL.apply(record, _customer_ticket("A", NOW - 2 * H), cap=2).admission is (
        Admission.CAPPED
    )
    assert record == kept


def test_a_ticket_older_than_every_kept_one_at_a_full_record_is_capped() -> None:
    record = _record_of(_customer_ticket("A", NOW - 2 * H), _customer_ticket("B", NOW - H))
    assert MODEL.apply(record, _customer_ticket("Z", NOW - D), cap=2).admission is Admission.CAPPED
    MODEL.apply(record, _customer_ticket("C", NOW), cap=2)  # forgets A
    # A again, or an unknown ticket as old as the forgotten one: maybe counted already, capped
    for again in (_customer_ticket("A", NOW - 2 * H), _customer_ticket("Y", NOW - 2 * H)):
        assert MODEL.apply(record, again, cap=2).admission is Admission.CAPPED
    assert record.tickets == (_customer_ticket("B", NOW - H), _customer_ticket("C", NOW))


def test_a_customer_with_ten_thousand_tickets_stays_bounded_and_counts_every_repeat() -> None:
    rng = random.Random(15)
    model = RepeatModel(horizon_ms=H)  # gaps of up to 2h below: about half are repeats
    times, at = [], NOW - 200 * D
    for _ in range(10_000):
        at += rng.choice((0, 10 * S, 30 * M, H, H + 1, 2 * H))
        times.append(at)
    record, windows = CustomerRecord(), Counter[Series]()
    for n, at in enumerate(times):  # in time order: every forgotten repeat contact was final
        before = model.contributions(record)
        applied = model.apply(record, _customer_ticket(f"T{n}", at))
        assert applied.admission is Admission.APPLIED
        windows.update(series for _, series, _ in [*model.contributions(record), *applied.frozen])
        windows.subtract(series for _, series, _ in before)
        assert len(record.tickets) <= MAX_CUSTOMER_TICKETS_KEPT
    assert len(record.to_bytes()) <= max_customer_record_bytes()
    # the record alone: exactly the repeat contacts among its kept tickets (the floor stands
    # for the forgotten ones before them)
    kept = [t.created_ms for t in record.tickets]
    assert len(set(kept)) > 10
    assert _repeat_times(record, model) == _repeats_by_definition(times, kept, H)
    # with the frozen contributions: every repeat contact of all 10,000 tickets, once
    repeats = sum(n for s, n in windows.items() if s.kpi == REPEAT_CONTACTS)
    assert repeats == len(_repeats_by_definition(times, times, H)) > 4_000
    assert windows[Series(REPEAT_CUSTOMERS, ())] == 1
    assert CustomerRecord.from_bytes(record.to_bytes()) == record


def test_the_record_format_round_trips() -> None:
    record = _record_of(
        _customer_ticket("A", NOW - D, "chat"),
        _customer_ticket("B", NOW - H, "unknown"),
        _customer_ticket("C", NOW - H, "other"),
    )
    record.floor_ms, record.forgotten_repeat_ms = NOW - 2 * D, NOW - 3 * D
    blob = record.to_bytes()
    assert blob.startswith(b"[%d," % FORMAT)
    assert CustomerRecord.from_bytes(blob) == record
    assert MODEL.contributions(CustomerRecord.from_bytes(blob)) == MODEL.contributions(record)


@pytest.mark.parametrize(
    ("blob", "reason"),
    [
        (b'[2,null,null,[[1,"00",""]]]', "format 2 is not"),
        (b'{"format":1}', "format None is not"),
        (b"[]", "format None is not"),
        (b"[1,null,null]", "format 1 is not"),
        (b"[1,null,null,[]]", "without tickets"),
    ],
)
def test_unknown_formats_and_empty_records_are_refused(blob: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        CustomerRecord.from_bytes(blob)


def test_a_copy_is_a_snapshot() -> None:
    record = _record_of(_customer_ticket("A", NOW - H))
    snapshot = record.copy()
    MODEL.apply(record, _customer_ticket("B", NOW))
    assert snapshot.tickets == (_customer_ticket("A", NOW - H),)
    assert record != snapshot


def test_a_record_expires_when_its_newest_ticket_is_older_than_the_cutoff() -> None:
    record = _record_of(_customer_ticket("A", NOW - 3 * D), _customer_ticket("B", NOW - D))
    assert record.last_ms == NOW - D
    assert not record.expired(NOW - D)
    assert record.expired(NOW - D + 1)
