"""Settings from ``SUPPORTKPI_*`` environment variables (each in docs/operations.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import orjson

from streams.domain.events import Kind
from streams.domain.labels import DEFAULT_CHANNELS, DEFAULT_PRIORITIES, OTHER, UNKNOWN
from streams.domain.ticket import max_record_bytes
from streams.domain.timeparse import TimeBounds, parse_duration_ms

PREFIX = "SUPPORTKPI_"
COMPRESSIONS = ("none", "gzip", "snappy", "lz4", "zstd")


@dataclass(frozen=True)
class Settings:
    broker: str = "kafka://localhost:9092"
    broker_quirks: str = ""  # "tansu" only for the embedded development broker
    app_id: str = "supportkpi"
    topic_prefix: str = ""
    partitions: int = 12  # of the internal topics: the most workers that can share the work
    # of the source topics supportkpi creates; 0: ``partitions``. The router re-keys every event,
    # so only its own parallelism depends on it: set the count of topics that publishers own
    source_partitions: int = 0
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
    windows: tuple[str, ...] = ("1h", "24h", "7d", "30d")  # the largest sets how long state is kept
    grace: str = "1h"
    orphan_horizon: str = "24h"
    clock: str = "wall"  # "wall" (live) or "event" (replay: the newest event time is "now")
    max_event_bytes: int = 65536
    max_future: str = "15m"  # live and replay alike: against the wall clock
    min_event_time: str = "2000-01-01T00:00:00Z"  # earlier occurred_at values are invalid
    channels: tuple[str, ...] = DEFAULT_CHANNELS
    priorities: tuple[str, ...] = DEFAULT_PRIORITIES
    teams: tuple[str, ...] = ()  # allow-list; empty: first come, first served up to max_teams
    max_teams: int = 50
    categories: tuple[str, ...] = ()  # allow-list; empty: first come, first served
    max_categories: int = 30
    repeat_horizon: str = "7d"  # a ticket is a repeat contact after another this recent
    # the key of the customer digests (HMAC-SHA256): the same on every worker, kept secret
    customer_key: str = ""
    customer_key_file: str = ""  # file holding that key (wins over customer_key)
    ingest_token: str = ""  # bearer token required by `supportkpi ingest` (empty: none)
    ingest_token_file: str = ""  # file holding that token (wins over ingest_token)
    # bearer token of the drill-down, GET /tickets on workers and the cluster view (empty: off)
    tickets_token: str = ""
    tickets_token_file: str = ""  # file holding that token (wins over tickets_token)
    # the workers the cluster view asks: base URLs (http://host:6066), or a name whose DNS
    # answers every worker (a Kubernetes headless Service) with its port: "supportkpi:6066"
    workers: tuple[str, ...] = ()
    workers_dns: str = ""
    ingest_max_concurrency: int = 64  # requests handled at once; more get 503 + Retry-After
    # of what the worker writes (internal events, changelog, dead letters): none, gzip, snappy,
    # lz4, zstd. none by default: the worker reads back what it writes, so a codec costs CPU on
    # both sides (measured in docs/benchmarks.md); pick lz4 or zstd when the broker's network
    # or disk is the bottleneck. Every codec is read whatever this says.
    compression: str = "none"
    max_message_bytes: int = 1_000_000  # below the broker's message.max.bytes (also read)
    max_ticket_events: int = 2_000  # events one ticket's record applies; more are "capped"
    hot_records: int = 4_096  # ticket records per partition kept unpacked (see record_store)
    stall_seconds: float = 60.0  # a stage with work and no progress this long fails /health
    sla_policy: str = ""  # path of the SLA policy YAML; empty: deploy/sla/policy.yaml if present
    sla_tick: float = 1.0  # seconds between SLA deadline checks
    # the business-hours KPIs' schedule (a name from the policy's `schedules`) for tickets whose
    # SLA policy names none; empty: those tickets have no business-hours times
    schedule: str = ""
    session_timeout: float = 10.0
    commit_interval: float = 1.0  # seconds between offset commits (at-least-once + dedupe)
    batch_size: int = 1000
    batch_wait: float = 0.2
    housekeeping_interval: float = 30.0
    data_dir: str = "data"
    snapshot_interval: float = 300.0  # seconds between snapshots of each partition (0: none)

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
        durations = (*self.windows, self.grace, self.orphan_horizon, self.max_future)
        for text in (*durations, self.repeat_horizon):
            parse_duration_ms(text)
        if self.clock not in ("wall", "event"):
            raise ValueError(f"SUPPORTKPI_CLOCK must be 'wall' or 'event', not {self.clock!r}")
        if self.partitions < 1:
            raise ValueError("SUPPORTKPI_PARTITIONS must be at least 1")
        if self.source_partitions < 0:
            raise ValueError("SUPPORTKPI_SOURCE_PARTITIONS must be 0 (as PARTITIONS) or more")
        if self.compression not in COMPRESSIONS:
            raise ValueError(
                f"SUPPORTKPI_COMPRESSION must be one of {', '.join(COMPRESSIONS)}"
                f", not {self.compression!r}"
            )
        if self.max_message_bytes < 16_384:
            raise ValueError("SUPPORTKPI_MAX_MESSAGE_BYTES must be at least 16384")
        labels = (*self.channels, *self.priorities, UNKNOWN, OTHER)
        record_bound = max_record_bytes(
            self.max_ticket_events, max(len(orjson.dumps(label)) for label in labels)
        )
        if record_bound > self.max_message_bytes:
            raise ValueError(
                f"a ticket record may reach {record_bound} bytes "
                f"with SUPPORTKPI_MAX_TICKET_EVENTS={self.max_ticket_events}, more than "
                f"SUPPORTKPI_MAX_MESSAGE_BYTES={self.max_message_bytes}: lower the former"
            )
        self.time_bounds  # noqa: B018 -- parses SUPPORTKPI_MIN_EVENT_TIME, raises with a reason

    @property
    def time_bounds(self) -> TimeBounds:
        return TimeBounds.parse(self.min_event_time, self.max_future)

    @property
    def heartbeat_interval(self) -> float:
        """Seconds between group heartbeats, of the Faust consumer and the router's alike."""
        return max(0.5, self.session_timeout / 4)

    @property
    def producer_compression(self) -> str | None:
        """``compression_type`` for Kafka clients (None: uncompressed)."""
        return None if self.compression == "none" else self.compression

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
    def source_partition_count(self) -> int:
        """Partitions the source topics are created and checked with."""
        return self.source_partitions or self.partitions

    @property
    def source_topics(self) -> dict[str, Kind]:
        return {self.topic(kind): kind for kind in Kind}

    @property
    def events_topic(self) -> str:
        """Internal topic where every valid event is re-keyed by ticket."""
        return f"{self.topic_prefix}{self.app_id}-events"

    @property
    def router_group(self) -> str:
        """The router's consumer group (the stateful stage's is ``app_id``)."""
        return f"{self.app_id}-router"

    @property
    def dead_letter_topic(self) -> str:
        return f"{self.topic_prefix}{self.app_id}-dead-letter"

    @property
    def changelog_topic(self) -> str:
        return f"{self.app_id}-tickets-changelog"

    @property
    def customers_changelog_topic(self) -> str:
        """The per-customer state's own changelog (repeat contacts), keyed by customer digest."""
        return f"{self.app_id}-customers-changelog"

    @property
    def repeat_horizon_ms(self) -> int:
        return parse_duration_ms(self.repeat_horizon)

    @property
    def window_widths_ms(self) -> dict[str, int]:
        return {name: parse_duration_ms(name) for name in self.windows}

    @property
    def bootstrap_servers(self) -> str:
        """``host:port`` list for plain Kafka clients (the URL without ``kafka://``)."""
        return ",".join(u.split("://", 1)[-1] for u in self.broker.split(";"))
