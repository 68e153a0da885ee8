"""When a stage counts as stalled: what fails /health and sets support_processing_stalled."""

from __future__ import annotations

from streams.runtime.liveness import Liveness


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _liveness() -> tuple[Liveness, Clock]:
    clock = Clock()
    liveness = Liveness(stall_seconds=60, clock=clock)
    liveness.register("router", beats=True)
    liveness.register("agent")
    return liveness, clock


def test_a_short_failure_is_not_a_stall_a_long_one_is_until_it_recovers() -> None:
    liveness, clock = _liveness()
    liveness.failing("router", "KafkaConnectionError: broker away")
    clock.now += 59
    liveness.failing("router", "KafkaConnectionError: broker away")  # retried, still failing
    assert liveness.stalled() == {}
    clock.now += 1
    assert liveness.stalled() == {"router": "failing for 60 s: KafkaConnectionError: broker away"}
    assert liveness.states() == {"router": True, "agent": False}
    liveness.recovered("router")
    assert liveness.stalled() == {}


def test_a_polling_stage_that_goes_quiet_is_stalled() -> None:
    liveness, clock = _liveness()
    clock.now += 30
    liveness.beat("router")
    clock.now += 59
    assert liveness.stalled() == {}
    clock.now += 1
    assert liveness.stalled() == {"router": "no progress for 60 s"}


def test_an_idle_agent_is_fine_but_one_stuck_in_a_batch_is_not() -> None:
    liveness, clock = _liveness()
    liveness.beat("router")
    clock.now += 1000
    liveness.beat("router")
    assert liveness.stalled() == {}  # no work, no beats: idle, not stuck
    liveness.busy("agent")
    clock.now += 50
    liveness.beat("agent")  # e.g. the rebuild it waits for moved
    clock.now += 59
    liveness.beat("router")
    assert liveness.stalled() == {}
    clock.now += 1
    liveness.beat("router")
    assert liveness.stalled() == {"agent": "one unit of work has taken 110 s"}
    liveness.done("agent")
    assert liveness.stalled() == {}
