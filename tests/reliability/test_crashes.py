"""``kill -9`` on the real broker, against the independent oracle.

Several kills at random points of a long trace while traffic keeps arriving, and one kill placed
exactly between the changelog write and the offset commit, where at-least-once delivery replays
events whose effect is already stored.
"""

from __future__ import annotations

import random
import threading
import time

import pytest
from confluent_kafka import Consumer, TopicPartition

from tests.conftest import Stack
from tests.support import scrape, trace
from tests.support.processes import Worker

pytestmark = [pytest.mark.e2e, pytest.mark.reliability]


def _publish_steadily(
    stack: Stack, messages: list[trace.Message], per_second: float, stop: threading.Event
) -> threading.Thread:
    """Publish in the background at a bounded rate, the way a live helpdesk does."""
    chunk = 20

    def run() -> None:
        for start in range(0, len(messages), chunk):
            if stop.is_set():
                return
            stack.publish(messages[start : start + chunk])
            time.sleep(chunk / per_second)

    thread = threading.Thread(target=run, name="publisher", daemon=True)
    thread.start()
    return thread


def _snapshots(worker: Worker, outcome: str) -> float:
    return scrape.summed(scrape.parse(worker.metrics()), "support_snapshots_total", outcome=outcome)


def test_several_random_kills_during_a_long_trace(stack: Stack) -> None:
    """With a snapshot every second: each restart takes back the newest one its predecessor
    finished (or an older one) and reads the changelog's tail after it."""
    rng = random.Random(7)
    recorded = trace.build(seed=77, now_ms=int(time.time() * 1000), tickets=400)
    kills = 4
    worker = stack.worker(snapshot_interval="1")
    worker.wait_ready()
    stop = threading.Event()
    # ~1,700 messages over ~17 s: every kill lands while events are arriving
    publisher = _publish_steadily(stack, recorded.messages, per_second=100, stop=stop)
    try:
        for _ in range(kills):
            time.sleep(rng.uniform(0.2, 2.5))  # a random point of the processing
            worker.kill()
            worker = stack.worker(snapshot_interval="1")
            worker.wait_ready(timeout=90)
        publisher.join(timeout=120)
        assert not publisher.is_alive(), "publisher did not finish"
    finally:
        stop.set()
    assert len(recorded.messages) > 1500 and len(stack.workers) == kills + 1
    stack.assert_oracle(recorded)
    assert _snapshots(worker, "restored") >= 1 and _snapshots(worker, "unusable") == 0


def _changelog_records(stack: Stack) -> int:
    """Records written to the changelog so far, summed over partitions (a lower bound on Tansu,
    whose end offset undercounts the last batch: enough to see that it grew)."""
    consumer = Consumer({"bootstrap.servers": stack.broker.bootstrap, "group.id": "probe"})
    try:
        return sum(
            consumer.get_watermark_offsets(
                TopicPartition(stack.settings.changelog_topic, p), timeout=20
            )[1]
            for p in range(stack.settings.partitions)
        )
    finally:
        consumer.close()


def test_kill_between_changelog_write_and_offset_commit(stack: Stack) -> None:
    recorded = trace.build(seed=88, now_ms=int(time.time() * 1000), tickets=120)
    half = len(recorded.messages) // 2

    first = stack.worker()
    first.wait_ready()
    stack.publish(recorded.messages[:half])
    stack.wait_processed(minimum=half // 2)
    deadline = time.monotonic() + 30
    while stack.settings.events_topic not in {t for t, _ in stack.committed()}:
        assert time.monotonic() < deadline, "the first worker never committed"
        time.sleep(0.5)
    first.kill()

    # the second worker stores every record of the second half but never commits an offset
    second = stack.worker(commit_interval="3600")
    second.wait_ready(timeout=90)
    committed_before = stack.committed()
    changelog_before = _changelog_records(stack)
    stack.publish(recorded.messages[half:])
    stack.assert_oracle(recorded)
    time.sleep(1.0)  # let the client's last changelog batch leave (linger)
    assert _changelog_records(stack) > changelog_before, "the second half wrote no records"
    assert stack.committed() == committed_before, "offsets were committed: no window to test"
    second.kill()

    third = stack.worker()
    third.wait_ready(timeout=90)
    stack.assert_oracle(recorded)  # replayed, deduplicated against the stored records
    replayed = sum(
        v
        for k, v in scrape.parse(third.metrics()).items()
        if k[0] == "support_events_total" and ("outcome", "duplicate") in k[1]
    )
    # every event of the second half comes again (invalid and late ones aside)
    assert replayed >= (len(recorded.messages) - half) // 2, (
        f"the restart replayed only {replayed} events"
    )
