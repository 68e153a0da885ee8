"""Packed running clocks: a running clock reads back as it was, a stopped or paused one is not
kept, and the deadline test reads the packed form as the clocks would answer it."""

from __future__ import annotations

import marshal

from hypothesis import given
from hypothesis import strategies as st

from streams.domain.sla.clocks import Clock
from streams.domain.sla.packed_clocks import ClockPacker, RunningClock, deadline_in

_times = st.integers(-(2**62), 2**62)
_clocks = st.builds(
    Clock,
    sla=st.sampled_from(["first_response", "next_reply", "resolution", "customer_wait"]),
    priority=st.sampled_from(["urgent", "high", "normal", "low", "ünï"]),
    start_ms=_times,
    stop_ms=st.none() | _times,
    target_ms=st.integers(0, 2**40),
    deadline_ms=st.none() | _times,
    at_risk_ms=st.none() | _times,
)


def _running(clocks: list[Clock]) -> list[RunningClock]:
    return [
        ((c.sla, c.priority), c.start_ms, c.deadline_ms, c.at_risk_ms)
        for c in clocks
        if c.running() and c.deadline_ms is not None
    ]


@given(st.lists(_clocks, max_size=6), _times)
def test_the_running_clocks_read_back_as_they_were(clocks: list[Clock], evaluated: int) -> None:
    packer = ClockPacker()
    packed = packer.pack(clocks, evaluated)
    assert packer.unpack(packed) == _running(clocks)
    assert (packed == b"") == (not _running(clocks))


@given(st.lists(_clocks, max_size=6), _times, _times)
def test_a_deadline_since_the_evaluation_is_found_in_the_packed_form_as_in_the_clocks(
    clocks: list[Clock], evaluated_ms: int, now_ms: int
) -> None:
    packed = ClockPacker().pack(clocks, evaluated_ms)
    expected = any(evaluated_ms < deadline <= now_ms for _, _, deadline, _ in _running(clocks))
    assert deadline_in(packed, now_ms) == expected


def test_a_restored_packer_reads_what_its_exported_table_numbered() -> None:
    """A snapshot keeps the table beside the clocks (through marshal, as a snapshot is
    encoded), so a restored scan reads the labels the clocks were packed with."""
    packer = ClockPacker()
    urgent = Clock("resolution", "urgent", 1, None, 10, 11, None)
    low = Clock("first_response", "low", 2, None, 10, 12, 9)
    first, second = packer.pack([urgent], 5), packer.pack([low, urgent], 6)
    restored = ClockPacker(marshal.loads(marshal.dumps(packer.dims)))
    assert restored.unpack(first) == packer.unpack(first)
    assert restored.unpack(second) == [
        (("first_response", "low"), 2, 12, 9),
        (("resolution", "urgent"), 1, 11, None),
    ]
    assert restored.pack([low], 7) == packer.pack([low], 7)  # numbers nothing twice
