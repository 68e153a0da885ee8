"""The records store: packed or not, a record reads back the same, and a partition that packs
all but one record is the state of one that packs none."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.domain.events import Event, Kind
from streams.domain.expiry import Cutoffs, Horizons
from streams.domain.facts import MAX_FACTS_KEPT
from streams.domain.outcome import Outcome
from streams.domain.record_packing import pack, packed_summary, summary, unpack
from streams.domain.record_store import Records
from streams.domain.surveys import SurveyAnswer, SurveySend
from streams.domain.ticket import TicketRecord
from streams.domain.transfers import TeamChange
from tests.support.builders import NOW, H, created, partition_state
from tests.support.worker_runs import run_batches, same_state, simulated, worker_states

_times = st.integers(NOW - 40 * 24 * H, NOW)
_labels = st.sampled_from(["email", "high", "billing", "tech", "pending", "unknown", "ünï"])
_records = st.builds(
    TicketRecord,
    created_ms=st.none() | _times,
    channel=_labels,
    priority=_labels,
    team=st.none() | _labels,
    team_name=st.none() | st.text(max_size=20),
    category=st.none() | _labels,
    replies=st.lists(_times, max_size=3).map(lambda t: tuple(sorted(t))),
    customer=st.lists(_times, max_size=3).map(lambda t: tuple(sorted(t))),
    resolutions=st.lists(_times, max_size=2).map(lambda t: tuple(sorted(t))),
    reopens=st.lists(_times, max_size=2).map(lambda t: tuple(sorted(t))),
    statuses=st.lists(st.tuples(_times, _labels), max_size=2).map(tuple),
    priorities=st.lists(st.tuples(_times, _labels), max_size=2).map(tuple),
    surveys=st.lists(
        st.builds(SurveyAnswer, _labels, st.integers(0, 10), _times, _labels, _labels),
        max_size=2,
    ).map(tuple),
    seen=st.binary(max_size=48),
    overflow=st.binary(max_size=16),
    pending_since_ms=st.none() | _times,
    last_ms=_times,
    evaluated_ms=_times,
    category_changes=st.lists(st.tuples(_times, _labels), max_size=2).map(tuple),
    team_changes=st.lists(st.builds(TeamChange, _times, _labels, _labels), max_size=2).map(tuple),
    sends=st.lists(st.builds(SurveySend, _times, _labels, _labels), max_size=2).map(tuple),
    first_bot_reply_ms=st.none() | _times,
    human_resolved_ms=st.none() | _times,
)


@settings(max_examples=300, deadline=None)
@given(_records)
def test_a_packed_record_unpacks_to_the_same_record_and_its_header_says_what_expiry_asks(
    record: TicketRecord,
) -> None:
    blob = pack(record)
    back = unpack(blob)
    assert back == record
    assert all(type(change) is TeamChange for change in back.team_changes)  # named again
    assert packed_summary(blob) == summary(record)


def test_only_the_records_written_last_stay_objects() -> None:
    records, a, b, c = (
        Records(hot_limit=2),
        TicketRecord(last_ms=1),
        TicketRecord(last_ms=2),
        TicketRecord(last_ms=3),
    )
    records["a"], records["b"], records["c"] = a, b, c
    assert records.get("b") is b and records.get("c") is c  # the two written last
    assert records.get("a") == a and records.get("a") is not a  # packed, unpacked anew
    records["a"] = a  # written again: an object, and b, now the oldest write, is packed
    assert records.get("a") is a and records.get("b") is not b
    assert len(records) == 3 and set(records) == {"a", "b", "c"} and "b" in records
    assert records == {"a": a, "b": b, "c": c} and records.newest_ms() == 3
    assert records.pop("b") == b and records.pop("b") is None and "b" not in records
    del records["a"]
    assert records.keys() == ["c"] and records.packed() == {"c": pack(c)}


def test_a_change_to_a_packed_record_is_kept_once_written_back() -> None:
    records = Records(hot_limit=0)
    records["T"] = TicketRecord(last_ms=1)
    record = records["T"]
    record.last_ms = 2
    assert records["T"].last_ms == 1  # a fresh object was unpacked for the reader
    records["T"] = record
    assert records["T"].last_ms == 2


def test_expiry_unpacks_only_the_records_it_may_drop_and_finds_the_ones_a_full_pass_finds() -> None:
    records, now = Records(hot_limit=3), NOW
    for n in range(12):
        record = TicketRecord(created_ms=now - n * 3 * H, last_ms=now - n * 3 * H)
        if n % 3 == 0:
            record.resolutions = (now - n * 3 * H,)  # closed
        if n % 4 == 0:
            record.created_ms, record.pending_since_ms = None, now - n * 3 * H  # waiting
        records[f"T{n}"] = record
    cutoffs = Cutoffs.at(now, Horizons(grace_ms=H, orphan_ms=12 * H), largest_window_ms=H)
    full = {k for k, r in records.items() if cutoffs.orphans_waiting(r) or cutoffs.expired(r)}
    assert {k for k, _ in records.matching(cutoffs.may_drop)} == full
    assert full and full != set(records)


def test_a_partition_that_packs_all_but_one_record_is_the_state_of_one_that_packs_none() -> None:
    """A day and a half of simulated traffic with the shipped SLA policy: SLA ticks decide
    deadlines, expiry drops tickets and orphans, customers repeat; every change to a record
    that was packed must be written back, or the two states part."""
    events = simulated(3_000)
    packing = worker_states(SUPPORTKPI_HOT_RECORDS="1")()
    unpacked = worker_states(SUPPORTKPI_HOT_RECORDS="1000000")()
    written: list[list[tuple[str, bytes | None]]] = []
    for state in (packing, unpacked):
        logs: tuple[list[tuple[str, bytes | None]], list[tuple[str, bytes | None]]] = ([], [])
        run_batches(state, events, logs)
        written.append(logs[0])
    assert len(packing.records) > 100
    assert len(packing.records._hot) == 1 and len(unpacked.records._packed) == 0
    assert packing.evaluation_errors == unpacked.evaluation_errors == 0
    same_state(packing, unpacked)
    assert written[0] == written[1]  # the same changelog, write for write


def test_a_capped_event_on_a_packed_record_keeps_its_digest() -> None:
    """A capped event is not applied but its id is remembered, so that a redelivery is a
    duplicate: that must hold for a record that was packed too."""
    state = partition_state(hot_records=0)
    state.apply(created("T"))
    replies = [
        Event(Kind.REPLIED, f"r{n}", NOW - 4 * H + n, "T", counts_as_response=True)
        for n in range(MAX_FACTS_KEPT + 1)
    ]
    assert [state.apply(e) for e in replies][-1] is Outcome.CAPPED
    assert state.apply(replies[-1]) is Outcome.DUPLICATE


def test_a_snapshot_keeps_packed_records_and_a_restored_state_packs_as_configured() -> None:
    events, new_state = simulated(600), worker_states(SUPPORTKPI_HOT_RECORDS="2")
    live = new_state()
    run_batches(live, events, ([], []))
    restored = new_state()
    restored.restore(live.export())
    assert restored.records.hot_limit == 2 and not restored.records._hot
    same_state(restored, live)
