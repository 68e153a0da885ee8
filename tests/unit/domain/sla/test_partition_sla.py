"""SLA in the partition state: breaches found by the clock, counted once, revised by facts."""

from __future__ import annotations

from streams.domain import contributions as c
from streams.domain.contributions import KpiModel
from streams.domain.events import Event, Kind
from streams.domain.partition import PartitionState
from streams.domain.sla.policy import parse_policy
from tests.support.builders import NOW, H, S, created, partition_state

T0 = NOW
POLICY = parse_policy(
    {
        "version": 1,
        "at_risk": 0.5,
        "policies": [
            {"name": "all", "targets": {"urgent": {"first_response": "10s", "resolution": "1h"}}}
        ],
    }
)


def outcomes(s: PartitionState) -> dict:
    return {k.labels: v for k, v in s.windows.totals()["1h"].items() if k.kpi == c.SLA}


def test_an_unanswered_ticket_is_at_risk_then_breached_by_the_timer_exactly_once() -> None:
    s = partition_state({"1h": H}, model=KpiModel(sla=POLICY))
    s.apply(created("T", T0, channel="chat", priority="urgent"))
    s.advance(T0 + 6 * S)
    s.tick()
    assert s.sla_now[("first_response", "urgent")].at_risk == 1
    assert outcomes(s) == {}
    s.advance(T0 + 10 * S)
    s.tick()
    assert outcomes(s) == {("first_response", "urgent", "breached"): 1}
    assert s.sla_now[("first_response", "urgent")].breached == 1
    s.advance(T0 + 30 * S)
    s.tick()
    s.tick()
    assert outcomes(s) == {("first_response", "urgent", "breached"): 1}  # still once
    assert "T" in {k for k, _ in s.drain_dirty()}  # the decision is persisted with the record


def test_a_reply_answered_in_time_but_delivered_late_turns_the_breach_into_met() -> None:
    s = partition_state({"1h": H}, model=KpiModel(sla=POLICY))
    s.apply(created("T", T0, channel="chat", priority="urgent"))
    s.advance(T0 + 20 * S)
    s.tick()
    assert outcomes(s) == {("first_response", "urgent", "breached"): 1}
    s.apply(Event(Kind.REPLIED, "r", T0 + 8 * S, "T", counts_as_response=True))
    assert outcomes(s) == {("first_response", "urgent", "met"): 1}
    s.tick()
    assert ("first_response", "urgent") not in s.sla_now


def test_sla_decisions_survive_a_rebuild_from_records() -> None:
    s = partition_state({"1h": H}, model=KpiModel(sla=POLICY))
    s.apply(created("T", T0, channel="chat", priority="urgent"))
    s.advance(T0 + 20 * S)
    s.tick()
    rebuilt = partition_state({"1h": H}, model=KpiModel(sla=POLICY))
    rebuilt.advance(T0 + 20 * S)
    for key, blob in s.drain_dirty():
        assert blob is not None
        rebuilt.load(key, blob)
    assert outcomes(rebuilt) == outcomes(s)
    rebuilt.tick()
    assert rebuilt.sla_now[("first_response", "urgent")].breached == 1


def test_a_large_backlog_is_scanned_in_slices_and_the_gauges_change_per_complete_pass() -> None:
    s = partition_state({"1h": H}, model=KpiModel(sla=POLICY))
    for n in range(5):
        s.apply(Event(Kind.CREATED, f"c{n}", T0, f"T{n}", channel="chat", priority="urgent"))
    s.advance(T0 + 20 * S)
    s.tick(slice_size=2)
    s.tick(slice_size=2)
    assert s.sla_now == {}  # two of three slices: the pass is not complete
    assert outcomes(s) == {("first_response", "urgent", "breached"): 4}  # decided as visited
    s.tick(slice_size=2)
    assert s.sla_now[("first_response", "urgent")].breached == 5
    assert outcomes(s) == {("first_response", "urgent", "breached"): 5}
    s.apply(Event(Kind.REPLIED, "r0", T0 + 21 * S, "T0", counts_as_response=True))  # mid-pass
    s.tick(slice_size=2)
    s.tick(slice_size=2)
    assert s.sla_now[("first_response", "urgent")].breached == 5  # still the last whole pass
    s.tick(slice_size=2)
    assert s.sla_now[("first_response", "urgent")].breached == 4
