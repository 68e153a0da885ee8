"""The simulator: seeded, time-ordered, contract-valid, and shaped like a support floor."""

from __future__ import annotations

import itertools
import statistics
from collections import Counter
from functools import cache

import orjson

from streams.devtools import traffic_mix as mix
from streams.devtools.simulate import EVENTS_PER_TICKET, Simulator
from streams.domain.events import METHODS, Kind, decode
from tests.support.builders import D, H, M


def _take(n: int, **kwargs: object) -> list[tuple[Kind, dict]]:
    return list(itertools.islice(Simulator(start_ms=1_700_000_000_000, **kwargs).events(), n))


@cache
def _floor(uncompressed: bool = False) -> tuple[tuple[Kind, dict], ...]:
    """One seed's traffic, shared by the tests of the mix (read, never changed); uncompressed:
    real-world durations, at a rate that makes the sample two days long."""
    if uncompressed:
        return tuple(_take(20_000, seed=11, speed=1, tickets_per_s=0.02))
    return tuple(_take(40_000, seed=11))


def _of(kind: Kind, uncompressed: bool = False) -> list[dict]:
    return [p for k, p in _floor(uncompressed) if k is kind]


def test_same_seed_same_events_and_different_seed_different_events() -> None:
    assert _take(3000, seed=3) == _take(3000, seed=3)
    assert _take(3000, seed=3) != _take(3000, seed=4)


def test_every_event_is_valid_and_in_event_time_order() -> None:
    times = [decode(orjson.dumps(p), kind).at_ms for kind, p in _take(3000, seed=1)]
    assert times == sorted(times)


def test_mix_has_every_event_type_with_replies_most_common() -> None:
    kinds = Counter(kind for kind, _ in _take(20000, seed=2))
    assert set(kinds) == set(Kind)
    assert kinds[Kind.REPLIED] > kinds[Kind.CREATED] > kinds[Kind.RESOLVED] > kinds[Kind.SURVEY]


def test_a_smaller_agent_pool_makes_customers_wait_longer() -> None:
    def mean_first_reply_ms(agents: int) -> float:
        created: dict[str, int] = {}
        waits = []
        for kind, p in _take(4000, seed=5, agents=agents, tickets_per_s=2.0):
            at = decode(orjson.dumps(p), kind).at_ms
            tid = str(p.get("ticket_id"))
            if kind is Kind.CREATED:
                created[tid] = at
            elif (
                kind is Kind.REPLIED
                and p.get("author", "human") == "human"
                and p.get("public", True)
                and tid in created
            ):
                waits.append(at - created.pop(tid))
        return sum(waits) / len(waits)

    assert mean_first_reply_ms(agents=5) > 2 * mean_first_reply_ms(agents=60)


def test_the_event_rate_per_ticket_is_the_one_publish_divides_by() -> None:
    measured = len(_floor()) / len(_of(Kind.CREATED))
    assert abs(measured - EVENTS_PER_TICKET) < 0.1 * EVENTS_PER_TICKET


def test_every_ticket_has_a_category_in_about_the_configured_shares() -> None:
    created = _of(Kind.CREATED)
    counts = Counter(p["category"] for p in created)
    assert set(counts) == set(mix.CATEGORIES)
    total = sum(mix.CATEGORIES.values())
    for category, weight in mix.CATEGORIES.items():
        assert abs(counts[category] / len(created) - weight / total) < 0.25 * weight / total
    assert counts.most_common(1)[0][0] == "technical_fault"


def test_about_one_ticket_in_fourteen_comes_from_a_customer_back_within_a_week() -> None:
    last_created: dict[str, int] = {}
    repeats = 0
    for p in _of(Kind.CREATED):
        at = decode(orjson.dumps(p), Kind.CREATED).at_ms
        earlier = last_created.get(p["customer_id"])
        repeats += earlier is not None and at - earlier < 7 * D
        last_created[p["customer_id"]] = at
    assert 0.05 < repeats / len(_of(Kind.CREATED)) < 0.10


def test_a_few_tickets_move_to_another_team_or_category() -> None:
    created = {p["ticket_id"]: p for p in _of(Kind.CREATED)}
    transfers = [p for p in _of(Kind.UPDATED) if "team" in p]
    recategorised = [p for p in _of(Kind.UPDATED) if "category" in p]
    assert all(p["team"] != created[p["ticket_id"]]["team"] for p in transfers)
    assert all(p["category"] != created[p["ticket_id"]]["category"] for p in recategorised)
    assert 0.03 < len(transfers) / len(created) < 0.07
    assert 0.015 < len(recategorised) / len(created) < 0.05


def test_most_answers_follow_a_send_and_half_name_their_method() -> None:
    sends = {(p["ticket_id"], p["survey"]): p for p in _of(Kind.SURVEY_SENT)}
    answers = _of(Kind.SURVEY)
    announced = [p for p in answers if (p["ticket_id"], p["survey"]) in sends]
    assert 0.6 < len(announced) / len(answers) < 0.8
    assert 0.4 < sum("method" in p for p in answers) / len(answers) < 0.6
    for p in announced:  # an answer that names its method names the send's
        assert (
            p.get("method", sends[p["ticket_id"], p["survey"]]["method"])
            == (sends[p["ticket_id"], p["survey"]]["method"])
        )
    assert {p.get("method") for p in answers} == {*METHODS, None}


def test_sends_go_by_every_method_email_most_and_many_are_never_answered() -> None:
    sends = _of(Kind.SURVEY_SENT)
    methods = Counter(p["method"] for p in sends)
    assert set(methods) == set(METHODS) and methods.most_common(1)[0][0] == "email"
    answered = {(p["ticket_id"], p["survey"]) for p in _of(Kind.SURVEY)}
    response_rate = sum((p["ticket_id"], p["survey"]) in answered for p in sends) / len(sends)
    assert 0.25 < response_rate < 0.55


def test_an_answer_comes_minutes_to_hours_after_its_send() -> None:
    def at(p: dict, kind: Kind) -> int:
        return decode(orjson.dumps(p), kind).at_ms

    sends = _of(Kind.SURVEY_SENT, uncompressed=True)
    sent = {(p["ticket_id"], p["survey"]): at(p, Kind.SURVEY_SENT) for p in sends}
    delays = sorted(
        at(p, Kind.SURVEY) - sent[p["ticket_id"], p["survey"]]
        for p in _of(Kind.SURVEY, uncompressed=True)
        if (p["ticket_id"], p["survey"]) in sent
    )
    assert len(delays) > 500 and delays[0] > 0
    assert 10 * M < statistics.median(delays) < 3 * H
    assert delays[len(delays) * 9 // 10] > 2 * H  # e-mail answers come hours later
