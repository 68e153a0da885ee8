"""The public metrics contract: names, help texts and labels (see docs/metrics.md).

Every exported value is additive across workers (sum() over workers is the cluster figure), except
the oldest-ticket age and the last-event time, which aggregate with max(), and the time to the next
breach, which aggregates with min().
"""

from __future__ import annotations

from streams.metrics.family import Family
from streams.metrics.kpis import CATEGORY, DIMS, KPIS, TEAM

#: the windowed KPIs, from the KPI table
WINDOWED_FAMILIES = tuple(row.family for row in KPIS)

# Read from the partitions' live state (no window).
SLA_AT_RISK = Family(
    "support_sla_at_risk_tickets",
    "Running SLA clocks past the at-risk share of their target.",
    ("sla", "priority"),
)
SLA_BREACHED_OPEN = Family(
    "support_sla_breached_open_tickets",
    "Running SLA clocks past their deadline (still unanswered or unresolved).",
    ("sla", "priority"),
)
SLA_NEXT_BREACH = Family(
    "support_sla_next_breach_seconds",
    "Time until the earliest upcoming breach (aggregate with min()).",
    ("sla", "priority"),
)
SLA_BREACHES_EXPECTED = Family(
    "support_sla_breaches_expected",
    "Running SLA clocks whose deadline falls within the next horizon (deadlines count business "
    "hours and pauses; clocks already breached are not counted).",
    ("sla", "priority", "horizon"),
)
WAITING = Family(
    "support_waiting_seconds",
    "How long the customers waiting right now have waited (first response or next reply "
    "pending), in calendar time since the clock started; a gauge histogram.",
    ("sla", "priority"),
)
TEAM_OPEN_TICKETS = Family("support_team_open_tickets", "Open tickets per team.", (TEAM,))
CATEGORY_OPEN_TICKETS = Family(
    "support_category_open_tickets", "Open tickets per current category.", (CATEGORY,)
)
OPEN_TICKETS = Family("support_open_tickets", "Tickets created and not yet resolved.", DIMS)
OLDEST_OPEN_AGE = Family(
    "support_oldest_open_ticket_age_seconds",
    "Age of the oldest open ticket (aggregate with max()).",
    DIMS,
)

# Processing health.
EVENTS = Family(
    "support_events",
    "Events consumed by topic and outcome (processed, duplicate, invalid, late, "
    "capped, failed, undecodable).",
    ("topic", "outcome"),
)
OUTCOMES = ("processed", "duplicate", "invalid", "late", "capped", "failed", "undecodable")
CONTACTS = Family(
    "support_customer_contacts",
    "Contacts applied to the customer state (each ticket-created with a customer_id, re-keyed "
    "by customer for repeat contacts), by outcome (processed, duplicate, late, capped, failed).",
    ("outcome",),
)
CONTACT_OUTCOMES = ("processed", "duplicate", "late", "capped", "failed")
PROCESSING_STALLED = Family(
    "support_processing_stalled",
    "1 while a stage of this worker (router, agent, rebuild, changelog) "
    "is stuck, crash-looping or retrying (see /health for the reason).",
    ("stage",),
)
QUARANTINED_RECORDS = Family(
    "support_changelog_records_quarantined",
    "Changelog records that could not be loaded and were left out of "
    "a rebuild (logged with the cause).",
    (),
)
REBUILD_SECONDS = Family(
    "support_rebuild_seconds",
    "Seconds this worker spent rebuilding partitions: taking their snapshots back (snapshot), "
    "reading their changelogs, whole or the tail after a snapshot (read), and loading the "
    "records read into the state (load).",
    ("stage",),
)
#: the stages of a rebuild, as ``support_rebuild_seconds`` labels them
REBUILD_STAGES = ("snapshot", "read", "load")
SNAPSHOTS = Family(
    "support_snapshots",
    "Snapshots of partition states: taken, busy (the partition kept changing; tried again "
    "next round), failed (not written), restored at a rebuild, unusable (damaged, of other "
    "code or settings, or beyond its changelog; the changelog was read whole).",
    ("outcome",),
)
#: the outcomes of ``support_snapshots``
SNAPSHOT_OUTCOMES = ("taken", "busy", "failed", "restored", "unusable")
ORPHANED_EVENTS = Family(
    "support_orphaned_events",
    "Replies and resolutions dropped because their ticket was never created "
    "within the orphan horizon.",
    (),
)
LAST_EVENT_TIMESTAMP = Family(
    "support_last_event_timestamp_seconds",
    "Event time of the newest event processed (aggregate with max()).",
    (),
)
CONSUMER_LAG = Family(
    "support_consumer_lag_messages",
    "Messages not yet consumed, per topic partition owned by this worker.",
    ("topic", "partition"),
)
FOLDED_LABEL_VALUES = Family(
    "support_label_values_folded",
    "Label values reported as 'other' because of an allow-list or the series cap.",
    ("label",),
)
REBALANCES = Family(
    "support_rebalances",
    "Partition assignments this worker went through (processor and router).",
    (),
)
REWINDS = Family(
    "support_rewinds",
    "Times a partition was re-read from an offset the Kafka client had fetched but "
    "the processor never received (each one an event loss prevented).",
    (),
)
OWNED_PARTITIONS = Family(
    "support_owned_partitions", "Partitions of the internal events topic owned by this worker.", ()
)

#: every family of the contract, once
ALL_FAMILIES = (
    *WINDOWED_FAMILIES,
    SLA_AT_RISK,
    SLA_BREACHED_OPEN,
    SLA_NEXT_BREACH,
    SLA_BREACHES_EXPECTED,
    WAITING,
    OPEN_TICKETS,
    OLDEST_OPEN_AGE,
    TEAM_OPEN_TICKETS,
    CATEGORY_OPEN_TICKETS,
    EVENTS,
    CONTACTS,
    ORPHANED_EVENTS,
    FOLDED_LABEL_VALUES,
    LAST_EVENT_TIMESTAMP,
    CONSUMER_LAG,
    OWNED_PARTITIONS,
    REBALANCES,
    REWINDS,
    PROCESSING_STALLED,
    QUARANTINED_RECORDS,
    SNAPSHOTS,
    REBUILD_SECONDS,
)
