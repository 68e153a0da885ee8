"""Going to more partitions (docs/operations.md, "Changing the partition count"): a deployment
on 4 partitions is rebuilt into 12 from its changelog, and a worker of the new layout serves
the KPIs the old one served, plus what arrived during the switch."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import orjson
import pytest
from aiokafka import TopicPartition
from confluent_kafka import Producer

from streams.config import Settings
from streams.runtime.repartition import committed
from streams.runtime.routing import route
from streams.runtime.topics import partition_counts
from tests.conftest import Stack, isolated_env
from tests.support import trace
from tests.support.builders import consumer_record, wall_clock_ms
from tests.support.processes import Broker, supportkpi

pytestmark = pytest.mark.e2e


def _published(recorded: trace.Trace, messages: list[trace.Message]) -> trace.Trace:
    """The part of ``recorded`` whose valid events are among ``messages``."""
    ids = set()
    for message in messages:
        try:
            doc = orjson.loads(message.value)
        except orjson.JSONDecodeError:
            continue
        if isinstance(doc, dict):
            ids.add(doc.get("event_id"))
    return trace.Trace(events=[e for e in recorded.events if e[1]["event_id"] in ids])


def _forward_like_the_router(stack: Stack, messages: list[trace.Message]) -> None:
    """Route ``messages`` as the router does and leave them on the internal events topic: what
    a deployment that stopped had forwarded but not yet applied."""
    s = stack.settings
    records = [
        consumer_record(s.topic_prefix + m.topic, n, m.value, m.key) for n, m in enumerate(messages)
    ]
    routed = route(records, s, wall_clock_ms())
    producer = Producer({"bootstrap.servers": stack.broker.bootstrap})
    for packed in routed.messages(s.max_message_bytes):
        key = b"%d" % packed.partition
        producer.produce(s.events_topic, packed.blob, key=key, partition=packed.partition)
    for partition, blob in routed.contact_messages(s.max_message_bytes):
        producer.produce(s.events_topic, blob, key=b"%d" % partition, partition=partition)
    assert producer.flush(30) == 0, "messages left unsent"


def test_a_rebuild_from_four_to_twelve_partitions_keeps_every_kpi(
    broker: Broker, tmp_path: Path
) -> None:
    # Tansu cannot add partitions to a topic: the source topics keep theirs, as when publishers
    # own them; the internal topics are the ones that must follow the new count
    env, settings = isolated_env(broker, tmp_path / "data", partitions="4", source_partitions="4")
    new_app = f"{settings.app_id}-p12"
    new_env = dict(env, SUPPORTKPI_PARTITIONS="12", SUPPORTKPI_APP_ID=new_app)
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    old = Stack(broker, env, settings, tmp_path / "old")
    new = Stack(broker, new_env, Settings.from_env(new_env), tmp_path / "new")
    recorded = trace.build(seed=61, now_ms=wall_clock_ms(), tickets=60)
    third = len(recorded.messages) // 3
    before, during, tail = (
        recorded.messages[:third],
        recorded.messages[third : 2 * third],
        recorded.messages[2 * third :],
    )
    rebuild = ("repartition", "--to", "12", "--app-id", new_app)
    try:
        worker = old.worker()
        worker.wait_ready()
        old.publish(before)
        old.assert_oracle(_published(recorded, before))  # what the old layout serves

        # refused, writing nothing, when source topics should grow and may not (the refusal
        # while old workers run is layout's, unit-tested: Tansu lists stopped workers too)
        following = {k: v for k, v in env.items() if k != "SUPPORTKPI_SOURCE_PARTITIONS"}
        refused = supportkpi(following, *rebuild)
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert "--grow-source-topics" in refused.stderr
        assert "make sure none is running" in refused.stdout
        assert new.settings.changelog_topic not in asyncio.run(partition_counts(settings))

        worker.stop()
        old.publish(during)  # waits in the source topics until the new layout reads it
        _forward_like_the_router(old, tail)  # routed by the old layout, never applied

        rebuilt = supportkpi(env, *rebuild)
        assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
        print(rebuilt.stdout)
        carried = re.search(r"(\d+) uncommitted messages -> (\d+)", rebuilt.stdout)
        assert carried and int(carried[1]) > 0 and int(carried[2]) >= int(carried[1])
        again = supportkpi(env, *rebuild)  # as after a failure half way: it may run again
        assert again.returncode == 0, again.stdout + again.stderr
        sources = [TopicPartition(t, p) for t in settings.source_topics for p in range(4)]
        handed = asyncio.run(committed(new.settings, new.settings.router_group, sources))
        assert handed == asyncio.run(committed(settings, settings.router_group, sources))
        assert handed, "the new router would read every source topic again from the start"
        checked = supportkpi(new_env, "topics", "--check")
        assert checked.returncode == 0, checked.stdout + checked.stderr

        new.worker().wait_ready()
        new.assert_oracle(recorded)  # the old KPIs, and what arrived meanwhile
        assert new.owned() == [12]

        for _ in range(60):  # bounded: the new layout commits within a commit interval
            if any(t == new.settings.events_topic for t, _ in new.committed()):
                break
            time.sleep(0.5)
        late = supportkpi(env, *rebuild)  # the new layout has state of its own now
        assert late.returncode == 1 and "has committed offsets" in late.stderr, late.stderr
        new.assert_oracle(recorded)  # and the refusal wrote nothing
    finally:
        old.stop()
        new.stop()
