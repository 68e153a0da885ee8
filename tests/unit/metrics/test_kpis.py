"""The KPI table agrees with what the domain emits: one row per KPI id, labels that fit."""

from __future__ import annotations

from streams.domain.contributions import SUM, KpiModel
from streams.domain.customers import CustomerRecord, CustomerTicket, RepeatModel
from streams.domain.sla.policy import parse_policy
from streams.domain.surveys import SurveyAnswer, SurveySend
from streams.domain.ticket import TicketRecord
from streams.domain.transfers import TeamChange
from streams.metrics import contract
from streams.metrics.kpis import KPIS, WINDOW, Shape
from tests.support.builders import S

POLICY = parse_policy(
    {
        "version": 1,
        "schedules": {"always": {"timezone": "UTC", "hours": {"mon-sun": ["00:00-24:00"]}}},
        "policies": [
            {
                "name": "all",
                "schedule": "always",  # business-hours times
                "targets": {"high": {"first_response": "1m", "resolution": "1h"}},
            }
        ],
    }
)


def _every_contribution() -> list[tuple[str, tuple[str, ...], int]]:
    """A ticket with every kind of fact, a one-touch one, and a survey without a ticket."""
    ticket = TicketRecord(
        created_ms=0,
        channel="chat",
        priority="high",
        team="billing",
        team_name="billing",
        team_changes=(TeamChange(50 * S, "tier2", "tier2"),),  # a transfer
        replies=(30 * S, 200 * S),
        customer=(100 * S,),
        resolutions=(300 * S,),
        reopens=(400 * S,),
        surveys=(SurveyAnswer("csat", 4, 500 * S, "chat"),),
        evaluated_ms=600 * S,
    )
    one_touch = TicketRecord(created_ms=0, replies=(10 * S,), resolutions=(20 * S,))
    contained = TicketRecord(created_ms=0, first_bot_reply_ms=5 * S, resolutions=(20 * S,))
    ticket.sends = (SurveySend(450 * S, "csat", "email"),)
    orphan_survey = TicketRecord(surveys=(SurveyAnswer("nps", 9, 5 * S, "web"),))
    model = KpiModel(sla=POLICY)
    returning = CustomerRecord(
        tickets=(
            CustomerTicket(0, b"T-1" * 2 + b"xx", "chat"),
            CustomerTicket(S, b"T-2" * 2 + b"xx", "web"),
        )
    )  # its second ticket is a repeat contact
    return [
        (series.kpi, series.labels, series.bucket)
        for record in (ticket, one_touch, contained, orphan_survey)
        for _, series, _ in model.contributions(record)
    ] + [(s.kpi, s.labels, s.bucket) for _, s, _ in RepeatModel().contributions(returning)]


def test_every_kpi_the_domain_emits_has_exactly_one_row_and_every_row_is_emitted() -> None:
    emitted = {kpi for kpi, _, _ in _every_contribution()}
    rows = [row.kpi for row in KPIS]
    assert len(rows) == len(set(rows))
    assert emitted == set(rows)


def test_each_series_has_the_labels_its_row_names_and_buckets_only_for_histograms() -> None:
    by_kpi = {row.kpi: row for row in KPIS}
    for kpi, labels, bucket in _every_contribution():
        row = by_kpi[kpi]
        assert len(labels) == len(row.labels), kpi
        assert all(isinstance(value, str) for value in labels), kpi
        if row.shape is Shape.GAUGE:
            assert bucket == SUM, kpi
    histograms = {kpi for kpi, _, bucket in _every_contribution() if bucket != SUM}
    assert histograms == {row.kpi for row in KPIS if row.shape is not Shape.GAUGE}
    for kpi, _, bucket in _every_contribution():  # a count histogram's buckets are its own
        if by_kpi[kpi].shape is Shape.COUNT_HISTOGRAM:
            assert bucket == SUM or 0 <= bucket <= len(by_kpi[kpi].buckets), kpi


def test_windowed_families_lead_with_the_window_label() -> None:
    for family in contract.WINDOWED_FAMILIES:
        assert family.labels[0] == WINDOW and WINDOW not in family.labels[1:], family.name


def test_the_contract_names_each_family_once() -> None:
    names = [family.name for family in contract.ALL_FAMILIES]
    assert len(names) == len(set(names))
    assert {row.name for row in KPIS} <= set(names)
