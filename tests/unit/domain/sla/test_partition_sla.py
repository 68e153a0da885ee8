"""SLA in the partition state: breaches found by the clock, counted once, revised by facts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.domain import contributions as c
from streams.domain.contributions import KpiModel
from streams.domain.events import Event, Kind
from streams.domain.partition import PartitionState
from streams.domain.sla.policy import parse_policy
from tests.support.builders import NOW, H, M, S, created, partition_state, replied, resolved

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


UPDATES = parse_policy(
    {
        "version": 1,
        "at_risk": 0.5,
        "policies": [
            {
                "name": "all",
                "pause": {"periodic_update": ["pending"], "resolution": ["pending"]},
                "targets": {
                    "urgent": {
                        "first_response": "30m",
                        "next_reply": "20m",
                        "resolution": "4h",
                        "periodic_update": "1h",
                    },
                    "high": {"periodic_update": "10s"},
                },
            }
        ],
    }
)
UPDATE = ("periodic_update", "high")


def test_an_update_cycle_is_breached_by_the_timer_and_a_resolution_ends_the_next_one() -> None:
    s = partition_state({"1h": H}, model=KpiModel(sla=UPDATES))
    s.apply(created("T", T0, channel="chat"))
    s.apply(replied("T", T0 + S, "r1"))
    s.advance(T0 + 7 * S)
    s.tick()
    assert s.sla_now[UPDATE].at_risk == 1 and outcomes(s) == {}
    s.advance(T0 + 11 * S)
    s.tick()
    assert outcomes(s) == {(*UPDATE, "breached"): 1}
    assert s.sla_now[UPDATE].breached == 1
    s.apply(replied("T", T0 + 13 * S, "r2"))  # too late: the breach stays, a new cycle runs
    s.tick()
    assert outcomes(s) == {(*UPDATE, "breached"): 1}
    assert s.sla_now[UPDATE].breached == 0 and s.sla_now[UPDATE].next_deadline_ms == T0 + 23 * S
    s.apply(resolved("T", T0 + 20 * S))  # within the second cycle: it ends without an outcome
    s.advance(T0 + 30 * S)
    s.tick()
    assert outcomes(s) == {(*UPDATE, "breached"): 1}
    assert UPDATE not in s.sla_now


def test_a_resolution_timestamped_before_the_deadline_withdraws_the_timers_breach() -> None:
    s = partition_state({"1h": H}, model=KpiModel(sla=UPDATES))
    s.apply(created("T", T0, channel="chat"))
    s.apply(replied("T", T0 + S, "r1"))
    s.advance(T0 + 20 * S)
    s.tick()
    assert outcomes(s) == {(*UPDATE, "breached"): 1}
    s.apply(resolved("T", T0 + 5 * S))  # delivered late, but the ticket was solved in time
    assert outcomes(s) == {}


# -- any arrival order gives the same SLA outcomes and gauges --------------------------------
_tickets = st.sampled_from(["T1", "T2"])
# five-minute steps over three hours: gaps around the targets (1h, 20m, 30m) are common
_at = st.integers(min_value=0, max_value=36).map(lambda steps: NOW - 3 * H + steps * 5 * M)
_n = st.integers(0, 3)
_fact = st.one_of(  # replies most often: they start and stop the periodic-update cycles
    st.builds(lambda t, at, n: replied(t, at, f"r{n}-{t}"), _tickets, _at, st.integers(0, 6)),
    st.builds(lambda t, at, n: resolved(t, at, f"x{n}"), _tickets, _at, _n),
    st.builds(lambda t, at, n: Event(Kind.REOPENED, f"o{n}", at, t), _tickets, _at, _n),
    st.builds(lambda t, at, n: Event(Kind.CUSTOMER_REPLIED, f"m{n}", at, t), _tickets, _at, _n),
    st.builds(
        lambda t, at, n, status: Event(Kind.UPDATED, f"u{n}", at, t, status=status),
        _tickets,
        _at,
        _n,
        st.sampled_from(["pending", "open", "on_hold"]),
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.tuples(_at, _at), st.lists(_fact, min_size=2, max_size=25), st.randoms())
def test_any_arrival_order_with_duplicates_gives_the_same_sla_outcomes(opened, facts, rng) -> None:  # type: ignore[no-untyped-def]
    tickets = [
        created(t, at, priority="urgent") for t, at in zip(("T1", "T2"), opened, strict=True)
    ]
    unique = tickets + list({e.event_id: e for e in facts}.values())
    replay = unique + [rng.choice(unique) for _ in range(len(unique) // 2)]
    rng.shuffle(replay)
    in_time = sorted(unique, key=lambda e: e.at_ms)  # as it happened: no deadline ran ahead
    as_happened = partition_state(model=KpiModel(sla=UPDATES), now_ms=NOW - 3 * H)
    shuffled = partition_state(model=KpiModel(sla=UPDATES), now_ms=NOW - 3 * H)
    for state, sequence in ((as_happened, in_time), (shuffled, replay)):
        for event in sequence:
            state.advance(max(state.now_ms, event.at_ms))  # the clock moves with the events
            state.apply(event)
            state.tick()
        state.advance(NOW)
        state.tick()
        state.tick()
    assert shuffled.windows.totals() == as_happened.windows.totals()
    assert dict(shuffled.sla_now) == dict(as_happened.sla_now)
