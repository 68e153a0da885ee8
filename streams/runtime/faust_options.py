"""Faust's configuration for the worker, from ``Settings``, with the reason for each choice."""

from __future__ import annotations

from typing import Any

from streams.config import Settings
from streams.runtime import security


def for_worker(s: Settings) -> dict[str, Any]:
    """Keyword arguments of ``faust.App`` for one worker."""
    return dict(
        broker=s.broker,
        broker_credentials=security.faust_credentials(s),
        store="memory://",
        topic_partitions=s.partitions,
        topic_replication_factor=s.replication,
        topic_disable_leader=True,
        processing_guarantee="at_least_once",
        consumer_auto_offset_reset="earliest",
        # no tables, but Faust's assignor reads it: with standbys (default 1) it lets a client
        # keep ceil(partitions/clients), so a third worker on 4 partitions got none
        table_standby_replicas=0,
        broker_session_timeout=s.session_timeout,
        broker_heartbeat_interval=s.heartbeat_interval,
        broker_request_timeout=max(40.0, s.session_timeout * 2),
        broker_commit_interval=s.commit_interval,
        web_bind=s.web_host,
        web_port=s.web_port,
        web_host=s.web_host,
        datadir=s.data_dir,
        web_in_thread=False,
        # only /metrics, /health and /ready (see ``web``): Faust's own views (/router/,
        # /table/, stats, graph) would answer on the metrics port for anyone who can reach it
        web_router_enabled=False,
        web_tables_enabled=False,
        web_stats_enabled=False,
        web_graph_enabled=False,
        web_metrics_enabled=False,
        producer_compression_type=s.producer_compression,
        producer_max_request_size=s.max_message_bytes,
    )
