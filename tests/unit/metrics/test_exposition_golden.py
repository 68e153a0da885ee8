"""The exposition is public: names, labels, label order, help texts and values stay as committed.

A fixed set of events reaches every family (windowed counts and histograms, SLA outcomes and
gauges, surveys, teams, categories, backlog, health), and the whole scrape is compared to a
committed file.
To accept an intended change: ``SUPPORTKPI_UPDATE_GOLDEN=1 pytest`` this file, and review the diff.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest

from streams.domain.contacts import Contact
from streams.domain.contributions import KpiModel
from streams.domain.events import Event, Kind
from streams.domain.partition import PartitionState
from streams.domain.sla.policy import parse_policy
from streams.metrics.collectors import HealthCollector, KpiCollector
from tests.support.builders import NOW, H, M, S, created, partition_state, replied

GOLDEN = Path(__file__).with_name("exposition.golden.txt")
POLICY = parse_policy(
    {
        "version": 1,
        "at_risk": 0.5,
        "schedules": {"office": {"timezone": "UTC", "hours": {"mon-fri": ["09:00-17:00"]}}},
        "policies": [
            {
                "name": "all",
                "schedule": "office",  # the business-hours times (NOW is a Wednesday, 16:00)
                "targets": {
                    "urgent": {"first_response": "10m", "next_reply": "1h", "resolution": "4h"},
                    "high": {"first_response": "1h", "resolution": "8h"},
                },
            }
        ],
    }
)


@dataclass
class _Stats:
    """What the health collector reads, fixed (not the runtime's statistics class)."""

    events: Counter[tuple[str, str]] = field(
        default_factory=lambda: Counter({("ticket-created", "processed"): 7})
    )
    contacts: Counter[str] = field(default_factory=lambda: Counter({"processed": 3}))
    last_event_ms: int | None = NOW - 5 * S
    rebalances: int = 2
    orphaned: int = 1
    quarantined: int = 3
    rebuild_seconds: dict[str, float] = field(
        default_factory=lambda: {"snapshot": 0.5, "read": 2.5, "load": 4.0}
    )
    snapshots: dict[str, int] = field(default_factory=lambda: {"taken": 6, "restored": 2})
    lag: dict[tuple[str, int], int] = field(default_factory=lambda: {("ticket-created", 0): 4})


def _events() -> list[Event]:
    return [
        # T1: one-touch, answered and resolved within the hour, then a CSAT answer
        created(
            "T1", NOW - 50 * M, channel="chat", priority="high", team="billing", category="refund"
        ),
        replied("T1", NOW - 45 * M, f"r-T1-{NOW - 45 * M}"),
        Event(Kind.UPDATED, "h-T1", NOW - 40 * M, "T1", status="on_hold"),  # 10 minutes on hold
        Event(Kind.RESOLVED, "x-T1", NOW - 30 * M, "T1"),
        Event(Kind.SURVEY_SENT, "ss-T1", NOW - 29 * M, "T1", survey="csat", method="email"),
        Event(Kind.SURVEY, "s-T1", NOW - 20 * M, "T1", survey="csat", score=4),  # by email
        # T2: urgent, first reply late (breached), customer writes back, reopened, still open;
        # created as a bug, then its category changes to an outage
        created(
            "T2", NOW - 3 * H, channel="email", priority="urgent", team="support", category="bug"
        ),
        Event(Kind.UPDATED, "u-T2", NOW - 100 * M, "T2", category="outage"),
        Event(Kind.UPDATED, "t-T2", NOW - 90 * M, "T2", team="billing"),  # a transfer
        replied("T2", NOW - 2 * H, f"r-T2-{NOW - 2 * H}"),
        Event(Kind.CUSTOMER_REPLIED, "m-T2", NOW - 90 * M, "T2"),
        replied("T2", NOW - 80 * M, f"r-T2-{NOW - 80 * M}"),
        Event(Kind.RESOLVED, "x-T2", NOW - 70 * M, "T2"),
        Event(Kind.REOPENED, "o-T2", NOW - 40 * M, "T2"),
        # T3: urgent, unanswered: at risk now, no team and no category (unknown)
        created("T3", NOW - 6 * M, channel="phone", priority="urgent", team=None),
        # T5: a bot answers and resolves it: contained
        created("T5", NOW - 40 * M, channel="web", priority="low"),
        Event(Kind.REPLIED, "b-T5", NOW - 39 * M, "T5", bot_response=True),
        Event(Kind.RESOLVED, "x-T5", NOW - 35 * M, "T5", resolved_by="bot"),
        # T4: created a day ago, only in the 24h window, open: oldest in the backlog
        created(
            "T4", NOW - 20 * H, channel="chat", priority="high", team="billing", category="refund"
        ),
        # surveys: NPS and CES on a known ticket, CSAT on a ticket nobody created
        Event(Kind.SURVEY, "s-T2", NOW - 10 * M, "T2", survey="nps", score=9),
        Event(Kind.SURVEY, "s2-T2", NOW - 9 * M, "T2", survey="ces", score=6, method="in_app"),
        Event(Kind.SURVEY, "s-T9", NOW - 8 * M, "T9", channel="web", survey="csat", score=2),
    ]


def _state_reaching_every_family() -> PartitionState:
    state = partition_state(
        {"1h": H, "24h": 24 * H}, model=KpiModel(sla=POLICY), now_ms=NOW - 21 * H
    )
    for event in _events():
        state.advance(event.at_ms)
        state.apply(event)
    # C1 is a returning customer: T4 a day ago, then T1 (a repeat contact); C2 came once
    for contact in (
        Contact("C1", "T4", NOW - 20 * H, "chat", "c-T4"),
        Contact("C1", "T1", NOW - 50 * M, "chat", "c-T1"),
        Contact("C2", "T2", NOW - 3 * H, "email", "c-T2"),
    ):
        state.customers.apply(contact, state.late_before_ms)
    state.advance(NOW)
    state.tick()
    return state


def _exposition() -> str:
    states = [
        _state_reaching_every_family(),
        _state_reaching_every_family(),
    ]  # two partitions: the collector sums them
    registry = CollectorRegistry(auto_describe=False)
    registry.register(KpiCollector(lambda: states, lambda: NOW, KpiModel().buckets_ms))
    registry.register(
        HealthCollector(
            _Stats(),
            lambda: states,
            ["ticket-created"],
            folded=lambda: {"team": 1, "category": 2},
            rewinds=lambda: 5,
            stalled=lambda: {"router": True, "agent": False},
        )
    )
    return generate_latest(registry).decode()


def test_the_exposition_is_exactly_the_committed_one() -> None:
    text = _exposition()
    if os.environ.get("SUPPORTKPI_UPDATE_GOLDEN"):
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text()


def test_the_fixed_events_reach_every_family() -> None:
    """The golden file proves nothing about a family that has no sample in it."""
    lines = _exposition().splitlines()
    families = {line.split()[2] for line in lines if line.startswith("# HELP")}
    sampled = {line.split("{")[0].split()[0] for line in lines if not line.startswith("#")}
    for name in families:
        assert any(sample.startswith(name) for sample in sampled), name
