"""Settings from ``SUPPORTKPI_*`` environment variables (documented in README "Configuration")."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from streams.domain.events import Kind
from streams.domain.labels import DEFAULT_CHANNELS, DEFAULT_PRIORITIES
from streams.domain.timeparse import parse_duration_ms

PREFIX = "SUPPORTKPI_"


@dataclass(frozen=True)
class Settings:
    broker: str = "kafka://localhost:9092"
    broker_quirks: str = ""  # "tansu" only for the embedded development broker
    app_id: str = "supportkpi"
    topic_prefix: str = ""
    partitions: int = 4
    replication: int = 1
    security_protocol: str = "PLAINTEXT"  # SSL, SASL_PLAINTEXT, SASL_SSL: see runtime/security
    sasl_mechanism: str = "PLAIN"
    sasl_username: str = ""
    sasl_password: str = ""
    sasl_password_file: str = ""
    ssl_cafile: str = ""
    ssl_certfile: str = ""
    ssl_keyfile: str = ""
    web_host: str = "0.0.0.0"
    web_port: int = 6066
    windows: tuple[str, ...] = ("1h", "24h", "7d")
    grace: str = "1h"
    orphan_horizon: str = "24h"
    clock: str = "wall"  # "wall" (live) or "event" (replay: the newest event time is "now")
    max_event_bytes: int = 65536
    max_future: str = "15m"
    channels: tuple[str, ...] = DEFAULT_CHANNELS
    priorities: tuple[str, ...] = DEFAULT_PRIORITIES
    teams: tuple[str, ...] = ()  # allow-list; empty: first come, first served up to max_teams
    max_teams: int = 50
    ingest_token: str = ""  # bearer token required by `supportkpi ingest` (empty: none)
    sla_policy: str = ""  # path of the SLA policy YAML; empty: deploy/sla/policy.yaml if present
    sla_tick: float = 1.0  # seconds between SLA deadline checks
    session_timeout: float = 10.0
    commit_interval: float = 1.0  # seconds between offset commits (at-least-once + dedupe)
    batch_size: int = 1000
    batch_wait: float = 0.2
    housekeeping_interval: float = 30.0
    data_dir: str = "data"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name, default in cls.__dataclass_fields__.items():
            raw = env.get(PREFIX + name.upper())
            if raw is None:
                continue
            kind = type(default.default)
            if kind is tuple:
                values[name] = tuple(v.strip() for v in raw.split(",") if v.strip())
            elif kind in (int, float):
                values[name] = kind(raw)
            else:
                values[name] = raw
        settings = replace(cls(), **values, **overrides)
        settings.validate()
        return settings

    def validate(self) -> None:
        for text in (*self.windows, self.grace, self.orphan_horizon, self.max_future):
            parse_duration_ms(text)
        if self.clock not in ("wall", "event"):
            raise ValueError(f"SUPPORTKPI_CLOCK must be 'wall' or 'event', not {self.clock!r}")
        if self.partitions < 1:
            raise ValueError("SUPPORTKPI_PARTITIONS must be at least 1")

    @property
    def sla_policy_path(self) -> str | None:
        if self.sla_policy:
            return self.sla_policy
        default = os.path.join("deploy", "sla", "policy.yaml")
        return default if os.path.exists(default) else None

    # -- derived names -------------------------------------------------------------------------
    def topic(self, kind: Kind) -> str:
        return self.topic_prefix + kind.value

    @property
    def source_topics(self) -> dict[str, Kind]:
        return {self.topic(kind): kind for kind in Kind}

    @property
    def events_topic(self) -> str:
        """Internal topic where every valid event is re-keyed by ticket."""
        return f"{self.topic_prefix}{self.app_id}-events"

    @property
    def dead_letter_topic(self) -> str:
        return f"{self.topic_prefix}{self.app_id}-dead-letter"

    @property
    def changelog_topic(self) -> str:
        return f"{self.app_id}-tickets-changelog"

    @property
    def window_widths_ms(self) -> dict[str, int]:
        return {name: parse_duration_ms(name) for name in self.windows}

    @property
    def bootstrap_servers(self) -> str:
        """``host:port`` list for plain Kafka clients (the URL without ``kafka://``)."""
        return ",".join(u.split("://", 1)[-1] for u in self.broker.split(";"))
