"""Create the topics the processor uses, co-partitioned, with the intended cleanup policies."""

from __future__ import annotations

import asyncio
import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from streams.config import Settings
from streams.runtime.security import client_options

log = logging.getLogger(__name__)


def topic_specs(settings: Settings) -> list[NewTopic]:
    n, rf = settings.partitions, settings.replication
    week = str(7 * 86_400_000)
    specs = [
        NewTopic(name, n, rf, topic_configs={"retention.ms": week})
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
