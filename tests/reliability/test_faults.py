"""Faults on the real broker, against the independent oracle: a broker outage, scale 1->3->1."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.conftest import Stack
from tests.support import oracle, trace

pytestmark = [pytest.mark.e2e, pytest.mark.reliability]


def _now_ms() -> int:
    return int(time.time() * 1000)


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
    owned = stack.wait_owned(3)
    assert max(owned) < stack.settings.partitions  # the first worker gave partitions away
    stack.publish(recorded.messages[third:2 * third])
    for worker in stack.workers[1:]:
        worker.stop()
    stack.wait_owned(1)
    stack.publish(recorded.messages[2 * third:])
    _assert_oracle(stack, recorded)  # one worker now reports everything, nothing twice
    assert stack.owned() == [stack.settings.partitions]
