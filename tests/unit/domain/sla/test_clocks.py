"""SLA clocks of one ticket: stops, pauses, priority changes, reopens, next-reply and
periodic-update cycles, business hours."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from streams.domain.sla.clocks import BREACHED, MET, clocks, periodic_update_cycles
from streams.domain.sla.policy import parse_policy
from streams.domain.ticket import TicketRecord
from tests.support.builders import H, M

POLICY = parse_policy(
    {
        "version": 1,
        "at_risk": 0.75,
        "policies": [
            {
                "name": "all",
                "pause": {"resolution": ["pending", "on_hold"], "periodic_update": ["pending"]},
                "targets": {
                    "urgent": {
                        "first_response": "10m",
                        "next_reply": "20m",
                        "resolution": "60m",
                        "periodic_update": "30m",
                    },
                    "low": {"first_response": "60m", "next_reply": "60m", "resolution": "240m"},
                },
            }
        ],
    }
)
ALL = POLICY.policies[0]


def ticket(**facts: object) -> TicketRecord:
    record = TicketRecord(
        created_ms=0, channel="email", priority="urgent", priorities=((0, "urgent"),)
    )
    for name, value in facts.items():  # the record's facts are tuples (a compiled core checks)
        setattr(record, name, tuple(value) if isinstance(value, list) else value)
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
    assert clocks(TicketRecord(replies=(5,)), ALL, 0.75) == []


# -- periodic update --------------------------------------------------------------------------


def updates(record: TicketRecord, now_ms: int = 1000 * M) -> list[tuple | None]:
    """The outcome of each periodic-update clock of ``record`` as known at ``now_ms``."""
    return [c.outcome(now_ms) for c in by_sla(record).get("periodic_update", [])]


def test_each_public_reply_starts_an_update_cycle_that_the_next_reply_stops() -> None:
    record = ticket(replies=[5 * M, 20 * M, 70 * M, 80 * M])
    cycles = [(c.start_ms, c.stop_ms) for c in by_sla(record)["periodic_update"]]
    # the creation starts none (first_response covers it); the last reply starts one that runs
    assert cycles == [(5 * M, 20 * M), (20 * M, 70 * M), (70 * M, 80 * M), (80 * M, None)]
    assert updates(record, now_ms=100 * M) == [
        (MET, 20 * M),
        (BREACHED, 50 * M),
        (MET, 80 * M),
        None,
    ]
    running = by_sla(record)["periodic_update"][-1]
    assert running.running() and running.deadline_ms == 110 * M
    assert running.at_risk_ms == 80 * M + int(22.5 * M)


def test_an_unanswered_update_cycle_is_breached_when_its_deadline_passes() -> None:
    record = ticket(replies=[5 * M])
    assert updates(record, now_ms=35 * M - 1) == [None]
    assert updates(record, now_ms=35 * M) == [(BREACHED, 35 * M)]
    # the late update does not move the breach: it was decided at the deadline
    assert updates(ticket(replies=[5 * M, 90 * M]), now_ms=100 * M) == [(BREACHED, 35 * M), None]


def test_pending_pauses_an_update_cycle_and_open_resumes_it() -> None:
    paused = ticket(replies=[5 * M, 60 * M], statuses=[(10 * M, "pending"), (40 * M, "open")])
    first = by_sla(paused)["periodic_update"][0]
    assert first.deadline_ms == 65 * M  # 30m target + 30m pending
    assert first.outcome(100 * M) == (MET, 60 * M)
    waiting = by_sla(ticket(replies=[5 * M], statuses=[(10 * M, "pending")]))["periodic_update"]
    assert waiting[0].deadline_ms is None and not waiting[0].running()


def test_a_resolution_ends_the_cycle_under_way_without_an_outcome() -> None:
    assert updates(ticket(replies=[5 * M], resolutions=[20 * M])) == []
    assert updates(ticket(replies=[5 * M], resolutions=[35 * M])) == []  # at the deadline: in time
    # resolved only after the deadline: the breach the timer found stays
    late = by_sla(ticket(replies=[5 * M], resolutions=[50 * M]))["periodic_update"]
    assert [c.outcome(1000 * M) for c in late] == [(BREACHED, 35 * M)]
    assert not late[0].running()
    # the final reply at the resolution is an update in time, and starts no cycle
    assert updates(ticket(replies=[5 * M, 30 * M], resolutions=[30 * M])) == [(MET, 30 * M)]


def test_replies_while_resolved_start_no_cycle_and_a_reopen_waits_for_the_next_reply() -> None:
    record = ticket(replies=[5 * M, 25 * M, 100 * M], resolutions=[20 * M], reopens=[40 * M])
    cycles = periodic_update_cycles(record)
    assert [(c.start_ms, c.stop_ms, c.by_resolution) for c in cycles] == [
        (5 * M, 20 * M, True),
        (100 * M, None, False),
    ]
    clocks_ = by_sla(record)["periodic_update"]
    assert [(c.start_ms, c.deadline_ms) for c in clocks_] == [(100 * M, 130 * M)]


def test_priorities_without_a_periodic_update_target_have_no_update_clocks() -> None:
    low = ticket(priority="low", priorities=[(0, "low")], replies=[5 * M, 500 * M])
    assert "periodic_update" not in by_sla(low)


BERLIN = ZoneInfo("Europe/Berlin")
OFFICE_HOURS = parse_policy(
    {
        "version": 1,
        "schedules": {
            "office": {"timezone": "Europe/Berlin", "hours": {"mon-fri": ["08:00-18:00"]}}
        },
        "policies": [
            {
                "name": "office",
                "schedule": "office",
                "business_hours": ["periodic_update"],
                "targets": {"urgent": {"periodic_update": "2h"}},
            }
        ],
    }
).policies[0]
FRIDAY_1700 = int(datetime(2026, 11, 20, 17, tzinfo=BERLIN).timestamp() * 1000)
MONDAY_0900 = int(datetime(2026, 11, 23, 9, tzinfo=BERLIN).timestamp() * 1000)


def test_an_update_cycle_on_business_hours_skips_the_weekend() -> None:
    def update(replies: list[int]) -> list:
        record = ticket(created_ms=FRIDAY_1700 - H, replies=replies)
        return [c for c in clocks(record, OFFICE_HOURS, 0.75) if c.sla == "periodic_update"]

    running = update([FRIDAY_1700])[0]
    assert running.deadline_ms == MONDAY_0900  # one working hour on Friday, one on Monday
    answered = update([FRIDAY_1700, MONDAY_0900 - 30 * M])[0]
    assert answered.outcome(MONDAY_0900) == (MET, MONDAY_0900 - 30 * M)
    late = update([FRIDAY_1700, MONDAY_0900 + 30 * M])[0]
    assert late.outcome(MONDAY_0900 + 30 * M) == (BREACHED, MONDAY_0900)
