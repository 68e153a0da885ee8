"""Create the topics the processor uses, co-partitioned, with the intended cleanup policies,
and check that the broker's topics have the partition counts the configuration expects."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import NamedTuple

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from streams.config import Settings
from streams.runtime.security import client_options

log = logging.getLogger(__name__)


def topic_specs(settings: Settings) -> list[NewTopic]:
    n, rf = settings.partitions, settings.replication
    week = str(7 * 86_400_000)
    specs = [
        NewTopic(name, settings.source_partition_count, rf, topic_configs={"retention.ms": week})
        for name in settings.source_topics
    ]
    specs.append(NewTopic(settings.events_topic, n, rf, topic_configs={"retention.ms": week}))
    specs.append(
        NewTopic(
            settings.dead_letter_topic, n, rf, topic_configs={"retention.ms": str(30 * 86_400_000)}
        )
    )
    specs.extend(
        NewTopic(name, n, rf, topic_configs={"cleanup.policy": "compact"})
        for name in (settings.changelog_topic, settings.customers_changelog_topic)
    )
    return specs


async def create_topics(settings: Settings) -> list[str]:
    """Create missing topics; return the names created (existing ones are left alone)."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.bootstrap_servers, **client_options(settings)
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topic_specs(settings) if t.name not in existing]
        if missing:
            await admin.create_topics(missing)
        return [t.name for t in missing]
    finally:
        await admin.close()


def ensure_topics(settings: Settings) -> list[str]:
    return asyncio.run(create_topics(settings))


class TopicCheck(NamedTuple):
    """One topic's partition count: what the configuration expects, what the broker has."""

    name: str
    expected: int
    actual: int | None  # None: the topic does not exist

    @property
    def status(self) -> str:
        if self.actual is None:
            return "missing"
        return "ok" if self.actual == self.expected else "MISMATCH"


def compare(expected: Mapping[str, int], actual: Mapping[str, int]) -> list[TopicCheck]:
    """Every expected topic against the broker's counts (topics not expected are ignored)."""
    return [TopicCheck(name, n, actual.get(name)) for name, n in expected.items()]


def expected_partitions(settings: Settings) -> dict[str, int]:
    """The partition count of every topic the app uses: those ``ensure_topics`` creates (the
    app has no Faust tables, and Faust's leader topic is disabled, so Faust adds none)."""
    return {spec.name: spec.num_partitions for spec in topic_specs(settings)}


async def partition_counts(settings: Settings) -> dict[str, int]:
    """Partitions of every topic on the broker. One metadata request for all topics: naming a
    missing topic could create it (Tansu, or Kafka with ``auto.create.topics.enable``)."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.bootstrap_servers, **client_options(settings)
    )
    await admin.start()
    try:
        topics = await admin.describe_topics()
    finally:
        await admin.close()
    return {t["topic"]: len(t["partitions"]) for t in topics if t["error_code"] == 0}


def check_topics(settings: Settings) -> list[TopicCheck]:
    counts = asyncio.run(partition_counts(settings))
    return compare(expected_partitions(settings), counts)


def check_lines(checks: list[TopicCheck]) -> list[str]:
    """One aligned line per topic: name, expected, actual (``-`` when missing), status."""
    width = max((len(c.name) for c in checks), default=0)
    return [
        f"{c.name:<{width}}  expected {c.expected:>3}  actual "
        f"{'-' if c.actual is None else c.actual:>3}  {c.status}"
        for c in checks
    ]


async def message_limit(settings: Settings) -> int | None:
    """The smallest ``max.message.bytes`` of the topics the worker writes, as the broker
    reports it (None when it reports none, or cannot be asked)."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.bootstrap_servers, **client_options(settings)
    )
    topics = (
        settings.events_topic,
        settings.changelog_topic,
        settings.customers_changelog_topic,
        settings.dead_letter_topic,
    )
    try:
        await admin.start()
        try:
            responses = await admin.describe_configs(
                [ConfigResource(ConfigResourceType.TOPIC, name) for name in topics]
            )
        finally:
            await admin.close()
    except Exception as exc:  # an old broker or no DescribeConfigs permission: configured wins
        log.warning(
            "could not read max.message.bytes from the broker (%s); using "
            "SUPPORTKPI_MAX_MESSAGE_BYTES=%d",
            exc,
            settings.max_message_bytes,
        )
        return None
    limits = [
        int(entry[1])
        for response in responses
        for resource in response.resources
        for entry in resource[4]
        if entry[0] == "max.message.bytes"
    ]
    return min(limits, default=None)


def with_broker_limit(settings: Settings) -> Settings:
    """``settings`` with ``max_message_bytes`` lowered to the broker's limit when that is lower
    (raises ValueError, like any setting, when a ticket record could then exceed it)."""
    from dataclasses import replace

    limit = asyncio.run(message_limit(settings))
    if limit is None or limit >= settings.max_message_bytes:
        return settings
    log.warning(
        "the broker takes messages of at most %d bytes: using that, not %d",
        limit,
        settings.max_message_bytes,
    )
    lowered = replace(settings, max_message_bytes=limit)
    lowered.validate()
    return lowered
