"""Faults on the real broker, against the independent oracle: a broker outage, scale 1->3->1."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.conftest import Stack
from tests.support import trace

pytestmark = [pytest.mark.e2e, pytest.mark.reliability]


def test_worker_rides_out_a_broker_outage_and_numbers_stay_exact(stack: Stack) -> None:
    recorded = trace.build(seed=55, now_ms=int(time.time() * 1000))
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
    stack.assert_oracle(recorded)
    assert worker.proc is not None and worker.proc.poll() is None  # same process, no restart


def test_scale_out_to_three_workers_and_back_to_one(stack: Stack) -> None:
    recorded = trace.build(seed=66, now_ms=int(time.time() * 1000), tickets=90)
    third = len(recorded.messages) // 3
    first = stack.worker()
    first.wait_ready()
    stack.publish(recorded.messages[:third])
    stack.worker().wait_ready(timeout=90)
    stack.worker().wait_ready(timeout=90)
    owned = stack.wait_owned(3)
    assert max(owned) < stack.settings.partitions  # the first worker gave partitions away
    stack.publish(recorded.messages[third : 2 * third])
    for worker in stack.workers[1:]:
        worker.stop()
    stack.wait_owned(1)
    stack.publish(recorded.messages[2 * third :])
    stack.assert_oracle(recorded)  # one worker now reports everything, nothing twice
    assert stack.owned() == [stack.settings.partitions]
