"""The ticket record's dedupe digests and its changelog format (current and previous)."""

from __future__ import annotations

import orjson

from streams.domain.events import Event, Kind
from streams.domain.surveys import SurveyAnswer
from streams.domain.ticket import (
    DIGEST_SIZE,
    MAX_FACTS_KEPT,
    MAX_TICKET_EVENTS,
    OVERFLOW_DIGESTS_KEPT,
    Admission,
    TicketRecord,
    event_digest,
    max_record_bytes,
)
from streams.domain.transfers import MAX_TEAM_CHANGES_KEPT
from tests.support.builders import H, created, replied

APPLIED, DUPLICATE, CAPPED = Admission.APPLIED, Admission.DUPLICATE, Admission.CAPPED
CREATED = created("T-1", 10 * H, "e-1", channel="chat")  # the ticket every record here opens


def test_an_event_id_is_applied_once() -> None:
    record = TicketRecord()
    assert record.apply(CREATED, "chat", "high", 10 * H) is APPLIED
    reply = Event(Kind.REPLIED, "e-2", 11 * H, "T-1", counts_as_response=True)
    assert record.apply(reply, "", "", 11 * H) is APPLIED
    assert record.apply(reply, "", "", 12 * H) is DUPLICATE
    assert record.apply(CREATED, "chat", "high", 12 * H) is DUPLICATE
    assert record.replies == (11 * H,)
    assert len(record.seen) == 2 * DIGEST_SIZE


def test_a_digest_found_across_two_stored_digests_is_not_a_match() -> None:
    a, b = event_digest("a"), event_digest("b")
    record = TicketRecord(seen=a + b)
    straddling = (a + b)[4 : 4 + DIGEST_SIZE]
    assert record.has_seen(a) and record.has_seen(b)
    assert not record.has_seen(straddling)
    # the same bytes stored aligned later are found
    record.seen += straddling
    assert record.has_seen(straddling)


def test_a_record_round_trips_through_the_changelog_format() -> None:
    record = TicketRecord()
    record.apply(CREATED, "chat", "high", 10 * H)
    record.apply(
        Event(Kind.UPDATED, "e-2", 10 * H + 5, "T-1", status="pending", team="billing"),
        "",
        "",
        10 * H,
    )
    record.apply(
        Event(Kind.SURVEY, "e-3", 12 * H, "T-1", survey="csat", score=5), "chat", "", 12 * H
    )
    assert TicketRecord.from_bytes(record.to_bytes()) == record


def test_a_record_written_by_the_previous_format_still_loads() -> None:
    """Format 2 kept whole event ids; they become digests, so dedupe carries over."""
    blob = orjson.dumps(
        [
            2,
            10 * H,
            "chat",
            "high",
            None,
            None,
            None,
            [11 * H],
            [],
            [],
            [],
            [[10 * H, "open"]],
            [[10 * H, "high"]],
            [["csat", 4, 12 * H, "chat"]],
            ["e-1", "e-2"],
            None,
            12 * H,
            12 * H,
        ]
    )
    record = TicketRecord.from_bytes(blob)
    assert record.replies == (11 * H,) and record.statuses == ((10 * H, "open"),)
    assert record.surveys == (SurveyAnswer("csat", 4, 12 * H, "chat"),)
    another = created("T-1", 10 * H, "e-9", channel="chat")
    assert record.apply(CREATED, "chat", "high", 13 * H) is DUPLICATE
    assert record.apply(another, "chat", "high", 13 * H) is APPLIED


def test_a_record_written_by_format_3_loads_with_no_capped_digests() -> None:
    blob = orjson.dumps(
        [
            3,
            10 * H,
            "chat",
            "high",
            None,
            None,
            None,
            [],
            [],
            [],
            [],
            [],
            [],
            [],
            event_digest("e-1").hex(),
            None,
            10 * H,
            10 * H,
        ]
    )
    record = TicketRecord.from_bytes(blob)
    assert record.overflow == b"" and record.has_seen(event_digest("e-1"))


def test_a_record_of_an_unknown_format_is_refused_with_its_format() -> None:
    for blob in (orjson.dumps([99, 1]), b"{}", b"[]"):
        try:
            TicketRecord.from_bytes(blob)
        except ValueError as exc:
            assert "format" in str(exc)
        else:
            raise AssertionError(f"{blob!r} loaded")


def test_past_the_digest_cap_events_still_apply_and_are_deduplicated_by_the_ring() -> None:
    """A flood of bot notes must not keep the ticket's resolution from counting."""
    record = TicketRecord()
    record.apply(CREATED, "chat", "high", 10 * H, max_events=3)
    notes = [Event(Kind.REPLIED, f"n{n}", 10 * H + n, "T-1") for n in range(5)]
    assert [record.apply(e, "", "", 10 * H, max_events=3) for e in notes] == [APPLIED] * 5
    assert len(record.seen) == 3 * DIGEST_SIZE and len(record.overflow) == 3 * DIGEST_SIZE
    resolved = Event(Kind.RESOLVED, "x", 12 * H, "T-1")
    assert record.apply(resolved, "", "", 12 * H, max_events=3) is APPLIED
    assert record.is_resolved
    frozen = TicketRecord.from_bytes(record.to_bytes())  # the ring survives a restart
    assert [frozen.apply(e, "", "", 12 * H, max_events=3) for e in (notes[4], resolved)] == [
        DUPLICATE,
        DUPLICATE,
    ]


def test_a_full_fact_sequence_caps_its_events_but_not_the_others() -> None:
    record = TicketRecord()
    record.apply(CREATED, "chat", "high", 10 * H)
    replies = [replied("T-1", 10 * H + n, f"r{n}") for n in range(MAX_FACTS_KEPT + 2)]
    outcomes = [record.apply(reply, "", "", 10 * H) for reply in replies]
    assert outcomes.count(APPLIED) == MAX_FACTS_KEPT and outcomes[-2:] == [CAPPED, CAPPED]
    assert record.apply(replies[-1], "", "", 10 * H) is DUPLICATE  # redelivered
    assert record.apply(Event(Kind.RESOLVED, "x", 12 * H, "T-1"), "", "", 12 * H) is APPLIED


def test_the_ring_of_overflow_digests_is_bounded() -> None:
    record = TicketRecord()
    for n in range(OVERFLOW_DIGESTS_KEPT + 10):
        assert (
            record.apply(Event(Kind.REPLIED, f"n{n}", 10 * H, "T-1"), "", "", 10 * H, max_events=0)
            is APPLIED
        )
    assert record.seen == b"" and len(record.overflow) == OVERFLOW_DIGESTS_KEPT * DIGEST_SIZE
    assert record.has_seen(event_digest(f"n{OVERFLOW_DIGESTS_KEPT + 9}"))
    assert not record.has_seen(event_digest("n0"))  # the oldest left the ring


def test_a_full_record_stays_far_below_a_broker_message() -> None:
    """70,000 events to one ticket: the record is bounded however many arrive."""
    record = TicketRecord()
    record.apply(CREATED, "chat", "high", 10 * H)
    long = "x" * 256
    kinds = [
        lambda n: replied("T-1", 10 * H + n, f"r{n}"),
        lambda n: Event(Kind.CUSTOMER_REPLIED, f"c{n}", 10 * H + n, "T-1"),
        lambda n: Event(Kind.RESOLVED, f"x{n}", 10 * H + n, "T-1"),
        lambda n: Event(Kind.REOPENED, f"o{n}", 10 * H + n, "T-1"),
        lambda n: Event(Kind.UPDATED, f"s{n}", 10 * H + n, "T-1", status="on_hold"),
        lambda n: Event(
            Kind.UPDATED, f"p{n}", 10 * H + n, "T-1", priority=long, team=long, category=long
        ),
        lambda n: Event(Kind.SURVEY, f"v{n}", 10 * H + n, "T-1", survey="nps", score=9),
        lambda n: Event(Kind.REPLIED, f"b{n}", 10 * H + n, "T-1"),
    ]  # a bot: no fact
    for n in range(70_000):
        record.apply(kinds[n % len(kinds)](n), long, long, 10 * H, team=f"{long}{n % 9}")
    assert len(record.seen) == MAX_TICKET_EVENTS * DIGEST_SIZE
    assert len(record.to_bytes()) < 200_000  # Kafka's default limit is 1 MB
    assert len(record.to_bytes()) < max_record_bytes(label_json_bytes=258)  # start-up check


def test_facts_stay_sorted_whatever_the_arrival_order() -> None:
    record = TicketRecord()
    for n, at in enumerate((5 * H, 2 * H, 9 * H, 2 * H + 1)):
        record.apply(Event(Kind.REPLIED, f"r{n}", at, "T-1", counts_as_response=True), "", "", at)
    assert record.replies == (2 * H, 2 * H + 1, 5 * H, 9 * H)


def test_a_record_without_overflow_is_written_in_the_previous_format() -> None:
    """So a worker of the previous release reads it after a rollback or in a rolling deploy."""
    record = TicketRecord()
    record.apply(CREATED, "chat", "high", 10 * H)
    fields = orjson.loads(record.to_bytes())
    assert fields[0] == 3 and len(fields) == 18
    record.overflow = event_digest("x")
    assert orjson.loads(record.to_bytes())[0] == 4
    assert TicketRecord.from_bytes(record.to_bytes()) == record


def test_each_kind_of_event_sets_its_facts_and_an_earlier_creation_replaces_the_first() -> None:
    record = TicketRecord()
    customer = Event(Kind.CUSTOMER_REPLIED, "m", 9 * H, "T-1")
    assert record.apply(customer, "", "", clock_ms=50 * H) is APPLIED
    assert record.pending_since_ms == 50 * H  # waits for its ticket-created since the clock
    record.apply(Event(Kind.RESOLVED, "x", 12 * H, "T-1"), "", "", clock_ms=51 * H)
    assert record.pending_since_ms == 50 * H  # the first wait counts, not the last
    record.apply(
        created("T-1", 11 * H, "c-late", channel="chat"), "chat", "high", 52 * H, team="billing"
    )
    assert (record.created_ms, record.channel, record.team, record.pending_since_ms) == (
        11 * H,
        "chat",
        "billing",
        None,
    )
    update = Event(
        Kind.UPDATED, "u", 13 * H, "T-1", status="pending", priority="low", team="B2", category="k"
    )
    record.apply(update, "", "low", 53 * H)
    early = Event(Kind.CREATED, "c-early", 10 * H, "T-1", channel="email", priority="urgent")
    record.apply(early, "email", "urgent", 54 * H, team="tech")
    assert (record.created_ms, record.channel, record.team) == (10 * H, "email", "tech")
    assert record.priorities == ((10 * H, "urgent"), (13 * H, "low"))  # 11h's was replaced
    assert (record.priority, record.statuses) == ("low", ((13 * H, "pending"),))
    # the earliest creation's team; the category of the later update stays (the current one)
    assert (record.team_name, record.category) == (None, "k")
    record.apply(Event(Kind.REOPENED, "o", 14 * H, "T-1"), "", "", 55 * H)
    survey = Event(Kind.SURVEY, "s", 15 * H, "T-1", survey="csat", score=4)
    record.apply(survey, "email", "", 56 * H)
    quiet = Event(Kind.REPLIED, "bot", 16 * H, "T-1", counts_as_response=False)
    record.apply(quiet, "", "", 57 * H)
    assert (record.customer, record.resolutions, record.reopens) == ((9 * H,), (12 * H,), (14 * H,))
    assert record.surveys == (SurveyAnswer("csat", 4, 15 * H, "email"),) and record.replies == ()
    assert record.last_ms == 16 * H and record.is_open


def test_a_category_change_waits_for_its_ticket_and_only_the_latest_is_kept() -> None:
    record = TicketRecord()
    update = Event(Kind.UPDATED, "u-0", 11 * H, "T-1", category="refund")
    assert record.apply(update, "", "", 0, category="refund") is APPLIED
    assert record.waiting_events == 1 and record.pending_since_ms == 0
    assert record.apply(CREATED, "chat", "high", 0, category="bug") is APPLIED
    assert (record.category_label, record.category_now) == ("bug", "refund")
    for n in (5, MAX_FACTS_KEPT + 5, 3):  # out of order, and more than the facts cap
        for k in range(n):
            at = 11 * H + (k * 7919) % n
            change = Event(Kind.UPDATED, f"u-{n}-{k}", at, "T-1", category=f"c{n}")
            assert record.apply(change, "", "", 0, category=f"c{n}") is APPLIED
    latest = 11 * H + MAX_FACTS_KEPT + 4  # the largest time above
    assert record.category_changes == ((latest, f"c{MAX_FACTS_KEPT + 5}"),)
    assert record.category_now == f"c{MAX_FACTS_KEPT + 5}"
    team_only = Event(Kind.UPDATED, "u-team", 12 * H, "T-1", team="tech")
    assert record.apply(team_only, "", "", 0) is APPLIED  # its own change still applies


def test_dropping_waiting_events_drops_the_category_changes_too() -> None:
    record = TicketRecord()
    record.apply(Event(Kind.UPDATED, "u-0", 11 * H, "T-1", category="refund"), "", "", 0)
    assert record.drop_waiting() == 1 and record.category_changes == ()


def test_the_current_team_follows_event_time_and_waits_for_its_ticket() -> None:
    record = TicketRecord()
    later = Event(Kind.UPDATED, "u-2", 12 * H, "T-1", team="billing")
    earlier = Event(Kind.UPDATED, "u-1", 11 * H, "T-1", team="tier2")
    assert record.apply(later, "", "", 0, team="billing") is APPLIED
    assert record.waiting_events == 1
    assert record.apply(CREATED, "chat", "high", 0, team="tier1") is APPLIED
    assert record.apply(earlier, "", "", 0, team="tier2") is APPLIED  # arrives last
    assert (record.team, record.team_now, record.team_name_now) == ("tier1", "billing", "billing")
    assert [change.at_ms for change in record.team_changes] == [11 * H, 12 * H]
    assert TicketRecord.from_bytes(record.to_bytes()) == record
    assert orjson.loads(record.to_bytes())[0] == 6  # team changes: the newest format


def test_team_changes_are_capped_like_a_full_fact_sequence() -> None:
    record = TicketRecord()
    record.apply(CREATED, "chat", "high", 0, team="tier1")
    for n in range(MAX_TEAM_CHANGES_KEPT):
        move = Event(Kind.UPDATED, f"u-{n}", 11 * H + n, "T-1", team=f"t{n}")
        assert record.apply(move, "", "", 0, team=f"t{n}") is APPLIED
    one_more = Event(Kind.UPDATED, "u-x", 13 * H, "T-1", team="last")
    assert record.apply(one_more, "", "", 0, team="last") is CAPPED
    assert record.team_now == f"t{MAX_TEAM_CHANGES_KEPT - 1}"
    status = Event(Kind.UPDATED, "u-s", 13 * H, "T-1", status="pending")
    assert record.apply(status, "", "", 0) is APPLIED  # other changes still apply


def test_a_record_with_categories_and_no_team_changes_is_written_in_format_5() -> None:
    record = TicketRecord()
    record.apply(CREATED, "chat", "high", 0, category="refund")
    assert orjson.loads(record.to_bytes())[0] == 5
    assert TicketRecord.from_bytes(record.to_bytes()) == record


def test_sends_and_answer_methods_are_kept_and_written_in_format_6() -> None:
    record = TicketRecord()
    later = Event(Kind.SURVEY_SENT, "ss-2", 12 * H, "T-1", survey="nps", method="sms")
    earlier = Event(Kind.SURVEY_SENT, "ss-1", 11 * H, "T-1", survey="csat", method="email")
    for event in (later, earlier):
        assert record.apply(event, "", "", 0) is APPLIED
    assert [send.at_ms for send in record.sends] == [11 * H, 12 * H]  # sorted
    assert record.waiting_events == 0  # a send waits for nothing
    answer = Event(Kind.SURVEY, "sa-1", 13 * H, "T-1", survey="csat", score=4, method="web")
    assert record.apply(answer, "chat", "", 0) is APPLIED
    assert record.surveys == (SurveyAnswer("csat", 4, 13 * H, "chat", "web"),)
    assert orjson.loads(record.to_bytes())[0] == 6
    assert TicketRecord.from_bytes(record.to_bytes()) == record


def test_a_record_without_format_6_facts_keeps_answers_in_the_older_shape() -> None:
    record = TicketRecord()
    record.apply(Event(Kind.SURVEY, "sa-1", 13 * H, "T-1", survey="csat", score=4), "chat", "", 0)
    fields = orjson.loads(record.to_bytes())
    assert fields[0] == 3 and fields[13] == [["csat", 4, 13 * H, "chat"]]
    assert TicketRecord.from_bytes(record.to_bytes()) == record


def test_the_published_category_policies_match_on_is_the_current_one_in_any_order() -> None:
    """Like ``category_now``: the latest change after the creation, else the creation's."""
    import itertools

    events = [
        created("T-1", 10 * H, "c", channel="chat", category="refund"),
        Event(Kind.UPDATED, "u1", 9 * H, "T-1", category="bug"),  # before the creation
        Event(Kind.UPDATED, "u2", 12 * H, "T-1", category="payment"),
        Event(Kind.UPDATED, "u3", 11 * H, "T-1", category="outage"),
    ]
    for order in itertools.permutations(events):
        record = TicketRecord()
        for event in order:
            record.apply(event, "chat", "high", 20 * H, category=event.category or "unknown")
        assert (record.category, record.category_now) == ("payment", "payment"), order
    for order in itertools.permutations(events[:2]):
        record = TicketRecord()
        for event in order:
            record.apply(event, "chat", "high", 20 * H, category=event.category or "unknown")
        assert (record.category, record.category_now) == ("refund", "refund"), order
