"""Faults on the real broker, against the independent oracle: a broker outage, scale 1->3->1."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.conftest import Stack
from tests.support import oracle, trace
from tests.support.scrape import parse

pytestmark = [pytest.mark.e2e, pytest.mark.reliability]


def _now_ms() -> int:
    return int(time.time() * 1000)


def _owned(stack: Stack) -> list[int]:
    return [int(parse(w.metrics())[("support_owned_partitions", ())])
            for w in stack.workers if w.proc and w.proc.poll() is None]


def _wait_owned(stack: Stack, want: int, timeout: float = 90) -> list[int]:
    deadline = time.monotonic() + timeout
    owned: list[int] = []
    while time.monotonic() < deadline:
        owned = _owned(stack)
        if len(owned) == want and all(owned) and sum(owned) == stack.settings.partitions:
            return owned
        time.sleep(0.5)
    raise AssertionError(f"partitions never settled over {want} workers: {owned}")


def _assert_oracle(stack: Stack, recorded: trace.Trace) -> None:
    problems = stack.wait_for(lambda: oracle.expected(recorded.events, _now_ms()),
                              oracle.kpi_samples, timeout=120)
    assert not problems, "\n".join(problems[:40])


def test_worker_rides_out_a_broker_outage_and_numbers_stay_exact(stack: Stack) -> None:
    recorded = trace.build(seed=55, now_ms=_now_ms())
    half = len(recorded.messages) // 2
    worker = stack.worker()
    worker.wait_ready()
    stack.publish(recorded.messages[:half])
    stack.wait_processed(minimum=half // 2)
    os.kill(stack.broker.proc.pid, signal.SIGSTOP)  # unreachable: accepts nothing, answers nothing
    try:
        time.sleep(15)
        assert worker.proc is not None and worker.proc.poll() is None, "worker died"
    finally:
        os.kill(stack.broker.proc.pid, signal.SIGCONT)
    stack.publish(recorded.messages[half:])
    _assert_oracle(stack, recorded)
    assert worker.proc is not None and worker.proc.poll() is None  # same process, no restart


def test_scale_out_to_three_workers_and_back_to_one(stack: Stack) -> None:
    recorded = trace.build(seed=66, now_ms=_now_ms(), tickets=90)
    third = len(recorded.messages) // 3
    first = stack.worker()
    first.wait_ready()
    stack.publish(recorded.messages[:third])
    stack.worker().wait_ready(timeout=90)
    stack.worker().wait_ready(timeout=90)
    owned = _wait_owned(stack, 3)
    assert max(owned) < stack.settings.partitions  # the first worker gave partitions away
    stack.publish(recorded.messages[third:2 * third])
    for worker in stack.workers[1:]:
        worker.stop()
    _wait_owned(stack, 1)
    stack.publish(recorded.messages[2 * third:])
    _assert_oracle(stack, recorded)  # one worker now reports everything, nothing twice
    assert _owned(stack) == [stack.settings.partitions]
