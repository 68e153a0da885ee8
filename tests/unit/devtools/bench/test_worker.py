"""What the benchmark reads of a worker's /metrics: events accounted for, topics read."""

from __future__ import annotations

from streams.devtools.bench.worker import consumed, known_topics

PAGE = """# HELP support_events_total Events consumed
support_events_total{outcome="processed",topic="ticket-created"} 7.0
support_events_total{outcome="duplicate",topic="ticket-created"} 2.0
support_events_total{outcome="invalid",topic="agent-replied"} 1.0
support_events_total{outcome="processed",topic="survey-sent"} 0.0
support_tickets_created{channel="chat",priority="high",window="1h"} 5.0
"""


def test_every_outcome_but_duplicate_is_accounted_for() -> None:
    assert consumed(PAGE) == 8


def test_the_topics_a_worker_reads_are_those_of_its_event_series() -> None:
    assert known_topics(PAGE) == {"ticket-created", "agent-replied", "survey-sent"}
