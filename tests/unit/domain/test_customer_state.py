"""Customers: the customer state of one partition, fed through a partition's real windows."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.domain.contacts import Contact
from streams.domain.customer_state import Customers
from streams.domain.customers import REPEAT_CONTACTS, REPEAT_CUSTOMERS, RepeatModel
from streams.domain.labels import LabelPolicy
from streams.domain.outcome import Outcome
from streams.domain.partition import PartitionState
from streams.domain.series import Contribution, Series
from tests.support.builders import LARGEST_WINDOW, NOW, D, H, M, partition_state, totals

REPEATS = Series(REPEAT_CUSTOMERS, ())


def _contact_at(
    ticket: str, at_ms: int, customer: str = "c0ffee", channel: str | None = "email"
) -> Contact:
    return Contact(customer, ticket, at_ms, channel, f"created-{ticket}-{at_ms}")


def _customers_of(state: PartitionState, horizon_ms: int = 7 * D, **kwargs: int) -> Customers:
    """Customers that add to ``state``'s windows through its diff, as the worker wires them."""
    return Customers(RepeatModel(horizon_ms=horizon_ms), LabelPolicy(), state._diff, **kwargs)


def _repeats_in(state: PartitionState, window: str) -> int:
    return sum(n for s, n in totals(state, window).items() if s.kpi == REPEAT_CONTACTS)


def test_a_repeat_is_found_whichever_of_the_two_tickets_arrives_first() -> None:
    first, second = _contact_at("A", NOW - 3 * D), _contact_at("B", NOW - 30 * M, channel="Chat")
    for order in ((first, second), (second, first)):
        state = partition_state()
        customers = _customers_of(state)
        assert [customers.apply(contact, state.late_before_ms) for contact in order] == [
            Outcome.PROCESSED,
            Outcome.PROCESSED,
        ]
        assert totals(state) == {Series(REPEAT_CONTACTS, ("chat",)): 1, REPEATS: 1}
        assert totals(state, "7d") == totals(state)


def test_a_redelivered_contact_is_a_duplicate_and_counts_once() -> None:
    state = partition_state()
    customers = _customers_of(state)
    for ticket in ("A", "B"):
        customers.apply(_contact_at(ticket, NOW - M), state.late_before_ms)
    list(customers.drain_dirty())
    assert customers.apply(_contact_at("B", NOW - M), state.late_before_ms) is Outcome.DUPLICATE
    assert customers.apply(_contact_at("B", NOW), state.late_before_ms) is Outcome.DUPLICATE
    assert totals(state) == {Series(REPEAT_CONTACTS, ("email",)): 2, REPEATS: 1}
    assert customers.dirty == set()


def test_an_earlier_ticket_created_moves_the_ticket_and_its_repeat() -> None:
    state = partition_state()
    customers = _customers_of(state, horizon_ms=H)
    customers.apply(_contact_at("A", NOW - 2 * H), state.late_before_ms)
    customers.apply(_contact_at("B", NOW - 30 * M), state.late_before_ms)
    assert _repeats_in(state, "24h") == 0  # 90 minutes apart, the horizon is 1h
    moved = customers.apply(_contact_at("B", NOW - 90 * M), state.late_before_ms)
    assert moved is Outcome.PROCESSED
    assert totals(state) == {}  # the repeat is at B's creation, 90 minutes ago
    assert totals(state, "24h") == {Series(REPEAT_CONTACTS, ("email",)): 1, REPEATS: 1}


def test_the_customer_counts_once_at_its_latest_repeat_which_moves() -> None:
    state = partition_state()
    customers = _customers_of(state)
    for ticket, at in (("A", NOW - 3 * D), ("B", NOW - 2 * D), ("C", NOW - 30 * M)):
        customers.apply(_contact_at(ticket, at), state.late_before_ms)
    assert totals(state, "7d")[REPEATS] == 1
    assert _repeats_in(state, "7d") == 2
    assert totals(state) == {Series(REPEAT_CONTACTS, ("email",)): 1, REPEATS: 1}
    other = _contact_at("X", NOW - D, customer="beef")  # another customer, no repeat yet
    customers.apply(other, state.late_before_ms)
    assert totals(state, "7d")[REPEATS] == 1
    customers.apply(_contact_at("Y", NOW - 2 * H, customer="beef"), state.late_before_ms)
    assert totals(state, "7d")[REPEATS] == 2
    assert totals(state, "24h")[REPEATS] == 2


def test_a_customer_past_the_cap_stays_bounded_and_keeps_its_forgotten_repeats() -> None:
    state = partition_state()
    customers = _customers_of(state, horizon_ms=10 * M, max_tickets=5)
    times = [NOW - 50 * M + n * 4 * M + (7 * M if n % 3 == 0 else 0) for n in range(12)]
    for n, at in enumerate(times):
        assert customers.apply(_contact_at(f"T{n}", at), state.late_before_ms) is Outcome.PROCESSED
        assert len(customers.records["c0ffee"].tickets) <= 5
    by_definition = sum(
        any(j != i and t - 10 * M <= other <= t for j, other in enumerate(times))
        for i, t in enumerate(times)
    )
    assert 0 < by_definition < len(times)
    assert _repeats_in(state, "1h") == by_definition
    assert totals(state)[REPEATS] == 1
    # the oldest ticket again, and an unknown one as old: before the kept span, capped
    for contact in (_contact_at("T0", times[0]), _contact_at("new", times[0])):
        assert customers.apply(contact, state.late_before_ms) is Outcome.CAPPED
    assert _repeats_in(state, "1h") == by_definition


def test_late_contacts_of_unknown_customers_are_kept_nowhere() -> None:
    state = partition_state()
    horizon = 7 * D
    customers = _customers_of(state, horizon_ms=horizon)
    too_old = state.late_before_ms - horizon - 1
    assert customers.apply(_contact_at("A", too_old), state.late_before_ms) is Outcome.LATE
    assert customers.records == {} and customers.dirty == set()
    # older than every window, but it may be the predecessor of a ticket in a window: kept
    predecessor = _contact_at("B", state.late_before_ms - horizon + H, customer="beef")
    assert customers.apply(predecessor, state.late_before_ms) is Outcome.PROCESSED
    in_window = _contact_at("C", state.late_before_ms + H, customer="beef")
    customers.apply(in_window, state.late_before_ms)
    assert _repeats_in(state, "30d") == 1  # the largest window
    # a known customer's old contact is applied (its record decides), not late
    old = _contact_at("D", too_old, customer="beef")
    assert customers.apply(old, state.late_before_ms) is Outcome.PROCESSED


def test_a_failure_rolls_the_record_back_and_reraises() -> None:
    state = partition_state()
    failing = {"now": False}

    def diff(before: list[Contribution] | None, after: list[Contribution]) -> None:
        if failing["now"]:
            raise RuntimeError("windows broke")
        state._diff(before, after)

    customers = Customers(RepeatModel(), LabelPolicy(), diff)
    customers.apply(_contact_at("A", NOW - H), state.late_before_ms)
    kept = customers.records["c0ffee"].copy()
    failing["now"] = True
    with pytest.raises(RuntimeError):
        customers.apply(_contact_at("B", NOW), state.late_before_ms)
    with pytest.raises(RuntimeError):
        customers.apply(_contact_at("X", NOW, customer="beef"), state.late_before_ms)
    assert customers.records == {"c0ffee": kept}
    failing["now"] = False
    assert customers.apply(_contact_at("B", NOW), state.late_before_ms) is Outcome.PROCESSED
    assert totals(state)[REPEATS] == 1


def test_a_state_rebuilt_from_its_changelog_is_identical() -> None:
    state = partition_state()
    customers = _customers_of(state)
    for contact in (
        _contact_at("A", NOW - 2 * D),
        _contact_at("B", NOW - H, channel="phone"),
        _contact_at("C", NOW - H, customer="beef", channel=None),
        _contact_at("D", NOW - H, customer="beef", channel="fax"),
        _contact_at("E", NOW - 10 * D, customer="cafe"),
    ):
        customers.apply(contact, state.late_before_ms)
    rebuilt_state = partition_state()
    rebuilt = _customers_of(rebuilt_state)
    for key, blob in sorted(customers.drain_dirty(), reverse=True):
        assert blob is not None
        rebuilt.load(key, blob)
    assert rebuilt.records == customers.records
    assert rebuilt_state.windows.totals() == state.windows.totals()
    assert totals(state, "24h") == {
        Series(REPEAT_CONTACTS, ("phone",)): 1,
        Series(REPEAT_CONTACTS, ("unknown",)): 1,
        Series(REPEAT_CONTACTS, ("other",)): 1,
        REPEATS: 2,
    }


def test_expired_customers_are_forgotten_with_a_tombstone() -> None:
    state = partition_state()
    horizon = 7 * D
    customers = _customers_of(state, horizon_ms=horizon)
    customers.apply(_contact_at("A", NOW - 2 * H), state.late_before_ms)
    customers.apply(_contact_at("B", NOW - H), state.late_before_ms)
    customers.apply(_contact_at("C", NOW - H, customer="beef"), state.late_before_ms)
    assert customers.expire(state.late_before_ms - horizon) == 0
    state.advance(NOW + LARGEST_WINDOW + H + horizon - H + 1)  # B is older than the cutoff; A too
    customers.apply(_contact_at("D", state.now_ms, customer="beef"), state.late_before_ms)
    list(customers.drain_dirty())
    assert customers.expire(state.late_before_ms - horizon) == 1
    assert set(customers.records) == {"beef"}
    assert dict(customers.drain_dirty()) == {"c0ffee": None}
    assert all(not sums for sums in state.windows.totals().values())


# -- properties ------------------------------------------------------------------------------
_WINDOWS = {"1h": H, "24h": D, "30d": 30 * D}  # 30d: every contact below lies in it
_HORIZON = D
# each ticket belongs to one customer and has one channel; its ticket-created may come more
# than once, with other times (the earliest is its creation)
_OWNERS = {"T1": ("aa", "chat"), "T2": ("aa", "email"), "T3": ("bb", None), "T4": ("aa", "fax")}
_OWNERS |= {"T5": ("bb", "phone"), "T6": ("cc", "web")}
_contact = st.builds(
    lambda t, o: Contact(_OWNERS[t][0], t, NOW - o, _OWNERS[t][1], f"{t}-{o}"),
    st.sampled_from(sorted(_OWNERS)),
    st.integers(min_value=0, max_value=190 * H) | st.sampled_from([0, H, _HORIZON, 2 * _HORIZON]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_contact, max_size=30), st.randoms())
def test_any_delivery_order_with_duplicates_gives_the_same_windows(
    contacts: list[Contact], rng: random.Random
) -> None:
    in_order, shuffled = partition_state(_WINDOWS), partition_state(_WINDOWS)
    first, second = _customers_of(in_order, _HORIZON), _customers_of(shuffled, _HORIZON)
    for contact in contacts:
        assert first.apply(contact, in_order.late_before_ms) is not Outcome.LATE
    replay = (
        contacts + [rng.choice(contacts) for _ in range(len(contacts) // 2)] if contacts else []
    )
    rng.shuffle(replay)
    for contact in replay:
        second.apply(contact, shuffled.late_before_ms)
    assert shuffled.windows.totals() == in_order.windows.totals()
    assert second.records == first.records
    # and what it counts is the definition, over each ticket's earliest ticket-created
    created: dict[str, int] = {}
    for contact in contacts:
        created[contact.ticket_id] = min(
            created.get(contact.ticket_id, contact.created_ms), contact.created_ms
        )
    repeats: dict[str, list[int]] = {}  # per customer, the creation times of its repeats
    for ticket, at in created.items():
        customer = _OWNERS[ticket][0]
        if any(
            other != ticket and _OWNERS[other][0] == customer and at - _HORIZON <= when <= at
            for other, when in created.items()
        ):
            repeats.setdefault(customer, []).append(at)
    assert _repeats_in(in_order, "30d") == sum(len(times) for times in repeats.values())
    # the 1h and 24h windows start on a step (NOW is on a whole hour); no contact is near 30d
    for window, width in _WINDOWS.items():
        with_one = sum(any(at >= NOW - width for at in times) for times in repeats.values())
        assert totals(in_order, window).get(REPEATS, 0) == with_one, window
    assert all(v > 0 for sums in in_order.windows.totals().values() for v in sums.values())
