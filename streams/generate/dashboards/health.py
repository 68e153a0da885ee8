"""Processor health for operators: event outcomes, lag, stalls, rebalances."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard

from streams.domain.sla.policy import SlaPolicy
from streams.generate.dashboards import panels as p
from streams.generate.dashboards.panels import AMBER, GREEN, RED


def health(policy: SlaPolicy | None) -> dashboard.Dashboard:
    board = (
        dashboard.Dashboard("supportkpi processor health")
        .uid("supportkpi-health")
        .tags(["supportkpi", "ops"])
        .refresh("30s")
        .time("now-1h", "now")
        .timezone("browser")
    )
    panels = [
        p.series(
            "Events/s by topic and outcome",
            [
                p.query(
                    "sum by (topic, outcome) (rate(support_events_total[$__rate_interval]))",
                    "{{topic}} {{outcome}}",
                )
            ],
            "ops",
            0,
            0,
            12,
            8,
        ),
        # every outcome but processed (duplicate, invalid, late, capped, failed, undecodable):
        # one series each, so a new outcome shows without a change here
        p.series(
            "Share of events not processed, by outcome",
            [
                p.query(
                    'sum by (outcome) (rate(support_events_total{outcome!="processed"}'
                    "[$__rate_interval])) / on () group_left "
                    "sum(rate(support_events_total[$__rate_interval]))",
                    "{{outcome}}",
                )
            ],
            "percentunit",
            12,
            0,
            12,
            8,
        ),
        p.series(
            "Consumer lag",
            [p.query("sum by (topic) (support_consumer_lag_messages)", "{{topic}}")],
            "none",
            0,
            8,
            8,
            7,
        ),
        p.stat(
            "Last event age",
            "time() - max(support_last_event_timestamp_seconds)",
            "s",
            ((None, GREEN), (60, AMBER), (300, RED)),
            8,
            8,
            4,
            7,
        ),
        p.stat(
            "Workers up",
            'sum(up{job="supportkpi"})',
            "none",
            ((None, RED), (1, GREEN)),
            12,
            8,
            4,
            7,
        ),
        p.stat(
            "Partitions owned",
            "sum(support_owned_partitions)",
            "none",
            ((None, RED), (1, GREEN)),
            16,
            8,
            4,
            7,
        ),
        p.series(
            "Rebalances and rewinds",
            [
                p.query(
                    "sum by (instance) (increase(support_rebalances_total[$__rate_interval]))",
                    "{{instance}}",
                ),
                p.query(
                    "sum by (instance) (increase(support_rewinds_total[$__rate_interval]))",
                    "rewinds {{instance}}",
                ),
            ],
            "none",
            20,
            8,
            4,
            7,
        ),
        p.series(
            "Scrape duration and health",
            [
                p.query(
                    'max by (instance) (scrape_duration_seconds{job="supportkpi"})', "{{instance}}"
                )
            ],
            "s",
            0,
            15,
            12,
            7,
        ),
        p.series(
            "Orphaned events and folded labels",
            [
                p.query("sum(support_orphaned_events_total)", "orphaned"),
                p.query("sum by (label) (support_label_values_folded_total)", "folded {{label}}"),
            ],
            "none",
            12,
            15,
            12,
            7,
        ),
        # issue 13: a stage that makes no progress, and state a rebuild had to leave out (both
        # exported at 0 from the start, so the panels have data on a healthy worker)
        p.stat(
            "Stalled stages",
            "sum(support_processing_stalled)",
            "none",
            ((None, GREEN), (1, RED)),
            0,
            22,
            4,
            7,
        ),
        p.series(
            "Stalled stages by worker (1 = stalled, see /health)",
            [
                p.query(
                    "max by (instance, stage) (support_processing_stalled)",
                    "{{instance}} {{stage}}",
                )
            ],
            "none",
            4,
            22,
            10,
            7,
        ),
        p.series(
            "Changelog records quarantined since start",
            [
                p.query(
                    "sum by (instance) (support_changelog_records_quarantined_total)",
                    "{{instance}}",
                )
            ],
            "none",
            14,
            22,
            10,
            7,
        ),
    ]
    return p.with_panels(board, panels)
