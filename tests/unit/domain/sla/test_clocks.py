"""SLA clocks of one ticket: stops, pauses, priority changes, reopens, next-reply cycles."""

from __future__ import annotations

from streams.domain.sla.clocks import BREACHED, MET, clocks
from streams.domain.sla.policy import parse_policy
from streams.domain.ticket import TicketRecord
from tests.support.builders import M

POLICY = parse_policy(
    {
        "version": 1,
        "at_risk": 0.75,
        "policies": [
            {
                "name": "all",
                "pause": {"resolution": ["pending", "on_hold"]},
                "targets": {
                    "urgent": {"first_response": "10m", "next_reply": "20m", "resolution": "60m"},
                    "low": {"first_response": "60m", "next_reply": "60m", "resolution": "240m"},
                },
            }
        ],
    }
)
ALL = POLICY.policies[0]


def ticket(**facts: object) -> TicketRecord:
    record = TicketRecord(
        created_ms=0, channel="email", priority="urgent", priorities=[(0, "urgent")]
    )
    for name, value in facts.items():
        setattr(record, name, value)
    return record


def by_sla(record: TicketRecord) -> dict[str, list]:
    out: dict[str, list] = {}
    for clock in clocks(record, ALL, POLICY.at_risk):
        out.setdefault(clock.sla, []).append(clock)
    return out


def test_first_response_met_or_breached_at_the_deciding_time() -> None:
    met = by_sla(ticket(replies=[9 * M]))["first_response"][0]
    assert met.outcome(now_ms=100 * M) == (MET, 9 * M)
    late = by_sla(ticket(replies=[11 * M]))["first_response"][0]
    assert late.outcome(now_ms=100 * M) == (BREACHED, 10 * M)


def test_an_unanswered_ticket_is_breached_only_once_the_clock_passes_the_deadline() -> None:
    clock = by_sla(ticket())["first_response"][0]
    assert clock.deadline_ms == 10 * M and clock.at_risk_ms == int(7.5 * M)
    assert clock.outcome(now_ms=10 * M - 1) is None
    assert clock.outcome(now_ms=10 * M) == (BREACHED, 10 * M)


def test_pending_pauses_resolution_and_open_resumes_it() -> None:
    record = ticket(statuses=[(10 * M, "pending"), (40 * M, "open")])
    clock = by_sla(record)["resolution"][0]
    assert clock.deadline_ms == 90 * M  # 60m target + 30m paused
    paused = by_sla(ticket(statuses=[(10 * M, "pending")]))["resolution"][0]
    assert paused.deadline_ms is None and not paused.running()  # no deadline while pending


def test_target_follows_the_priority_when_the_clock_stops() -> None:
    record = ticket(priorities=[(0, "urgent"), (5 * M, "low")], priority="low", replies=[30 * M])
    clock = by_sla(record)["first_response"][0]
    assert (clock.priority, clock.target_ms) == ("low", 60 * M)
    assert clock.outcome(100 * M) == (MET, 30 * M)


def test_reopen_resumes_the_full_resolution_clock_without_counting_the_resolved_gap() -> None:
    record = ticket(resolutions=[20 * M, 100 * M], reopens=[50 * M])
    clock = by_sla(record)["resolution"][0]
    assert clock.stop_ms == 100 * M
    assert clock.deadline_ms == 90 * M  # 60m of work + 30m resolved gap
    assert clock.outcome(200 * M) == (BREACHED, 90 * M)
    reopened_now = by_sla(ticket(resolutions=[20 * M], reopens=[50 * M]))["resolution"][0]
    assert reopened_now.running() and reopened_now.deadline_ms == 90 * M


def test_customer_messages_in_a_row_start_one_cycle_at_the_oldest() -> None:
    record = ticket(replies=[5 * M, 40 * M, 90 * M], customer=[2 * M, 10 * M, 15 * M, 80 * M])
    cycles = [(c.start_ms, c.stop_ms) for c in by_sla(record)["next_reply"]]
    # 2m comes before the first reply (first_response covers it); 10m and 15m share a cycle
    assert cycles == [(10 * M, 40 * M), (80 * M, 90 * M)]
    outcomes = [c.outcome(100 * M) for c in by_sla(record)["next_reply"]]
    assert outcomes == [(BREACHED, 30 * M), (MET, 90 * M)]


def test_a_ticket_without_its_creation_has_no_clocks() -> None:
    assert clocks(TicketRecord(replies=[5]), ALL, 0.75) == []
