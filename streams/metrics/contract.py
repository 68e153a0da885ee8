"""The public metrics contract: names, help texts and labels (see docs/metrics.md).

Every exported value is additive across workers (sum() over workers is the cluster figure), except
the oldest-ticket age and the last-event time, which aggregate with max(), and the time to the next
breach, which aggregates with min().
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    name: str
    help: str
    labels: tuple[str, ...]


DIMS = ("channel", "priority")
WINDOWED = ("window", *DIMS)

TICKETS_CREATED = Family(
    "support_tickets_created", "Tickets created in the window (event time).", WINDOWED
)
TICKETS_RESOLVED = Family(
    "support_tickets_resolved", "Tickets resolved in the window (event time).", WINDOWED
)
ONE_TOUCH = Family(
    "support_one_touch_resolutions",
    "Tickets resolved in the window with exactly one public human reply.",
    WINDOWED,
)
FIRST_RESPONSE = Family(
    "support_first_response_seconds",
    "First response time (created to first public human reply) of first replies in the window.",
    WINDOWED,
)
RESOLUTION = Family(
    "support_resolution_seconds",
    "Resolution time (created to resolved) of resolutions in the window.",
    WINDOWED,
)
NEXT_REPLY = Family(
    "support_next_reply_seconds",
    "Next reply time (oldest unanswered customer message to the next public "
    "human reply) of replies in the window.",
    WINDOWED,
)
TICKETS_REOPENED = Family("support_tickets_reopened", "Reopens in the window.", WINDOWED)
SLA_TICKETS = Family(
    "support_sla_tickets",
    "SLA clocks decided in the window (met at the stop, breached at the deadline).",
    ("window", "sla", "priority", "outcome"),
)
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
SURVEY_RESPONSES = Family(
    "support_survey_responses",
    "Survey answers in the window by survey (csat, nps, ces) and score.",
    ("window", "survey", "score", *DIMS),
)
SURVEY_SCORE_SUM = Family(
    "support_survey_score_points",
    "Sum of the scores of survey answers in the window (averages such as "
    "CES = score points / responses).",
    ("window", "survey", *DIMS),
)
TEAM_TICKETS_CREATED = Family(
    "support_team_tickets_created",
    "Tickets created in the window per team (bounded: see SUPPORTKPI_MAX_TEAMS).",
    ("window", "team"),
)
TEAM_TICKETS_RESOLVED = Family(
    "support_team_tickets_resolved", "Tickets resolved in the window per team.", ("window", "team")
)
TEAM_OPEN_TICKETS = Family("support_team_open_tickets", "Open tickets per team.", ("team",))
OPEN_TICKETS = Family("support_open_tickets", "Tickets created and not yet resolved.", DIMS)
OLDEST_OPEN_AGE = Family(
    "support_oldest_open_ticket_age_seconds",
    "Age of the oldest open ticket (aggregate with max()).",
    DIMS,
)

EVENTS = Family(
    "support_events",
    "Events consumed by topic and outcome (processed, duplicate, invalid, late, "
    "capped, failed, undecodable).",
    ("topic", "outcome"),
)
OUTCOMES = ("processed", "duplicate", "invalid", "late", "capped", "failed", "undecodable")
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

WINDOWED_FAMILIES = (
    TICKETS_CREATED,
    TICKETS_RESOLVED,
    ONE_TOUCH,
    FIRST_RESPONSE,
    RESOLUTION,
    SURVEY_RESPONSES,
    SURVEY_SCORE_SUM,
    TEAM_TICKETS_CREATED,
    TEAM_TICKETS_RESOLVED,
    NEXT_REPLY,
    TICKETS_REOPENED,
    SLA_TICKETS,
)
ALL_FAMILIES = (
    *WINDOWED_FAMILIES,
    SLA_AT_RISK,
    SLA_BREACHED_OPEN,
    SLA_NEXT_BREACH,
    OPEN_TICKETS,
    OLDEST_OPEN_AGE,
    TEAM_OPEN_TICKETS,
    EVENTS,
    ORPHANED_EVENTS,
    FOLDED_LABEL_VALUES,
    LAST_EVENT_TIMESTAMP,
    CONSUMER_LAG,
    OWNED_PARTITIONS,
    REBALANCES,
    REWINDS,
    PROCESSING_STALLED,
    QUARANTINED_RECORDS,
)
