"""SLA end to end: breaches found by the clock within seconds, alerts reach Alertmanager."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from streams.domain.events import Kind
from tests.conftest import Stack
from tests.support.builders import created_payload, message, payload, replied_payload
from tests.support.prometheus import Alertmanager, Prometheus
from tests.support.scrape import Sample, parse, summed
from tests.support.tools import ROOT
from tests.support.trace import Message

pytestmark = pytest.mark.e2e

FIRST_RESPONSE_S = 8  # the test policy's urgent first-response target
UPDATE_S = 6  # its urgent periodic-update target, where a test sets one
ALERTMANAGER_CONFIG = ROOT / "deploy/alertmanager/alertmanager.yml"


def _policy(tmp_path: Path, periodic_update: str | None = None) -> str:
    path = tmp_path / "policy.yaml"
    updates = {"periodic_update": periodic_update} if periodic_update else {}
    path.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "at_risk": 0.5,
                "policies": [
                    {
                        "name": "all",
                        "targets": {
                            "urgent": {
                                "first_response": f"{FIRST_RESPONSE_S}s",
                                "resolution": "1h",
                                **updates,
                            },
                            "high": {"first_response": "1h", "resolution": "8h"},
                        },
                    }
                ],
            }
        )
    )
    return str(path)


def _created(ticket: str, at_ms: int, priority: str = "urgent", **fields: object) -> Message:
    """A chat ticket, urgent unless said: the policy's tight target."""
    doc = created_payload(ticket, at_ms, channel="chat", priority=priority, **fields)
    return message(Kind.CREATED, doc)


def _reply(ticket: str, at_ms: int) -> Message:
    return message(Kind.REPLIED, replied_payload(ticket, at_ms, agent_id="A1"))


def _wait(stack: Stack, condition, timeout: float = 60.0) -> dict[Sample, float]:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        samples = stack.scrape()
        if condition(samples):
            return samples
        time.sleep(0.2)
    raise AssertionError(f"condition not met within {timeout}s")


def test_unanswered_urgent_ticket_is_at_risk_then_breached_at_its_deadline(
    stack: Stack, tmp_path: Path
) -> None:
    stack.env["SUPPORTKPI_SLA_POLICY"] = _policy(tmp_path)
    stack.worker().wait_ready()
    now = int(time.time() * 1000)
    # U: urgent, never answered. M: urgent, answered after 3s. H: high, answered in 20 min.
    # P: urgent, answered 30s after creation, both in the past: breached, decided by the reply.
    stack.publish(
        [
            _created("U", now, team="tier1"),
            _created("M", now),
            _reply("M", now + 3000),
            _created("H", now - 30 * 60_000, "high"),
            _reply("H", now - 10 * 60_000),
            _created("P", now - 120_000, team="tier1"),
            _reply("P", now - 90_000),
            message(Kind.UPDATED, payload("P", now - 100_000, team="tier2")),  # a transfer
        ]
    )
    deadline_s = now / 1000 + FIRST_RESPONSE_S

    at_risk = _wait(
        stack,
        lambda s: (
            summed(s, "support_sla_at_risk_tickets", sla="first_response", priority="urgent") == 1
        ),
    )
    assert time.time() < deadline_s, "reported at risk only after the deadline"
    assert summed(at_risk, "support_sla_breached_open_tickets", sla="first_response") == 0
    assert (
        0
        < summed(
            at_risk, "support_sla_next_breach_seconds", sla="first_response", priority="urgent"
        )
        <= FIRST_RESPONSE_S
    )

    breached = _wait(
        stack,
        lambda s: (
            summed(s, "support_sla_breached_open_tickets", sla="first_response", priority="urgent")
            == 1
        ),
    )
    assert time.time() - deadline_s < 5, "breach reported more than 5s after the deadline"
    # the independent account of this trace: U and P breached, M and H met (first response)
    assert (
        summed(
            breached,
            "support_sla_tickets",
            window="1h",
            sla="first_response",
            priority="urgent",
            outcome="breached",
        )
        == 2
    )
    assert (
        summed(
            breached,
            "support_sla_tickets",
            window="1h",
            sla="first_response",
            priority="urgent",
            outcome="met",
        )
        == 1
    )
    assert (
        summed(
            breached,
            "support_sla_tickets",
            window="1h",
            sla="first_response",
            priority="high",
            outcome="met",
        )
        == 1
    )
    # per current team: U in tier1, P moved to tier2 before its reply, M and H have none
    per_team = {
        (team, outcome): summed(
            breached,
            "support_team_sla_tickets",
            window="1h",
            team=team,
            sla="first_response",
            outcome=outcome,
        )
        for team in ("tier1", "tier2", "unknown")
        for outcome in ("met", "breached")
    }
    assert per_team == {
        ("tier1", "met"): 0,
        ("tier1", "breached"): 1,
        ("tier2", "met"): 0,
        ("tier2", "breached"): 1,
        ("unknown", "met"): 2,
        ("unknown", "breached"): 0,
    }
    time.sleep(3)  # more ticks must not count the same breach again
    again = stack.scrape()
    assert (
        summed(again, "support_sla_tickets", window="1h", sla="first_response", outcome="breached")
        == 2
    )


def test_a_silent_gap_between_replies_breaches_periodic_update_at_its_deadline(
    stack: Stack, tmp_path: Path
) -> None:
    stack.env["SUPPORTKPI_SLA_POLICY"] = _policy(tmp_path, periodic_update=f"{UPDATE_S}s")
    stack.worker().wait_ready()
    now = int(time.time() * 1000)
    # G: updated after 2s, then silent. Q: updated once, then resolved within the target.
    stack.publish(
        [
            _created("G", now - 1000),
            _reply("G", now),
            _reply("G", now + 2000),
            _created("Q", now - 1000),
            _reply("Q", now),
            message(Kind.RESOLVED, payload("Q", now + 2000)),
        ]
    )
    deadline_s = (now + 2000) / 1000 + UPDATE_S

    def update_samples(s: dict[Sample, float], family: str, **labels: str) -> float:
        return summed(s, family, sla="periodic_update", priority="urgent", **labels)

    at_risk = _wait(stack, lambda s: update_samples(s, "support_sla_at_risk_tickets") == 1)
    assert time.time() < deadline_s, "reported at risk only after the deadline"
    breached = _wait(stack, lambda s: update_samples(s, "support_sla_breached_open_tickets") == 1)
    assert time.time() - deadline_s < 5, "breach reported more than 5s after the deadline"
    assert update_samples(at_risk, "support_sla_breached_open_tickets") == 0
    # G: one gap met, one breached; Q's cycle ended at the resolution, without an outcome
    decided = {
        outcome: update_samples(breached, "support_sla_tickets", window="1h", outcome=outcome)
        for outcome in ("met", "breached")
    }
    assert decided == {"met": 1, "breached": 1}
    stack.publish([_reply("G", int(time.time() * 1000))])  # the update, late: a new cycle runs
    answered = _wait(stack, lambda s: update_samples(s, "support_sla_breached_open_tickets") == 0)
    assert update_samples(answered, "support_sla_tickets", window="1h", outcome="breached") == 1


def _alerts_named(alertmanager: Alertmanager, name: str) -> list[dict]:
    return [a for a in alertmanager.alerts() if a["labels"].get("alertname") == name]


@pytest.mark.parametrize("answered", [False, True], ids=["breach-pages", "answered-stays-quiet"])
def test_breach_alert_reaches_alertmanager_and_the_quiet_case_stays_quiet(
    stack: Stack, tmp_path: Path, answered: bool
) -> None:
    stack.env["SUPPORTKPI_SLA_POLICY"] = _policy(tmp_path)
    worker = stack.worker()
    worker.wait_ready()
    alertmanager = Alertmanager.start(ALERTMANAGER_CONFIG, tmp_path)
    prometheus = Prometheus.start(
        [f"127.0.0.1:{worker.port}"], tmp_path, alertmanager=alertmanager.address
    )
    try:
        prometheus.wait_for('up{job="supportkpi"} == 1')
        now = int(time.time() * 1000)
        messages = [_created("U", now)]
        if answered:
            messages.append(_reply("U", now + 2000))
        stack.publish(messages)
        deadline = time.monotonic() + 45
        fired: list[dict] = []
        while time.monotonic() < deadline and not fired:
            fired = _alerts_named(alertmanager, "SupportUrgentSLABreached")
            if answered and time.time() > now / 1000 + FIRST_RESPONSE_S + 12:
                break  # well past the deadline plus scrape, evaluation and delivery
            time.sleep(0.5)
        if answered:
            assert fired == []
            assert (
                parse(worker.metrics())[
                    (
                        "support_sla_tickets",
                        (
                            ("outcome", "met"),
                            ("priority", "urgent"),
                            ("sla", "first_response"),
                            ("window", "1h"),
                        ),
                    )
                ]
                == 1
            )
        else:
            assert len(fired) == 1
            assert fired[0]["labels"]["severity"] == "page"
            assert fired[0]["labels"]["sla"] == "first_response"
            assert fired[0]["receivers"][0]["name"] == "support-oncall-pager"
    finally:
        prometheus.stop()
        alertmanager.stop()
