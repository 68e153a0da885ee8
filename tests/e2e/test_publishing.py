"""Other teams' paths in, on the real broker: the Python publisher, and a resumable replay."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from streams.publish import Publisher, agent_replied, ticket_created  # the public path
from streams.publishing.replay import replay, state_path
from tests.conftest import Stack
from tests.support import oracle, oracle_sla, trace
from tests.support.builders import wall_clock_ms
from tests.support.schedules import AFTER_DST, LIVE_POLICY, SCHEDULED

pytestmark = pytest.mark.e2e


def test_the_python_publisher_retry_counts_once(stack: Stack) -> None:
    stack.worker().wait_ready()
    created = ticket_created("PUB-1", channel="chat", priority="urgent")
    with Publisher.connect(stack.broker.bootstrap, stack.settings.topic_prefix) as publisher:
        publisher.send(created)
        publisher.send(created)  # a retry after a timeout that had in fact succeeded
        publisher.send(agent_replied("PUB-1", agent_id="a-1"))
    stack.wait_processed(minimum=2)
    samples = stack.scrape()
    prefix = stack.settings.topic_prefix
    assert (
        samples[
            (
                "support_events_total",
                (("outcome", "duplicate"), ("topic", prefix + "ticket-created")),
            )
        ]
        == 1
    )
    assert (
        samples[
            (
                "support_tickets_created",
                (("channel", "chat"), ("priority", "urgent"), ("window", "1h")),
            )
        ]
        == 1
    )


def test_replay_resumes_after_an_interruption_without_double_counting(
    stack: Stack, tmp_path: Path
) -> None:
    recorded = trace.build(seed=77, now_ms=wall_clock_ms(), tickets=40)
    path = tmp_path / "history.jsonl"
    lines = [orjson.dumps({"type": topic, **payload}) for topic, payload in recorded.events]
    path.write_bytes(b"\n".join(lines) + b"\n")
    stack.worker().wait_ready()
    half = len(lines) // 2
    state_path(path).write_text(str(half))  # as if a first run was stopped after half the file
    sent, invalid = asyncio.run(replay(stack.settings, path, quiet=True))
    assert (sent, invalid) == (len(lines) - half, 0)
    assert state_path(path).read_text() == str(len(lines))
    state_path(path).unlink()  # the checkpoint is lost: the whole file goes again
    sent, _ = asyncio.run(replay(stack.settings, path, rate=2000, quiet=True))
    assert sent == len(lines)
    stack.assert_oracle(recorded)


def _windowed(scraped: dict) -> dict:
    """The windowed KPI samples (the backlog is a gauge of now, not of a window)."""
    return {
        k: v
        for k, v in oracle.kpi_samples(scraped).items()
        if any(label == "window" for label, _ in k[1])
    }


def test_backfilling_a_month_in_event_time_gives_the_live_windowed_kpis(
    stack: Stack, tmp_path: Path
) -> None:
    """Four weeks of history, ending two days ago, replayed chronologically into a worker whose
    clock is event time: windows end at the newest event, and every windowed KPI equals the
    oracle's (the same oracle the live-processing tests are held to) at that moment."""
    day = 86_400_000
    spacing = 8 * day  # each trace keeps its ages away from window edges; so must the stack
    end = wall_clock_ms() - 2 * day
    events = [
        e
        for k in range(4)
        for e in trace.build(seed=300 + k, now_ms=end - k * spacing, tickets=40).events
    ]
    events.sort(key=lambda e: oracle.ms(e[1]["occurred_at"]))
    newest = max(oracle.ms(e["occurred_at"]) for _, e in events)
    assert newest - min(oracle.ms(e["occurred_at"]) for _, e in events) > 28 * day
    path = tmp_path / "month.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps({"type": t, **e}) for t, e in events) + b"\n")
    stack.worker(clock="event").wait_ready()
    sent, invalid = asyncio.run(replay(stack.settings, path, quiet=True))
    assert (sent, invalid) == (len(events), 0)
    wanted = _windowed(stack.expected(events, newest))
    assert sum(v for k, v in wanted.items() if k[0] == "support_tickets_created") > 0
    problems = stack.wait_for(lambda: wanted, _windowed)
    assert not problems, "\n".join(problems[:40])


def test_business_hours_across_dst_and_a_holiday_equal_the_oracle_in_event_time(
    stack: Stack, tmp_path: Path
) -> None:
    """A week of history across a weekend, a holiday and the end of DST, replayed into an
    event-clock worker with its own policy and a default schedule (SUPPORTKPI_SCHEDULE) for the
    tickets whose policy names none: the business-hours and status times equal the oracle's."""
    import yaml

    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump(SCHEDULED))
    events = trace.build(seed=41, now_ms=AFTER_DST, tickets=80).events
    events.sort(key=lambda e: oracle.ms(e[1]["occurred_at"]))
    path = tmp_path / "week.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps({"type": t, **e}) for t, e in events) + b"\n")
    stack.worker(clock="event", sla_policy=str(policy), schedule="nights").wait_ready()
    sent, invalid = asyncio.run(replay(stack.settings, path, quiet=True))
    assert (sent, invalid) == (len(events), 0)
    newest = max(oracle.ms(e["occurred_at"]) for _, e in events)
    wanted = _windowed(oracle.expected(events, newest, SCHEDULED, "nights"))
    business = {k for k in wanted if k[0] == "support_resolution_business_seconds_gsum"}
    assert business and any(wanted[k] for k in business)
    problems = stack.wait_for(lambda: wanted, _windowed)
    assert not problems, "\n".join(problems[:40])


def test_who_waits_and_which_breaches_come_equal_the_oracle_in_event_time(
    stack: Stack, tmp_path: Path
) -> None:
    """A week with business hours across DST and a holiday, pauses, reopens and customers
    writing again, replayed through Kafka into an event-clock worker, whose now is the newest
    event: the waiting histogram, the expected breaches per horizon, at risk and breached, as
    scraped, equal the oracle's independent clocks at that instant."""
    import yaml

    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump(LIVE_POLICY))
    events = trace.build(seed=12, now_ms=AFTER_DST, tickets=150, customers=True).events
    events.sort(key=lambda e: oracle.ms(e[1]["occurred_at"]))
    path = tmp_path / "week.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps({"type": t, **e}) for t, e in events) + b"\n")
    stack.worker(clock="event", sla_policy=str(policy)).wait_ready()
    sent, invalid = asyncio.run(replay(stack.settings, path, quiet=True))
    assert (sent, invalid) == (len(events), 0)
    newest = max(oracle.ms(e["occurred_at"]) for _, e in events)
    wanted = oracle_sla.expected_live(events, newest, LIVE_POLICY)
    # the instant exercises pauses and business hours, not only plain running clocks
    live = {f"{name}:{dict(labels).get('sla')}" for (name, labels), v in wanted.items() if v}
    assert "support_waiting_seconds_gcount:next_reply" in live
    assert "support_sla_breaches_expected:periodic_update" in live
    assert any(v and dict(k[1]).get("horizon") == "1d" for k, v in wanted.items()), (
        "no deadline within a day: the business-hours walk ahead is not exercised"
    )
    problems = stack.wait_for(lambda: wanted, oracle_sla.live_samples)
    assert not problems, "\n".join(problems[:40])


def test_validate_command_reports_file_lines(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(
        '{"type": "survey-answered", "event_id": "s", '
        '"occurred_at": "2026-11-23T09:00:00Z", "survey": "nps", "score": 11}\n'
    )
    out = subprocess.run(
        [sys.executable, "-m", "streams", "validate", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 1
    assert f"{path}:1: nps score 11 is outside 0..10" in out.stdout
