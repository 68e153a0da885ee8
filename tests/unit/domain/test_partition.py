"""PartitionState: dedupe, early events, late events, expiry, rebuild, order independence."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.domain import contributions as c
from streams.domain.events import Event, Kind
from streams.domain.partition import Horizons, Outcome
from tests.support.builders import (
    LARGEST_WINDOW,
    NOW,
    H,
    created,
    partition_state,
    replied,
    resolved,
    survey,
    totals,
)

HORIZONS = Horizons(grace_ms=H, orphan_ms=2 * H)  # a short orphan horizon: expiry within hours


def test_a_redelivered_event_counts_once() -> None:
    state = partition_state(horizons=HORIZONS)
    event = created("T", NOW - 60_000)
    assert state.apply(event) is Outcome.PROCESSED
    assert state.apply(event) is Outcome.DUPLICATE
    assert totals(state)[c.Series(c.CREATED, ("email", "high"))] == 1


def test_a_reply_before_its_ticket_is_applied_when_the_ticket_appears() -> None:
    state = partition_state(horizons=HORIZONS)
    state.apply(replied("T", NOW - 30_000, "r1"))
    assert state.backlog() == {} and totals(state) == {}
    state.apply(created("T", NOW - 90_000))
    assert totals(state)[c.Series(c.FIRST_RESPONSE, ("email", "high"), c.SUM)] == 60_000
    assert state.backlog() == {("email", "high"): (1, NOW - 90_000)}


@pytest.mark.parametrize("hot_records", [100, 0], ids=["kept as an object", "packed"])
def test_a_reply_whose_ticket_never_appears_becomes_an_orphan_after_the_horizon(
    hot_records: int,
) -> None:
    state = partition_state(horizons=HORIZONS, hot_records=hot_records)
    state.apply(replied("T", NOW - 1000, "r1"))
    assert state.expire() == 0
    state.advance(NOW + 3 * H)
    assert state.expire() == 1
    assert state.records["T"].waiting_events == 0  # its event id stays, for dedupe
    state.advance(NOW + LARGEST_WINDOW + H + 1)
    state.expire()
    assert "T" not in state.records
    assert list(state.drain_dirty()) == [("T", None)]  # a tombstone for the changelog


def test_in_a_backfill_a_reply_waits_by_the_wall_clock_not_the_racing_event_clock() -> None:
    """A replay reads each topic at its own pace: the event clock may run days ahead of the
    ticket-created topic. Waiting is measured by when events arrived (the runtime passes the
    wall clock), so the reply is still there when its ticket comes seconds later."""
    wall = NOW
    state = partition_state(horizons=HORIZONS)
    state.apply(replied("T", NOW - 1000, "r1"), arrived_ms=wall)
    state.advance(NOW + 2 * 24 * H)  # other topics' events, two days on in event time
    assert state.expire(waiting_ms=wall + 5000) == 0  # five seconds later, by the wall
    state.apply(created("T", NOW - 60_000), arrived_ms=wall + 6000)
    assert state.records["T"].replies == (NOW - 1000,) and not state.records["T"].waiting_events
    assert state.expire(waiting_ms=wall + 3 * H) == 0  # nothing waits any more
    other = partition_state(horizons=HORIZONS)
    other.apply(replied("U", NOW - 1000, "r2"), arrived_ms=wall)
    assert other.expire(waiting_ms=wall + 3 * H) == 1  # a ticket that never comes: an orphan


def test_backlog_tracks_open_tickets_and_their_oldest() -> None:
    state = partition_state(horizons=HORIZONS)
    state.apply(created("A", NOW - 5000))
    state.apply(created("B", NOW - 9000))
    state.apply(created("C", NOW - 1000, channel="fax", priority="p0"))
    assert state.backlog() == {
        ("email", "high"): (2, NOW - 9000),
        ("other", "other"): (1, NOW - 1000),
    }
    state.apply(resolved("B", NOW))
    assert state.backlog()[("email", "high")] == (1, NOW - 5000)


def test_events_older_than_every_window_plus_grace_are_late_but_still_close_tickets() -> None:
    state = partition_state(horizons=HORIZONS)
    too_old = NOW - LARGEST_WINDOW - 2 * H
    assert state.apply(created("X", too_old)) is Outcome.LATE
    assert "X" not in state.records  # an unknown ticket is not resurrected by a late event
    state.apply(created("T", NOW - 167 * H))
    assert state.apply(resolved("T", too_old + 1000)) is Outcome.LATE
    assert state.backlog() == {}


def test_closed_tickets_are_dropped_after_the_largest_window_plus_grace() -> None:
    state = partition_state(horizons=HORIZONS)
    state.apply(created("T", NOW - 1000))
    state.apply(resolved("T", NOW))
    list(state.drain_dirty())
    state.advance(NOW + LARGEST_WINDOW + H + 1)
    state.expire()
    assert state.records == {}
    assert list(state.drain_dirty()) == [("T", None)]
    assert all(not t for t in state.windows.totals().values())


def test_state_rebuilt_from_persisted_records_is_identical() -> None:
    state = partition_state(horizons=HORIZONS)
    for event in [
        created("A", NOW - 5 * H),
        replied("A", NOW - 4 * H, "a1"),
        resolved("A", NOW - 30 * 60_000),
        survey("s", NOW - 1000, "A"),
        survey("s2", NOW - 2000),
        created("B", NOW - 100),
        replied("C", NOW - 10, "c1"),
    ]:
        state.apply(event)
    rebuilt = partition_state(horizons=HORIZONS)
    for key, blob in state.drain_dirty():
        assert blob is not None
        rebuilt.load(key, blob)
    assert rebuilt.windows.totals() == state.windows.totals()
    assert rebuilt.backlog() == state.backlog()
    assert rebuilt.records == state.records


def test_unanswered_surveys_take_the_ticket_dimensions_when_it_appears() -> None:
    state = partition_state(horizons=HORIZONS)
    state.apply(survey("s", NOW - 1000, "T"))
    assert totals(state) == {
        c.Series(c.SURVEY, ("csat", "5", "unknown", "unknown")): 1,
        c.Series(c.SURVEY_SCORE_SUM, ("csat", "unknown", "unknown")): 5000,
        c.Series(c.SURVEY_SATISFIED, ("csat", "unknown", "unknown")): 1,
        c.Series(c.CATEGORY_SURVEY, ("unknown", "csat", "5")): 1,
        c.Series(c.TEAM_SURVEY, ("unknown", "csat", "5")): 1,
        c.Series(c.METHOD_RESPONSES, ("csat", "unknown")): 1,  # no method, no send
    }
    state.apply(
        created("T", NOW - 5000, channel="chat", priority="low", category="refund", team="tier1")
    )
    assert totals(state)[c.Series(c.TEAM_SURVEY, ("tier1", "csat", "5"))] == 1
    assert totals(state)[c.Series(c.SURVEY, ("csat", "5", "chat", "low"))] == 1
    assert totals(state)[c.Series(c.CATEGORY_SURVEY, ("refund", "csat", "5"))] == 1
    assert c.Series(c.CATEGORY_SURVEY, ("unknown", "csat", "5")) not in totals(state)
    assert c.Series(c.SURVEY, ("csat", "5", "unknown", "unknown")) not in totals(state)


# -- properties ------------------------------------------------------------------------------
_tickets = st.sampled_from(["T1", "T2", "T3"])
_offsets = st.integers(min_value=0, max_value=200 * H)
# a ticket's ticket-created events agree on its category, as they do on channel and priority
# (two that differ at the very same time: the first applied wins, for every label alike)
_categories = ("refund", "bug", None, "payment")
_teams = ("tier1", None, "tier2", "billing")
_event = st.one_of(
    st.builds(
        lambda t, o, n: created(
            t, NOW - o, f"c{n}", category=_categories[int(t[-1])], team=_teams[int(t[-1])]
        ),
        _tickets,
        _offsets,
        st.integers(0, 3),
    ),
    st.builds(
        lambda t, o, n: Event(
            Kind.UPDATED, f"u{n}", NOW - o, t, category=_categories[n % 2], team=_teams[n % 4]
        ),
        _tickets,
        _offsets,
        st.integers(0, 5),
    ),
    st.builds(
        lambda t, o, n, p: replied(t, NOW - o, f"r{n}", p),
        _tickets,
        _offsets,
        st.integers(0, 20),
        st.booleans(),
    ),
    st.builds(lambda t, o, n: resolved(t, NOW - o, f"x{n}"), _tickets, _offsets, st.integers(0, 3)),
    st.builds(
        lambda t, o, n, s: survey(f"s{n}", NOW - o, t, s),
        st.none() | _tickets,
        _offsets,
        st.integers(0, 5),
        st.integers(1, 5),
    ),
    st.builds(  # answers that name their method, and sends (which answers without one match)
        lambda t, o, n, m: Event(
            Kind.SURVEY, f"sm{n}", NOW - o, t, survey="csat", score=4, method=m
        ),
        _tickets,
        _offsets,
        st.integers(0, 3),
        st.sampled_from(["email", "sms"]),
    ),
    st.builds(
        lambda t, o, n, m: Event(Kind.SURVEY_SENT, f"ss{n}", NOW - o, t, survey="csat", method=m),
        st.none() | _tickets,
        _offsets,
        st.integers(0, 3),
        st.sampled_from(["email", "in_app"]),
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_event, max_size=30), st.randoms())
def test_any_delivery_order_with_duplicates_gives_the_same_kpis(events: list[Event], rng) -> None:  # type: ignore[no-untyped-def]
    unique = list({e.event_id: e for e in events}.values())
    # the same event id always carries the same content in this property
    in_order, shuffled = partition_state(horizons=HORIZONS), partition_state(horizons=HORIZONS)
    for event in unique:
        in_order.apply(event)
    replay = unique + [rng.choice(unique) for _ in range(len(unique) // 2)] if unique else []
    rng.shuffle(replay)
    for event in replay:
        shuffled.apply(event)
    if any(e.at_ms < in_order.late_before_ms for e in unique):
        return  # late events are order-dependent by design (unknown tickets are not kept)
    assert shuffled.windows.totals() == in_order.windows.totals()
    assert shuffled.backlog() == in_order.backlog()
    assert shuffled.open_by_category == in_order.open_by_category
    assert shuffled.open_by_team == in_order.open_by_team
    for totals_ in in_order.windows.totals().values():
        assert all(v > 0 for v in totals_.values())  # no negative counts or durations


def test_team_labels_are_capped_and_a_restart_readmits_the_same_teams() -> None:
    from streams.domain.labels import TeamLabels

    teams = TeamLabels(cap=2)
    state = partition_state(teams=teams)
    for n, team in enumerate(["billing", "tech", "sales", "legal", "billing"]):
        state.apply(
            Event(
                Kind.CREATED,
                f"c{n}",
                NOW - 1000,
                f"T{n}",
                channel="chat",
                priority="low",
                team=team,
            )
        )
    assert state.open_by_team == {"billing": 2, "tech": 1, "other": 2}
    assert teams.folded == 2
    assert totals(state)[c.Series(c.TEAM_CREATED, ("other",))] == 2
    restored = TeamLabels(cap=2)
    rebuilt = partition_state(teams=restored)
    for key, blob in state.drain_dirty():
        assert blob is not None
        rebuilt.load(key, blob)
    assert restored.admitted == {"billing", "tech"}
    assert rebuilt.open_by_team == state.open_by_team


def test_oldest_open_ticket_follows_openings_closings_and_reopens_in_any_order() -> None:
    import random

    rng = random.Random(4)
    state = partition_state(horizons=HORIZONS)
    created_at = {f"T{n}": NOW - rng.randint(1, 50) * H for n in range(200)}
    for tid, at in created_at.items():
        state.apply(created(tid, at))
    open_ids = set(created_at)
    for step in range(150):
        tid = rng.choice(sorted(created_at))
        if tid in open_ids:
            state.apply(resolved(tid, NOW + step * 1000, f"x{step}"))  # time moves forward
            open_ids.discard(tid)
        else:
            state.apply(Event(Kind.REOPENED, f"o{step}", NOW + step * 1000, tid))
            open_ids.add(tid)
        want = (len(open_ids), min(created_at[t] for t in open_ids)) if open_ids else None
        assert state.backlog().get(("email", "high")) == want


def test_reading_the_backlog_twice_gives_the_same_answer_and_changes_nothing() -> None:
    state = partition_state(horizons=HORIZONS)
    for n in range(5):
        state.apply(created(f"T{n}", NOW - (n + 1) * 1000, channel="chat" if n % 2 else "email"))
    state.apply(resolved("T4", NOW))  # the oldest of email closes (and reopens below)
    state.apply(resolved("T3", NOW))  # and the oldest of chat
    state.apply(Event(Kind.REOPENED, "o4", NOW + 1, "T4"))
    state.apply(resolved("T0", NOW + 2))

    def inside() -> dict:
        return {d: (dict(h.ids), list(h.oldest)) for d, h in state._backlog._dims.items()}

    before = inside()
    first = state.backlog()
    assert (
        first
        == state.backlog()
        == {
            ("email", "high"): (2, NOW - 5000),
            ("chat", "high"): (1, NOW - 2000),
        }
    )
    assert inside() == before
    assert dict(state.open_by_team) == {"unknown": 3}


def _recategorised(ticket: str, at: int, category: str, event_id: str) -> Event:
    return Event(Kind.UPDATED, event_id, at, ticket, category=category)


def test_a_ticket_updated_category_moves_the_windows_and_the_open_tickets() -> None:
    state = partition_state(horizons=HORIZONS)
    state.apply(created("T", NOW - 50 * 60_000, category="bug"))
    state.apply(replied("T", NOW - 40 * 60_000, "r1"))
    state.apply(created("U", NOW - 30 * 60_000, category="bug"))
    assert state.open_by_category == {"bug": 2}
    assert totals(state)[c.Series(c.CATEGORY_CREATED, ("bug",))] == 2
    state.apply(_recategorised("T", NOW - 20 * 60_000, "refund", "u1"))
    assert state.open_by_category == {"bug": 1, "refund": 1}
    now = totals(state)
    assert now[c.Series(c.CATEGORY_CREATED, ("bug",))] == 1
    assert now[c.Series(c.CATEGORY_CREATED, ("refund",))] == 1  # at its creation time
    assert now[c.Series(c.CATEGORY_FIRST_RESPONSE, ("refund",))] == 10 * 60_000
    assert c.Series(c.CATEGORY_FIRST_RESPONSE, ("bug",)) not in now
    assert state.records["T"].category == "refund"  # what SLA policies match, as published
    state.apply(resolved("T", NOW - 10 * 60_000))
    assert state.open_by_category == {"bug": 1}
    assert totals(state)[c.Series(c.CATEGORY_RESOLVED, ("refund",))] == 1


def test_the_current_category_is_the_latest_in_event_time_whatever_the_arrival_order() -> None:
    import itertools

    events = [
        created("T", NOW - 50 * 60_000, category="bug"),
        _recategorised("T", NOW - 20 * 60_000, "payment", "u2"),
        _recategorised("T", NOW - 40 * 60_000, "refund", "u1"),
        _recategorised("T", NOW - 60 * 60_000, "outage", "u0"),  # before the creation: ignored
    ]
    seen = set()
    for order in itertools.permutations(events):
        state = partition_state(horizons=HORIZONS)
        for event in order:
            state.apply(event)
        seen.add((tuple(sorted(totals(state).items())), tuple(state.open_by_category.items())))
        assert state.open_by_category == {"payment": 1}
    assert len(seen) == 1


def test_a_restart_readmits_the_same_categories_and_keeps_the_folds() -> None:
    from streams.domain.labels import CategoryLabels

    categories = CategoryLabels(cap=2)
    state = partition_state(categories=categories)
    for n, category in enumerate(["refund", "bug", "payment", "refund"]):
        state.apply(created(f"T{n}", NOW - 1000, category=category))
    state.apply(_recategorised("T0", NOW - 500, "outage", "u0"))  # past the cap: other
    assert state.open_by_category == {"bug": 1, "other": 2, "refund": 1}
    assert categories.folded == 2
    restored = CategoryLabels(cap=2)
    rebuilt = partition_state(categories=restored)
    # read in another order than written: the labels come from the records, not the order
    for key, blob in sorted(state.drain_dirty(), reverse=True):
        assert blob is not None
        rebuilt.load(key, blob)
    assert restored.admitted == {"refund", "bug"}
    assert rebuilt.open_by_category == state.open_by_category
    assert rebuilt.windows.totals() == state.windows.totals()
    assert rebuilt.records == state.records


def test_a_record_of_an_older_format_gets_its_category_label_on_load() -> None:
    import orjson

    from streams.domain.labels import CategoryLabels

    categories = CategoryLabels(cap=1)
    state = partition_state(categories=categories)
    older = [3, NOW - 1000, "chat", "low", None, None, "refund", *[[]] * 7, "", None, NOW, NOW]
    state.load("A", orjson.dumps(older))
    state.load("B", orjson.dumps([*older[:6], "bug", *older[7:]]))
    assert state.records["A"].category_label == "refund"
    assert state.open_by_category == {"refund": 1, "other": 1}  # decided under the cap
    assert categories.folded == 1


def test_a_flood_of_distinct_categories_is_folded_into_other() -> None:
    from streams.domain.labels import CategoryLabels

    categories = CategoryLabels(cap=30)
    state = partition_state(categories=categories)
    for n in range(1000):
        state.apply(created(f"T{n}", NOW - 1000 - n, category=f"category-{n}"))
    state.apply(created("none", NOW - 1000))  # no category: unknown
    labels = {s.labels[0] for s in totals(state) if s.kpi == c.CATEGORY_CREATED}
    assert len(labels) <= 30 + 2 and {"other", "unknown"} <= labels
    assert len(state.open_by_category) == 32
    assert categories.folded == 1000 - 30
    assert state.open_by_category["other"] == 970
