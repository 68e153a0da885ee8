"""Create the topics the processor uses, co-partitioned, with the intended cleanup policies."""

from __future__ import annotations

import asyncio
import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from streams.config import Settings
from streams.runtime.security import client_options

log = logging.getLogger(__name__)


def topic_specs(settings: Settings) -> list[NewTopic]:
    n, rf = settings.partitions, settings.replication
    week = str(7 * 86_400_000)
    specs = [NewTopic(name, n, rf, topic_configs={"retention.ms": week})
             for name in settings.source_topics]
    specs.append(NewTopic(settings.events_topic, n, rf, topic_configs={"retention.ms": week}))
    specs.append(NewTopic(settings.dead_letter_topic, n, rf,
                          topic_configs={"retention.ms": str(30 * 86_400_000)}))
    specs.append(NewTopic(settings.changelog_topic, n, rf,
                          topic_configs={"cleanup.policy": "compact"}))
    return specs


async def create_topics(settings: Settings) -> list[str]:
    """Create missing topics; return the names created (existing ones are left alone)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers,
                                **client_options(settings))
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
