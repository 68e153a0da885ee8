"""Business hours, full resolution and time in status of one ticket, and when each counts."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.domain import ticket_times as t
from streams.domain.contributions import SUM, KpiModel
from streams.domain.resolutions import final_resolution_ms, resolved_gaps
from streams.domain.sla.policy import parse_policy
from streams.domain.ticket import TicketRecord
from streams.domain.ticket_times import status_times
from tests.support.builders import H, M

POLICY = parse_policy(
    {
        "version": 1,
        "schedules": {"office": {"timezone": "UTC", "hours": {"mon-fri": ["09:00-17:00"]}}},
        "policies": [
            {"name": "vip", "match": {"team": ["vip"]}, "targets": {"high": {"resolution": "1h"}}},
            {"name": "rest", "schedule": "office", "targets": {"high": {"resolution": "8h"}}},
        ],
    }
)
FRIDAY_4PM = int(datetime(2026, 10, 30, 16, tzinfo=UTC).timestamp() * 1000)


def _sums(model: KpiModel, record: TicketRecord) -> dict[str, list[tuple[int, int]]]:
    """Per KPI id of ``ticket_times``: (time, amount) of the sums observed."""
    out: dict[str, list[tuple[int, int]]] = {}
    kpis = (t.FIRST_RESPONSE_BUSINESS, t.RESOLUTION_BUSINESS, t.FULL_RESOLUTION)
    for at_ms, series, amount in model.contributions(record):
        if series.bucket == SUM and series.kpi in (*kpis, t.REQUESTER_WAIT, t.ON_HOLD):
            out.setdefault(series.kpi, []).append((at_ms, amount))
    return out


def test_business_hours_skip_the_weekend_on_the_policy_schedule() -> None:
    # created Friday 16:00, answered Monday 10:00, resolved Monday 11:00
    record = TicketRecord(
        created_ms=FRIDAY_4PM,
        priority="high",
        replies=(FRIDAY_4PM + 66 * H,),
        resolutions=(FRIDAY_4PM + 67 * H,),
    )
    got = _sums(KpiModel(sla=POLICY), record)
    assert got[t.FIRST_RESPONSE_BUSINESS] == [(FRIDAY_4PM + 66 * H, 2 * H)]  # 1h Fri + 1h Mon
    assert got[t.RESOLUTION_BUSINESS] == [(FRIDAY_4PM + 67 * H, 3 * H)]
    assert got[t.FULL_RESOLUTION] == [(FRIDAY_4PM + 67 * H, 67 * H)]  # calendar time


def test_a_policy_without_a_schedule_falls_back_to_the_default_one_or_to_none() -> None:
    record = TicketRecord(
        created_ms=FRIDAY_4PM, team_name="vip", replies=(FRIDAY_4PM + 66 * H,), priority="high"
    )
    assert t.FIRST_RESPONSE_BUSINESS not in _sums(KpiModel(sla=POLICY), record)
    model = KpiModel(sla=POLICY, default_schedule=POLICY.schedules["office"])
    assert _sums(model, record)[t.FIRST_RESPONSE_BUSINESS] == [(FRIDAY_4PM + 66 * H, 2 * H)]
    assert t.FIRST_RESPONSE_BUSINESS not in _sums(KpiModel(), record)  # no policy: none


def test_a_reopen_withdraws_the_full_resolution_until_the_ticket_is_resolved_again() -> None:
    record = TicketRecord(created_ms=0, resolutions=(10 * M,), reopens=(30 * M,))
    assert final_resolution_ms(record) is None
    assert t.FULL_RESOLUTION not in _sums(KpiModel(), record)
    record.resolutions = (10 * M, 50 * M, 70 * M)  # resolved again, then resolved once more
    assert final_resolution_ms(record) == 50 * M  # the one that left it resolved
    assert _sums(KpiModel(), record)[t.FULL_RESOLUTION] == [(50 * M, 50 * M)]
    assert resolved_gaps(record) == [(10 * M, 30 * M)]


def test_time_in_status_follows_event_time_and_skips_the_resolved_stretch() -> None:
    record = TicketRecord(
        created_ms=0,
        statuses=((-M, "pending"), (5 * M, "open"), (20 * M, "on_hold"), (40 * M, "open")),
        resolutions=(30 * M, 60 * M),
        reopens=(35 * M,),
    )
    # pending 0-5, open 5-20, on hold 20-30, resolved 30-35, on hold 35-40, open 40-60
    assert status_times(record, 0, 60 * M) == {
        "pending": 5 * M,
        "open": 35 * M,
        "on_hold": 15 * M,
    }
    got = _sums(KpiModel(), record)
    assert got[t.REQUESTER_WAIT] == [(60 * M, 35 * M)]
    assert got[t.ON_HOLD] == [(60 * M, 15 * M)]


def test_no_status_means_open_and_a_resolution_before_the_creation_counts_nothing() -> None:
    assert status_times(TicketRecord(created_ms=0), 0, 7 * M) == {"open": 7 * M}
    skewed = TicketRecord(created_ms=10 * M, resolutions=(9 * M,))
    got = _sums(KpiModel(), skewed)
    assert got[t.FULL_RESOLUTION] == got[t.REQUESTER_WAIT] == [(9 * M, 0)]
