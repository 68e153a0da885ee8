"""The simulator: seeded, time-ordered, contract-valid, and shaped like a support floor."""

from __future__ import annotations

import itertools
from collections import Counter

import orjson

from streams.devtools.simulate import Simulator
from streams.domain.events import Kind, decode


def _take(n: int, **kwargs: object) -> list[tuple[Kind, dict]]:
    return list(itertools.islice(Simulator(start_ms=1_700_000_000_000, **kwargs).events(), n))


def test_same_seed_same_events_and_different_seed_different_events() -> None:
    assert _take(300, seed=3) == _take(300, seed=3)
    assert _take(300, seed=3) != _take(300, seed=4)


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
