"""The SLA scan: which clocks it keeps, the slice budget of a tick, and the gauges of a pass."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from streams.domain.sla.clocks import Clock
from streams.domain.sla.scan import ScanShape, SlaGauges, SlaKey, SlaScan
from tests.support.builders import NOW, H, M, S

FR = ("first_response", "urgent")


def running(
    deadline: int, at_risk: int | None = None, sla: str = "first_response", start: int = 0
) -> Clock:
    return Clock(sla, "urgent", start, None, 10 * S, deadline, at_risk)


def counted(gauges: Mapping[SlaKey, SlaGauges]) -> dict[SlaKey, SlaGauges]:
    """The at-risk, breached and next-deadline part of the gauges (the lookahead aside)."""
    return {k: SlaGauges(g.at_risk, g.breached, g.next_deadline_ms) for k, g in gauges.items()}


def test_only_running_clocks_are_tracked() -> None:
    scan = SlaScan()
    stopped = Clock("first_response", "urgent", 0, 5 * S, 10 * S, 10 * S, 7 * S)
    paused = Clock("resolution", "urgent", 0, None, 60 * S, None, None)  # no deadline yet
    scan.track("A", [stopped, paused], NOW)
    scan.track("B", [stopped, running(NOW + S)], NOW)
    scan.track("C", [], NOW)
    assert scan.tracked() == {"B"}
    scan.track("B", [stopped], NOW)  # its last clock stopped
    assert scan.tracked() == frozenset()
    scan.track("D", [running(NOW + S)], NOW)
    scan.forget("D")
    assert scan.tracked() == frozenset()


def test_the_gauges_count_breached_at_risk_and_the_next_deadline() -> None:
    scan = SlaScan()
    scan.track("A", [running(NOW - S)], NOW)  # breached, already decided at its evaluation
    scan.track("B", [running(NOW + 9 * S, at_risk=NOW - S)], NOW)
    scan.track("C", [running(NOW + 5 * S, at_risk=NOW + S)], NOW)
    scan.track("D", [running(NOW + 7 * S), running(NOW + 3 * S, sla="resolution")], NOW)
    scan.tick(NOW, 100, lambda key: pytest.fail(f"{key} has nothing to decide"))
    assert counted(scan.gauges) == {
        FR: SlaGauges(at_risk=1, breached=1, next_deadline_ms=NOW + 5 * S),
        ("resolution", "urgent"): SlaGauges(next_deadline_ms=NOW + 3 * S),
    }


def test_a_tick_visits_at_most_its_slice_and_the_gauges_change_per_complete_pass() -> None:
    scan = SlaScan()
    keys = [f"T{n}" for n in range(7)]
    for key in keys:
        scan.track(
            key, [running(NOW - S)], NOW - 10 * S
        )  # each deadline passed since its last evaluation
    decided: list[list[str]] = []

    def decide(key: str) -> None:
        decided[-1].append(key)
        scan.track(key, [running(NOW - S)], NOW)  # evaluated again: decided at NOW

    for _ in range(3):
        decided.append([])
        scan.tick(NOW, 3, decide)
        if len(decided) < 3:
            assert scan.gauges == {}  # the pass is not complete yet
    assert [len(d) for d in decided] == [3, 3, 1]
    assert sorted(k for d in decided for k in d) == keys  # each record once per pass
    assert counted(scan.gauges) == {FR: SlaGauges(breached=7)}
    decided.append([])
    scan.tick(NOW, 3, decide)
    assert decided[-1] == []  # decided once: the next pass only counts them


def test_a_record_closed_during_a_pass_is_skipped_and_one_opened_waits_for_the_next() -> None:
    scan = SlaScan()
    for key in "ABC":
        scan.track(key, [running(NOW + 5 * S, at_risk=NOW)], NOW)
    scan.tick(NOW, 1, lambda key: None)  # visits A
    scan.forget("C")
    scan.track("D", [running(NOW + 5 * S, at_risk=NOW)], NOW)
    scan.tick(NOW, 10, lambda key: None)  # B, then the pass ends
    assert scan.gauges[FR].at_risk == 2  # A and B
    scan.tick(NOW, 10, lambda key: None)
    assert scan.gauges[FR].at_risk == 3  # A, B and D


def test_what_deciding_leaves_running_is_what_counts() -> None:
    scan = SlaScan()
    scan.track("A", [running(NOW - S)], NOW - 10 * S)
    scan.track("B", [running(NOW - S)], NOW - 10 * S)

    def decide(key: str) -> None:
        if key == "A":
            scan.forget(key)  # e.g. it could not be evaluated
        else:  # re-evaluated: the breached clock stopped, a later one runs
            scan.track(key, [running(NOW + 4 * S, sla="resolution")], NOW)

    scan.tick(NOW, 10, decide)
    assert counted(scan.gauges) == {
        ("resolution", "urgent"): SlaGauges(next_deadline_ms=NOW + 4 * S)
    }


def test_a_deadline_already_decided_at_the_last_evaluation_is_not_decided_again() -> None:
    scan = SlaScan()
    scan.track("A", [running(NOW - S)], NOW - S)  # deadline == last evaluation: decided then
    scan.track("B", [running(NOW)], NOW - S)  # deadline in (last evaluation, now]
    decided: list[str] = []
    scan.tick(NOW, 10, decided.append)
    assert decided == ["B"]


def test_gauges_merge_sums_and_keeps_the_earliest_deadline() -> None:
    total = SlaGauges()
    total.merge(SlaGauges(at_risk=1, breached=2, next_deadline_ms=50))
    total.merge(SlaGauges(at_risk=3, next_deadline_ms=20))
    total.merge(SlaGauges(breached=1))
    assert total == SlaGauges(at_risk=4, breached=3, next_deadline_ms=20)


def test_the_published_gauges_are_read_only() -> None:
    scan = SlaScan()
    with pytest.raises(TypeError):
        scan.gauges[FR] = SlaGauges()  # type: ignore[index]


def test_a_tick_visits_at_most_its_slice_when_deciding_forgets_every_record() -> None:
    scan = SlaScan()
    for key in "ABC":
        scan.track(
            key, [running(NOW - S)], NOW - 10 * S
        )  # each deadline passed since its last evaluation
    decided: list[str] = []

    def decide(key: str) -> None:
        decided.append(key)
        scan.forget(key)  # e.g. it could not be evaluated: no clocks left running

    scan.tick(NOW, 1, decide)
    assert len(decided) == 1


def test_deadlines_ahead_count_in_each_horizon_they_fall_within_and_breached_in_none() -> None:
    scan = SlaScan(ScanShape(horizons_ms=(15 * M, H, 4 * H)))
    scan.track("A", [running(NOW + 15 * M)], NOW)  # at the edge: within 15m
    scan.track("B", [running(NOW + 15 * M + 1)], NOW)
    scan.track("C", [running(NOW + H)], NOW)
    scan.track("D", [running(NOW + 4 * H + 1)], NOW)  # beyond every horizon
    scan.track("E", [running(NOW)], NOW)  # due now: breached, not expected
    scan.track("F", [running(NOW + 2 * H, sla="resolution")], NOW)
    scan.tick(NOW, 100, lambda key: None)
    assert scan.gauges[FR].expected == [1, 3, 3]
    assert scan.gauges[FR].breached == 1
    assert scan.gauges[("resolution", "urgent")].expected == [0, 0, 1]


def test_customers_waiting_are_counted_by_calendar_time_since_their_clock_started() -> None:
    bounds = (M, 15 * M, H)
    scan = SlaScan(ScanShape(waiting_bounds_ms=bounds))
    scan.track("A", [running(NOW + H, start=NOW - M)], NOW)  # exactly 1m: le="60"
    scan.track("B", [running(NOW + H, start=NOW - M - 1)], NOW)
    scan.track("C", [running(NOW - S, start=NOW - 2 * H)], NOW)  # breached: still waiting
    scan.track("D", [running(NOW + H, start=NOW + S)], NOW)  # stamped in the future: waited 0
    scan.track("E", [running(NOW + H, sla="resolution", start=NOW - 2 * H)], NOW)  # not a wait
    scan.tick(NOW, 100, lambda key: None)
    assert scan.gauges[FR].waiting == [2, 1, 0, 1]  # per bucket, +Inf last; not cumulative
    assert scan.gauges[FR].waited_ms == M + (M + 1) + 2 * H
    assert scan.gauges[("resolution", "urgent")].waiting == []


def test_merge_adds_the_lookahead_counts_bucket_by_bucket() -> None:
    total = SlaGauges()
    total.merge(SlaGauges(expected=[1, 2], waiting=[1, 0, 3], waited_ms=5))
    total.merge(SlaGauges(expected=[0, 1], waiting=[2, 1, 0], waited_ms=7))
    total.merge(SlaGauges())  # a partition without these clocks
    assert total == SlaGauges(expected=[1, 3], waiting=[3, 1, 3], waited_ms=12)
