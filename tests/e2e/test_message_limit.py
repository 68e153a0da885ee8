"""The broker's own message limit bounds what the worker writes (read, not only configured)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from streams.config import Settings
from streams.runtime.topics import with_broker_limit
from tests.support.processes import Broker

pytestmark = pytest.mark.e2e


def _settings_with_topics(broker: Broker, limit: int) -> Settings:
    prefix = f"m{uuid.uuid4().hex[:8]}-"
    settings = Settings.from_env(
        {
            "SUPPORTKPI_BROKER": f"kafka://{broker.bootstrap}",
            "SUPPORTKPI_TOPIC_PREFIX": prefix,
            "SUPPORTKPI_APP_ID": f"{prefix}supportkpi",
        }
    )

    async def create() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
        await admin.start()
        try:
            await admin.create_topics(
                [
                    NewTopic(name, 1, 1, topic_configs={"max.message.bytes": str(limit)})
                    for name in (
                        settings.events_topic,
                        settings.changelog_topic,
                        settings.dead_letter_topic,
                    )
                ]
            )
        finally:
            await admin.close()

    asyncio.run(create())
    return settings


def test_a_lower_broker_limit_wins_over_the_configured_one(broker: Broker) -> None:
    settings = _settings_with_topics(broker, 300_000)
    assert settings.max_message_bytes == 1_000_000
    assert with_broker_limit(settings).max_message_bytes == 300_000


def test_a_broker_limit_below_a_full_ticket_record_is_refused_at_start_up(broker: Broker) -> None:
    with pytest.raises(ValueError, match="SUPPORTKPI_MAX_TICKET_EVENTS"):
        with_broker_limit(_settings_with_topics(broker, 50_000))
