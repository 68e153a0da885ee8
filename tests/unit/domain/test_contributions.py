"""What one ticket contributes to each KPI, and when."""

from __future__ import annotations

from streams.domain import contributions as c
from streams.domain.ticket import TicketRecord
from tests.support.builders import S

MODEL = c.KpiModel()


def _by_family(record: TicketRecord) -> dict[str, list[tuple[int, tuple, int]]]:
    out: dict[str, list[tuple[int, tuple, int]]] = {}
    for at, key, amount in MODEL.contributions(record):
        out.setdefault(str(key[0]), []).append((at, key[1:], amount))
    return out


def test_one_touch_ticket_contributes_every_kpi_at_the_deciding_time() -> None:
    record = TicketRecord(
        created_ms=0, channel="chat", priority="high", replies=[400 * S], resolutions=[900 * S]
    )
    got = _by_family(record)
    assert got[c.CREATED] == [(0, ("chat", "high"), 1)]
    assert got[c.FRT] == [(400 * S, ("chat", "high", MODEL.bucket_index(400 * S)), 1)]
    assert got[c.FRT_SUM] == [(400 * S, ("chat", "high"), 400 * S)]
    assert got[c.RESOLVED] == [(900 * S, ("chat", "high"), 1)]
    assert got[c.RESOLUTION_SUM] == [(900 * S, ("chat", "high"), 900 * S)]
    assert got[c.ONE_TOUCH] == [(900 * S, ("chat", "high"), 1)]


def test_replies_after_the_resolution_do_not_undo_one_touch() -> None:
    record = TicketRecord(
        created_ms=0,
        channel="chat",
        priority="high",
        replies=(10 * S, 5000 * S),
        resolutions=(100 * S,),
    )
    assert c.ONE_TOUCH in _by_family(record)
    record.replies = (10 * S, 50 * S, 5000 * S)
    assert c.ONE_TOUCH not in _by_family(record)


def test_bucket_upper_bounds_are_inclusive() -> None:
    assert MODEL.bucket_index(300 * S) == MODEL.buckets_ms.index(300 * S)
    assert MODEL.bucket_index(300 * S + 1) == MODEL.buckets_ms.index(600 * S)
    assert MODEL.bucket_index(10**12) == len(MODEL.buckets_ms)  # +Inf


def test_usual_sla_targets_are_bucket_bounds() -> None:
    for minutes in (5, 15, 30, 60, 240, 480, 720, 1440, 2880):
        assert minutes * 60 * S in MODEL.buckets_ms


def test_a_reply_timestamped_before_creation_counts_as_zero_not_negative() -> None:
    record = TicketRecord(created_ms=10 * S, channel="web", priority="low", replies=[9 * S])
    assert _by_family(record)[c.FRT_SUM] == [(9 * S, ("web", "low"), 0)]


def test_surveys_take_ticket_dims_once_known_else_their_own_channel() -> None:
    record = TicketRecord(surveys=[("csat", 4, 5 * S, "email")])
    assert _by_family(record)[c.SURVEY] == [(5 * S, ("csat", 4, "email", "unknown"), 1)]
    record.created_ms, record.channel, record.priority = 0, "chat", "urgent"
    assert _by_family(record)[c.SURVEY] == [(5 * S, ("csat", 4, "chat", "urgent"), 1)]


def test_waiting_replies_contribute_nothing_until_the_ticket_exists() -> None:
    assert MODEL.contributions(TicketRecord(replies=[5], resolutions=[9])) == []
