"""The processor end to end: a real broker, real worker processes, a real external publisher."""

from __future__ import annotations

import subprocess
import time

import pytest
from confluent_kafka import Consumer

from tests.conftest import Stack
from tests.support import oracle, scrape, trace
from tests.support.builders import wall_clock_ms
from tests.support.tools import require

pytestmark = pytest.mark.e2e


def test_every_kpi_equals_the_oracle_with_one_worker(stack: Stack) -> None:
    worker = stack.worker()
    worker.wait_ready()
    recorded = trace.build(seed=7, now_ms=wall_clock_ms())
    stack.publish(recorded.messages)

    stack.assert_oracle(recorded)

    outcomes = {k: v for k, v in stack.scrape().items() if k[0] == "support_events_total"}
    wanted = oracle.expected_outcomes(
        recorded.events,
        recorded.invalid,
        recorded.duplicates,
        wall_clock_ms(),
        stack.settings.topic_prefix,
    )
    problems = oracle.differences(outcomes, wanted)
    assert not problems, "\n".join(problems)
    assert sum(recorded.invalid.values()) == 10


def test_invalid_messages_reach_the_dead_letter_topic_with_a_reason(stack: Stack) -> None:
    stack.worker().wait_ready()
    recorded = trace.build(seed=11, now_ms=wall_clock_ms(), tickets=5)
    stack.publish(recorded.messages)
    bad = {
        m.value
        for m in recorded.messages
        if m.value in {v for _, v in trace.invalid_messages(0)}
        or b"bad-" in m.value
        or not m.value.startswith(b"{")
    }
    consumer = Consumer(
        {
            "bootstrap.servers": stack.broker.bootstrap,
            "group.id": "dlq-reader",
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([stack.settings.dead_letter_topic])
    letters = []
    deadline = time.monotonic() + 60
    try:
        while len(letters) < len(bad) and time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is not None and not message.error():
                letters.append(message)
    finally:
        consumer.close()
    assert {m.value() for m in letters} == bad  # the original bytes, each once
    for letter in letters:
        headers = {k: v.decode() for k, v in letter.headers()}
        assert headers["supportkpi.reason"]
        assert headers["supportkpi.topic"].startswith(stack.settings.topic_prefix)
        assert int(headers["supportkpi.offset"]) >= 0
    reasons = {dict(m.headers())["supportkpi.reason"].decode() for m in letters}
    assert any("no UTC offset" in r for r in reasons)
    assert any("outside 1..5" in r for r in reasons)
    # the good events around the bad ones were all processed
    stack.assert_oracle(recorded)


def test_two_workers_sum_to_the_oracle(stack: Stack) -> None:
    first, second = stack.worker(), stack.worker()
    first.wait_ready()
    second.wait_ready()
    stack.wait_owned(2)
    recorded = trace.build(seed=21, now_ms=wall_clock_ms())
    stack.publish(recorded.messages)
    stack.assert_oracle(recorded)
    owned = stack.owned()
    assert len(owned) == 2 and all(owned) and sum(owned) == stack.settings.partitions


def test_kill_minus_nine_and_restart_changes_no_kpi(stack: Stack) -> None:
    recorded = trace.build(seed=33, now_ms=wall_clock_ms(), tickets=80)
    half = len(recorded.messages) // 2
    worker = stack.worker()
    worker.wait_ready()
    stack.publish(recorded.messages[:half])
    stack.wait_processed(minimum=half // 2)
    worker.kill()
    stack.publish(recorded.messages[half:])
    restarted = stack.worker()
    restarted.wait_ready(timeout=90)
    stack.assert_oracle(recorded)


def test_adding_a_second_worker_mid_trace_changes_no_kpi(stack: Stack) -> None:
    recorded = trace.build(seed=44, now_ms=wall_clock_ms())
    half = len(recorded.messages) // 2
    stack.worker().wait_ready()
    stack.publish(recorded.messages[:half])
    stack.wait_processed(minimum=half // 2)
    stack.worker().wait_ready(timeout=90)
    stack.publish(recorded.messages[half:])
    stack.wait_owned(2)
    stack.assert_oracle(recorded)


def test_live_scrape_is_promtool_clean(stack: Stack) -> None:
    worker = stack.worker()
    worker.wait_ready()
    recorded = trace.build(seed=5, now_ms=wall_clock_ms(), tickets=20)
    stack.publish(recorded.messages)
    stack.wait_processed(minimum=len(recorded.events) // 2)
    result = subprocess.run(
        [require("promtool"), "check", "metrics"],
        input=worker.metrics(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_clean_stop_writes_snapshots_and_the_restart_reads_only_their_tails(
    stack: Stack,
) -> None:
    """SIGTERM: the stopping worker snapshots every partition (the interval, 300 s, never
    comes here); the next one takes each back instead of reading its changelog whole."""
    recorded = trace.build(seed=34, now_ms=wall_clock_ms(), tickets=80)
    worker = stack.worker()
    worker.wait_ready()
    stack.publish(recorded.messages)
    stack.assert_oracle(recorded)
    worker.stop()
    restarted = stack.worker()
    restarted.wait_ready(timeout=90)
    stack.assert_oracle(recorded)
    samples = scrape.parse(restarted.metrics())
    restored = scrape.summed(samples, "support_snapshots_total", outcome="restored")
    assert restored == stack.settings.partitions
    assert scrape.summed(samples, "support_snapshots_total", outcome="unusable") == 0
