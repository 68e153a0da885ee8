"""The backlog: open tickets per dims, team and category; the oldest valid on write; reads pure."""

from __future__ import annotations

import copy
import marshal
import random

import pytest

from streams.domain.backlog import Backlog, OpenDims, OpenTicket, open_ticket
from streams.domain.labels import UNKNOWN
from streams.domain.ticket import TicketRecord

EMAIL, CHAT = ("email", "high"), ("chat", "low")


def test_only_a_created_unresolved_ticket_is_open() -> None:
    assert open_ticket(TicketRecord()) is None  # not created yet (events waiting for it)
    record = TicketRecord(created_ms=5, channel="email", priority="high", team="billing")
    assert open_ticket(record) == OpenTicket(EMAIL, 5, "billing", UNKNOWN)
    record.resolutions = (9,)
    assert open_ticket(record) is None
    record.reopens = (12,)
    assert open_ticket(record) == OpenTicket(EMAIL, 5, "billing", UNKNOWN)
    assert open_ticket(TicketRecord(created_ms=5)) == OpenTicket(
        (UNKNOWN, UNKNOWN), 5, UNKNOWN, UNKNOWN
    )


def test_reading_twice_gives_the_same_answer_and_changes_nothing() -> None:
    backlog = Backlog()
    for n, at in enumerate([30, 10, 20]):
        backlog.move(f"T{n}", None, OpenTicket(EMAIL, at, "billing", UNKNOWN))
    backlog.move("T1", OpenTicket(EMAIL, 10, "billing", UNKNOWN), None)  # the oldest closes
    inside = copy.deepcopy(backlog._dims)
    first = backlog.per_dims()
    assert first == backlog.per_dims() == {EMAIL: OpenDims(tickets=2, oldest_created_ms=20)}
    assert backlog._dims == inside  # no heap was popped by reading
    assert backlog.per_team() == {"billing": 2} == backlog.per_team()


def test_the_team_view_is_read_only() -> None:
    backlog = Backlog()
    backlog.move("T", None, OpenTicket(EMAIL, 1, "billing", UNKNOWN))
    view = backlog.per_team()
    with pytest.raises(TypeError):
        view["billing"] = 0  # type: ignore[index]
    assert backlog.per_team() == {"billing": 1}


def test_an_unchanged_entry_moves_nothing() -> None:
    backlog = Backlog()
    entry = OpenTicket(EMAIL, 1, "billing", UNKNOWN)
    backlog.move("T", None, entry)
    backlog.move("T", entry, OpenTicket(EMAIL, 1, "billing", UNKNOWN))
    assert backlog.per_dims() == {EMAIL: (1, 1)} and backlog.per_team() == {"billing": 1}


def test_a_ticket_moves_between_dims_teams_and_creation_times() -> None:
    backlog = Backlog()
    backlog.move("A", None, OpenTicket(EMAIL, 50, "billing", UNKNOWN))
    backlog.move("B", None, OpenTicket(EMAIL, 60, "tech", UNKNOWN))
    backlog.move(
        "A", OpenTicket(EMAIL, 50, "billing", UNKNOWN), OpenTicket(CHAT, 50, "billing", UNKNOWN)
    )
    assert backlog.per_dims() == {EMAIL: (1, 60), CHAT: (1, 50)}
    backlog.move(
        "B", OpenTicket(EMAIL, 60, "tech", UNKNOWN), OpenTicket(EMAIL, 40, "sales", UNKNOWN)
    )  # re-created
    assert backlog.per_dims() == {EMAIL: (1, 40), CHAT: (1, 50)}
    backlog.move(
        "B", OpenTicket(EMAIL, 40, "sales", UNKNOWN), OpenTicket(EMAIL, 70, "sales", UNKNOWN)
    )
    assert backlog.per_dims()[EMAIL] == (1, 70)  # the stale earlier entry is not the oldest
    assert backlog.per_team() == {"billing": 1, "sales": 1}  # no team left at zero
    backlog.move("A", OpenTicket(CHAT, 50, "billing", UNKNOWN), None)
    assert backlog.per_dims() == {EMAIL: (1, 70)}  # no dims left empty


def test_the_oldest_open_ticket_is_right_after_any_closes_and_reopens() -> None:
    rng = random.Random(7)
    backlog = Backlog()
    created = {f"T{n}": rng.randint(0, 10_000) for n in range(300)}
    teams = {key: rng.choice(["a", "b", "c"]) for key in created}
    dims = {key: rng.choice([EMAIL, CHAT]) for key in created}
    now_open: set[str] = set()
    for _ in range(3000):
        key = rng.choice(sorted(created))
        entry = OpenTicket(dims[key], created[key], teams[key], UNKNOWN)
        if key in now_open:
            backlog.move(key, entry, None)
            now_open.discard(key)
        else:
            backlog.move(key, None, entry)
            now_open.add(key)
        want = {}
        for d in (EMAIL, CHAT):
            of_dims = [created[k] for k in now_open if dims[k] == d]
            if of_dims:
                want[d] = OpenDims(len(of_dims), min(of_dims))
        assert backlog.per_dims() == want
    per_team = {t: sum(1 for k in now_open if teams[k] == t) for t in "abc"}
    assert backlog.per_team() == {t: n for t, n in per_team.items() if n}


def test_the_heap_of_a_dims_stays_bounded_by_its_open_tickets() -> None:
    backlog = Backlog()
    backlog.move("keep", None, OpenTicket(EMAIL, 0, "a", UNKNOWN))  # the oldest never closes
    for n in range(10_000):
        entry = OpenTicket(EMAIL, n + 1, "a", UNKNOWN)
        backlog.move(f"T{n}", None, entry)
        backlog.move(f"T{n}", entry, None)  # closed: stale below the top of the heap
    assert len(backlog._dims[EMAIL].oldest) <= 2 * 2 + 64  # compacted past twice the open + 64
    assert backlog.per_dims() == {EMAIL: (1, 0)}


def test_a_move_within_its_dims_adds_no_heap_entry() -> None:
    """A transfer or a category change keeps the dims and the creation time: the heap entry it
    has is still valid, so none is added (a million transfers would double the heap)."""
    backlog, entry = Backlog(), OpenTicket(EMAIL, 5, "a", UNKNOWN)
    backlog.move("T", None, entry)
    for team in "bcab":
        moved = entry._replace(team=team)
        backlog.move("T", entry, moved)
        entry = moved
    assert backlog._dims[EMAIL].oldest == [(5, "T")]
    assert backlog.per_dims() == {EMAIL: (1, 5)}
    assert backlog.per_team() == {"b": 1}


def test_an_open_ticket_costs_one_entry_that_a_snapshot_keeps_shared() -> None:
    """The dict of open tickets holds the heap's own entry (one tuple and one boxed time per
    open ticket, not two), and a snapshot's round trip through marshal keeps it so."""
    backlog = Backlog()
    for n in range(3):
        backlog.move(f"T{n}", None, OpenTicket(EMAIL, 10**12 + n, "a", UNKNOWN))
    restored = Backlog()
    restored.restore(marshal.loads(marshal.dumps(backlog.export())))
    for one in (backlog, restored):
        heap = one._dims[EMAIL]
        assert all(heap.ids[key] is entry for entry in heap.oldest for key in [entry[1]])
    assert restored.per_dims() == backlog.per_dims() == {EMAIL: (3, 10**12)}
    restored.move("T0", OpenTicket(EMAIL, 10**12, "a", UNKNOWN), None)
    assert restored.per_dims() == {EMAIL: (2, 10**12 + 1)}


def test_a_ticket_counts_under_its_current_category() -> None:
    backlog = Backlog()
    backlog.move("A", None, OpenTicket(EMAIL, 1, "billing", "refund"))
    backlog.move("B", None, OpenTicket(EMAIL, 2, "billing", "refund"))
    assert backlog.per_category() == {"refund": 2}
    backlog.move(
        "A", OpenTicket(EMAIL, 1, "billing", "refund"), OpenTicket(EMAIL, 1, "billing", "bug")
    )
    assert backlog.per_category() == {"refund": 1, "bug": 1}
    assert backlog.per_dims() == {EMAIL: (2, 1)} and backlog.per_team() == {"billing": 2}
    backlog.move("B", OpenTicket(EMAIL, 2, "billing", "refund"), None)
    assert backlog.per_category() == {"bug": 1}  # no category left at zero
    with pytest.raises(TypeError):
        backlog.per_category()["bug"] = 0  # type: ignore[index]


def test_the_open_ticket_of_a_record_has_its_current_category() -> None:
    record = TicketRecord(created_ms=5, channel="email", priority="high", category_label="refund")
    assert open_ticket(record) == OpenTicket(EMAIL, 5, UNKNOWN, "refund")
    record.category_changes = ((3, "bug"),)  # before the creation: the creation's stands
    assert open_ticket(record) == OpenTicket(EMAIL, 5, UNKNOWN, "refund")
    record.category_changes = ((3, "bug"), (8, "billing"))
    assert open_ticket(record) == OpenTicket(EMAIL, 5, UNKNOWN, "billing")
