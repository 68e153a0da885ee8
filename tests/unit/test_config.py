from __future__ import annotations

import pytest

from streams.config import Settings
from streams.domain.events import Kind
from tests.support.builders import WINDOWS


def test_defaults_match_the_documented_contract() -> None:
    settings = Settings.from_env({})
    assert settings.broker == "kafka://localhost:9092"
    assert settings.web_port == 6066
    assert settings.windows == ("1h", "24h", "7d", "30d")
    assert settings.window_widths_ms == WINDOWS  # the in-process tests' defaults follow
    assert settings.topic(Kind.CREATED) == "ticket-created"
    assert (settings.partitions, settings.source_partition_count) == (12, 12)
    assert settings.router_group == "supportkpi-router"


def test_environment_overrides_with_prefix_lists_and_numbers() -> None:
    settings = Settings.from_env(
        {
            "SUPPORTKPI_TOPIC_PREFIX": "prod.",
            "SUPPORTKPI_PARTITIONS": "12",
            "SUPPORTKPI_WINDOWS": "15m, 1h,30d",
            "SUPPORTKPI_BROKER": "kafka://a:9092;kafka://b:9092",
        }
    )
    assert settings.partitions == 12
    assert settings.windows == ("15m", "1h", "30d")
    assert settings.window_widths_ms["30d"] == 30 * 86_400_000
    assert settings.source_topics["prod.survey-answered"] is Kind.SURVEY
    assert settings.events_topic == "prod.supportkpi-events"
    assert settings.bootstrap_servers == "a:9092,b:9092"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SUPPORTKPI_WINDOWS", "1 hour"),
        ("SUPPORTKPI_CLOCK", "sundial"),
        ("SUPPORTKPI_PARTITIONS", "0"),
        ("SUPPORTKPI_SOURCE_PARTITIONS", "-1"),
    ],
)
def test_bad_settings_fail_at_start_with_the_variable_named(name: str, value: str) -> None:
    with pytest.raises(ValueError):
        Settings.from_env({name: value})


def test_source_topics_follow_the_partitions_unless_given_their_own_count() -> None:
    assert Settings.from_env({"SUPPORTKPI_PARTITIONS": "24"}).source_partition_count == 24
    kept = Settings.from_env({"SUPPORTKPI_PARTITIONS": "24", "SUPPORTKPI_SOURCE_PARTITIONS": "4"})
    assert (kept.partitions, kept.source_partition_count) == (24, 4)


def test_limits_that_cannot_hold_are_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="SUPPORTKPI_MAX_TICKET_EVENTS"):
        Settings.from_env({"SUPPORTKPI_MAX_TICKET_EVENTS": "100000"})
    with pytest.raises(ValueError, match="SUPPORTKPI_COMPRESSION"):
        Settings.from_env({"SUPPORTKPI_COMPRESSION": "brotli"})
    with pytest.raises(ValueError, match=r"not a valid date-time|not an RFC 3339"):
        Settings.from_env({"SUPPORTKPI_MIN_EVENT_TIME": "yesterday"})
    assert Settings.from_env({}).producer_compression is None  # the default: none
    assert Settings.from_env({"SUPPORTKPI_COMPRESSION": "zstd"}).producer_compression == "zstd"


def test_the_heartbeat_is_a_quarter_of_the_session_timeout_and_never_below_half_a_second() -> None:
    assert Settings(session_timeout=10.0).heartbeat_interval == 2.5
    assert Settings(session_timeout=1.0).heartbeat_interval == 0.5
