"""What one ticket contributes to each KPI, and when."""

from __future__ import annotations

from collections import Counter

from streams.domain import contributions as c
from streams.domain import ticket_times as t
from streams.domain.contributions import SUM, Series
from streams.domain.sla.policy import parse_policy
from streams.domain.surveys import SurveyAnswer, SurveySend
from streams.domain.ticket import TicketRecord
from streams.domain.transfers import TeamChange
from tests.support.builders import S

MODEL = c.KpiModel()
CHAT_HIGH = ("chat", "high")


def _by_kpi(record: TicketRecord) -> dict[str, list[tuple[int, tuple[str, ...], int, int]]]:
    """Per KPI id: (time, labels, bucket, amount) of each contribution."""
    out: dict[str, list[tuple[int, tuple[str, ...], int, int]]] = {}
    for at_ms, series, amount in MODEL.contributions(record):
        out.setdefault(series.kpi, []).append((at_ms, series.labels, series.bucket, amount))
    return out


def test_one_touch_ticket_contributes_every_kpi_at_the_deciding_time() -> None:
    record = TicketRecord(
        created_ms=0, channel="chat", priority="high", replies=(400 * S,), resolutions=(900 * S,)
    )
    got = _by_kpi(record)
    assert got[c.CREATED] == [(0, CHAT_HIGH, SUM, 1)]
    assert got[c.TEAM_CREATED] == [(0, ("unknown",), SUM, 1)]
    assert got[c.FIRST_RESPONSE] == [
        (400 * S, CHAT_HIGH, MODEL.bucket_index(400 * S), 1),
        (400 * S, CHAT_HIGH, SUM, 400 * S),
    ]
    assert got[c.RESOLVED] == [(900 * S, CHAT_HIGH, SUM, 1)]
    assert got[c.TEAM_RESOLVED] == [(900 * S, ("unknown",), SUM, 1)]
    assert got[c.RESOLUTION] == [
        (900 * S, CHAT_HIGH, MODEL.bucket_index(900 * S), 1),
        (900 * S, CHAT_HIGH, SUM, 900 * S),
    ]
    assert got[c.ONE_TOUCH] == [(900 * S, CHAT_HIGH, SUM, 1)]
    assert got[c.CATEGORY_CREATED] == [(0, ("unknown",), SUM, 1)]
    assert got[c.CATEGORY_RESOLVED] == [(900 * S, ("unknown",), SUM, 1)]
    assert got[c.CATEGORY_FIRST_RESPONSE] == [
        (400 * S, ("unknown",), MODEL.bucket_index(400 * S), 1),
        (400 * S, ("unknown",), SUM, 400 * S),
    ]
    assert got[c.CATEGORY_RESOLUTION] == [
        (900 * S, ("unknown",), MODEL.bucket_index(900 * S), 1),
        (900 * S, ("unknown",), SUM, 900 * S),
    ]
    assert set(got) == {
        c.CREATED,
        c.TEAM_CREATED,
        c.FIRST_RESPONSE,
        c.RESOLVED,
        c.TEAM_RESOLVED,
        c.RESOLUTION,
        c.ONE_TOUCH,
        c.CATEGORY_CREATED,
        c.CATEGORY_RESOLVED,
        c.CATEGORY_FIRST_RESPONSE,
        c.CATEGORY_RESOLUTION,
        c.TEAM_FIRST_RESPONSE,
        c.TEAM_RESOLUTION,
        c.RESOLUTION_TOUCHES,
        # no schedule: no business-hours times; full resolution and time in status (all open)
        t.FULL_RESOLUTION,
        t.REQUESTER_WAIT,
        t.ON_HOLD,
    }
    full = (900 * S, CHAT_HIGH, MODEL.bucket_index(900 * S), 1), (900 * S, CHAT_HIGH, SUM, 900 * S)
    assert got[t.FULL_RESOLUTION] == got[t.REQUESTER_WAIT] == list(full)
    assert got[t.ON_HOLD] == [(900 * S, CHAT_HIGH, 0, 1), (900 * S, CHAT_HIGH, SUM, 0)]


def test_each_reopen_and_each_answered_customer_message_counts_at_its_own_time() -> None:
    record = TicketRecord(
        created_ms=0,
        channel="chat",
        priority="high",
        replies=(10 * S, 100 * S, 700 * S),
        customer=(50 * S, 400 * S),
        resolutions=(200 * S,),
        reopens=(300 * S, 800 * S),
    )
    got = _by_kpi(record)
    assert got[c.REOPENED] == [(300 * S, CHAT_HIGH, SUM, 1), (800 * S, CHAT_HIGH, SUM, 1)]
    sums = [(at, amount) for at, _, bucket, amount in got[c.NEXT_REPLY] if bucket == SUM]
    assert sums == [(100 * S, 50 * S), (700 * S, 300 * S)]


def test_replies_after_the_resolution_do_not_undo_one_touch() -> None:
    record = TicketRecord(
        created_ms=0,
        channel="chat",
        priority="high",
        replies=(10 * S, 5000 * S),
        resolutions=(100 * S,),
    )
    assert c.ONE_TOUCH in _by_kpi(record)
    record.replies = (10 * S, 50 * S, 5000 * S)
    assert c.ONE_TOUCH not in _by_kpi(record)


def test_bucket_upper_bounds_are_inclusive() -> None:
    assert MODEL.bucket_index(300 * S) == MODEL.buckets_ms.index(300 * S)
    assert MODEL.bucket_index(300 * S + 1) == MODEL.buckets_ms.index(600 * S)
    assert MODEL.bucket_index(10**12) == len(MODEL.buckets_ms)  # +Inf


def test_usual_sla_targets_are_bucket_bounds() -> None:
    for minutes in (5, 15, 30, 60, 240, 480, 720, 1440, 2880):
        assert minutes * 60 * S in MODEL.buckets_ms


def test_a_reply_timestamped_before_creation_counts_as_zero_not_negative() -> None:
    record = TicketRecord(created_ms=10 * S, channel="web", priority="low", replies=(9 * S,))
    assert _by_kpi(record)[c.FIRST_RESPONSE] == [
        (9 * S, ("web", "low"), 0, 1),
        (9 * S, ("web", "low"), SUM, 0),
    ]


def test_surveys_take_ticket_dims_once_known_else_their_own_channel() -> None:
    record = TicketRecord(surveys=(SurveyAnswer("csat", 4, 5 * S, "email"),))
    got = _by_kpi(record)
    assert got[c.SURVEY] == [(5 * S, ("csat", "4", "email", "unknown"), SUM, 1)]
    assert got[c.SURVEY_SCORE_SUM] == [(5 * S, ("csat", "email", "unknown"), SUM, 4000)]  # 0.001s
    assert got[c.SURVEY_SATISFIED] == [(5 * S, ("csat", "email", "unknown"), SUM, 1)]
    record.created_ms, record.channel, record.priority = 0, "chat", "urgent"
    assert _by_kpi(record)[c.SURVEY] == [(5 * S, ("csat", "4", "chat", "urgent"), SUM, 1)]


def test_a_zero_score_is_an_answer_that_adds_no_points() -> None:
    got = _by_kpi(TicketRecord(surveys=(SurveyAnswer("nps", 0, 5 * S, "web"),)))
    assert got[c.SURVEY] == [(5 * S, ("nps", "0", "web", "unknown"), SUM, 1)]
    assert c.SURVEY_SCORE_SUM not in got


def test_waiting_replies_contribute_nothing_until_the_ticket_exists() -> None:
    assert MODEL.contributions(TicketRecord(replies=(5,), resolutions=(9,))) == []


def test_contributions_are_hashable_equal_across_evaluations_and_unpack_by_position() -> None:
    """The partition diffs two evaluations by counting them, and unpacks them positionally."""
    record = TicketRecord(created_ms=0, channel="chat", priority="high", replies=(400 * S,))
    first, again = MODEL.contributions(record), c.KpiModel().contributions(record)
    assert first == again and Counter(first) == Counter(again)
    at_ms, series, amount = first[0]
    assert series == Series(c.CREATED, CHAT_HIGH) and series.bucket == SUM
    assert (at_ms, series.kpi, amount) == (0, c.CREATED, 1)


def test_every_team_figure_follows_the_current_team_and_transfers_count_at_their_time() -> None:
    record = TicketRecord(
        created_ms=0,
        channel="chat",
        priority="high",
        team="tier1",
        team_name="tier1",
        replies=(400 * S,),
        resolutions=(900 * S,),
        surveys=(SurveyAnswer("csat", 5, 950 * S, "chat"),),
        team_changes=(
            TeamChange(100 * S, "tier2", "tier2"),
            TeamChange(200 * S, "tier2", "tier2"),  # its own team again: no transfer
            TeamChange(300 * S, "billing", "billing"),
        ),
    )
    got = _by_kpi(record)
    billing = ("billing",)
    assert got[c.TRANSFERS] == [(100 * S, (), SUM, 1), (300 * S, (), SUM, 1)]
    assert got[c.TEAM_CREATED] == [(0, billing, SUM, 1)]
    assert got[c.TEAM_RESOLVED] == [(900 * S, billing, SUM, 1)]
    assert got[c.TEAM_FIRST_RESPONSE] == [
        (400 * S, billing, MODEL.bucket_index(400 * S), 1),
        (400 * S, billing, SUM, 400 * S),
    ]
    assert got[c.TEAM_RESOLUTION][1] == (900 * S, billing, SUM, 900 * S)
    assert got[c.TEAM_SURVEY] == [(950 * S, ("billing", "csat", "5"), SUM, 1)]


def test_a_team_change_at_or_before_the_creation_is_the_creation_team() -> None:
    change = TeamChange(0, "tier2", "tier2")
    record = TicketRecord(created_ms=0, team="tier1", team_name="tier1", team_changes=(change,))
    got = _by_kpi(record)
    assert got[c.TEAM_CREATED] == [(0, ("tier1",), SUM, 1)] and c.TRANSFERS not in got


def test_sla_outcomes_count_per_current_team_too() -> None:
    policy = parse_policy(
        {
            "version": 1,
            "policies": [{"name": "std", "targets": {"high": {"first_response": "10m"}}}],
        }
    )
    model = c.KpiModel(sla=policy)
    record = TicketRecord(
        created_ms=0,
        channel="chat",
        priority="high",
        team="tier1",
        team_name="tier1",
        replies=(400 * S,),
    )
    got = [(s.kpi, s.labels) for _, s, _ in model.contributions(record) if s.kpi.endswith("sla")]
    met = "met"
    assert got == [
        (c.SLA, ("first_response", "high", met)),
        (c.TEAM_SLA, ("tier1", "first_response", met)),
    ]


def test_sends_count_per_method_and_answers_take_their_sends_method_and_time() -> None:
    record = TicketRecord(
        created_ms=0,
        channel="chat",
        priority="high",
        sends=(SurveySend(100 * S, "csat", "email"), SurveySend(100 * S, "nps", "sms")),
        surveys=(
            SurveyAnswer("csat", 5, 700 * S, "chat"),  # names no method: its send's
            SurveyAnswer("ces", 3, 800 * S, "chat", "web"),  # its own, and no send
            SurveyAnswer("nps", 9, 900 * S, "chat", "phone"),  # its own, timed from its send
        ),
    )
    got = _by_kpi(record)
    assert got[c.SURVEYS_SENT] == [
        (100 * S, ("csat", "email"), SUM, 1),
        (100 * S, ("nps", "sms"), SUM, 1),
    ]
    assert got[c.METHOD_RESPONSES] == [
        (700 * S, ("csat", "email"), SUM, 1),
        (800 * S, ("ces", "web"), SUM, 1),
        (900 * S, ("nps", "phone"), SUM, 1),
    ]
    assert got[c.ANSWER_TIME] == [
        (700 * S, ("csat", "email"), MODEL.bucket_index(600 * S), 1),
        (700 * S, ("csat", "email"), SUM, 600 * S),
        (900 * S, ("nps", "phone"), MODEL.bucket_index(800 * S), 1),
        (900 * S, ("nps", "phone"), SUM, 800 * S),
    ]


def test_a_send_without_a_ticket_counts_as_sent() -> None:
    got = _by_kpi(TicketRecord(sends=(SurveySend(5 * S, "ces", "other"),)))
    assert got == {c.SURVEYS_SENT: [(5 * S, ("ces", "other"), SUM, 1)]}


def test_touches_bots_and_containment_count_at_the_resolution() -> None:
    two_touch = TicketRecord(
        created_ms=0,
        channel="chat",
        priority="high",
        replies=(10 * S, 20 * S, 90 * S),
        resolutions=(30 * S,),
        first_bot_reply_ms=2 * S,
    )
    got = _by_kpi(two_touch)
    assert got[c.RESOLUTION_TOUCHES] == [
        (30 * S, CHAT_HIGH, c.TOUCH_BUCKETS.index(2), 1),
        (30 * S, CHAT_HIGH, SUM, 2),  # the reply after the resolution is not a touch
    ]
    assert got[c.BOT_FIRST_RESPONSE] == [
        (2 * S, ("chat",), MODEL.bucket_index(2 * S), 1),
        (2 * S, ("chat",), SUM, 2 * S),
    ]
    assert c.CONTAINED not in got
    by_bot = TicketRecord(created_ms=0, channel="web", resolutions=(30 * S,))
    got = _by_kpi(by_bot)
    assert got[c.CONTAINED] == [(30 * S, ("web",), SUM, 1)]
    assert got[c.RESOLUTION_TOUCHES] == [(30 * S, ("web", "unknown"), 0, 1)]  # no sum of 0
    by_hand = TicketRecord(
        created_ms=0, channel="web", resolutions=(30 * S,), human_resolved_ms=30 * S
    )
    assert c.CONTAINED not in _by_kpi(by_hand)  # resolved by a human without a public reply
    many = TicketRecord(created_ms=0, replies=tuple(range(1, 13)), resolutions=(30 * S,))
    assert _by_kpi(many)[c.RESOLUTION_TOUCHES][0][2] == len(c.TOUCH_BUCKETS)  # +Inf


def test_answers_on_other_scales_are_labelled_so_and_compared_on_the_default_one() -> None:
    record = TicketRecord(
        surveys=(
            SurveyAnswer("csat", 8, 5 * S, "web", "", 10),
            SurveyAnswer("csat", 3, 6 * S, "web"),
        )
    )
    got = _by_kpi(record)
    assert [labels[1] for _, labels, _, _ in got[c.SURVEY]] == ["8/10", "3"]
    assert got[c.SURVEY_SATISFIED] == [(5 * S, ("csat", "web", "unknown"), SUM, 1)]
    assert [amount for *_, amount in got[c.SURVEY_SCORE_SUM]] == [4111, 3000]
