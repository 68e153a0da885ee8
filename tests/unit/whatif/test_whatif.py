"""The what-if: the same decisions as the worker's incremental evaluation, the comparison's
arithmetic, its files, and a bad candidate named by place."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import orjson
import pytest
import yaml

from streams.cli import main
from streams.config import Settings
from streams.domain import contributions as c
from streams.domain.events import InvalidEvent, Kind, decode
from streams.domain.sla.policy import parse_policy
from streams.runtime.clock import EventClock
from streams.runtime.states import StateFactory
from streams.whatif import history, outcomes, report
from streams.whatif.compare import compare
from streams.whatif.outcomes import Decided
from tests.support import oracle, trace
from tests.support.builders import D
from tests.support.schedules import AFTER_DST, LIVE_POLICY
from tests.support.tools import ROOT


def _history_file(tmp_path: Path) -> tuple[Path, list[tuple[str, dict]]]:
    """A week with business hours, pauses and customers writing again, inside 30 days."""
    events = trace.build(seed=13, now_ms=AFTER_DST, tickets=150, customers=True).events
    events = [e for e in events if oracle.ms(e[1]["occurred_at"]) > AFTER_DST - 20 * D]
    events += _reopened_and_updated()
    path = tmp_path / "history.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps({"type": t, **e}) for t, e in events) + b"\n")
    return path, events


def _reopened_and_updated() -> list[tuple[str, dict]]:
    """A tech ticket (periodic updates due every 2 business hours) resolved, reopened, then
    updated after 2.5 and 0.5 hours: cycles start again after a reopen, one breaches."""
    day = AFTER_DST - D - 7 * 3_600_000  # Tuesday 27 October, 08:00 UTC, 09:00 in Berlin
    steps = [
        ("ticket-created", 0, {"channel": "chat", "priority": "urgent", "team": "tech"}),
        ("agent-replied", 10, {"agent_id": "a"}),
        ("ticket-resolved", 20, {}),
        ("ticket-reopened", 60, {}),
        ("agent-replied", 90, {"agent_id": "a"}),
        ("agent-replied", 240, {"agent_id": "a"}),
        ("agent-replied", 270, {"agent_id": "a"}),
    ]
    return [
        (kind, {"event_id": f"reopen-{n}", "ticket_id": "REOPENED-1",
                "occurred_at": trace.rfc3339(day + minutes * 60_000), **fields})
        for n, (kind, minutes, fields) in enumerate(steps)
    ]  # fmt: skip


def _worker_counts(events: list[tuple[str, dict]], settings: Settings) -> Counter:
    """What a worker's 30d window holds of decided clocks after the history, by (sla,
    priority, outcome): the events applied in event time, the SLA timer at the end."""
    clock = EventClock(event_time=True)
    ordered = sorted(events, key=lambda e: oracle.ms(e[1]["occurred_at"]))
    clock.saw(oracle.ms(ordered[0][1]["occurred_at"]))
    state = StateFactory(settings, clock)()
    for topic, doc in ordered:
        try:
            event = decode(orjson.dumps(doc), Kind(topic))
        except InvalidEvent:
            continue
        state.advance(event.at_ms)
        state.apply(event)
    state.tick()
    counts: Counter = Counter()
    for key, value in state.windows.totals()["30d"].items():
        if key.kpi == c.SLA:
            counts[key.labels] += value
    return counts


def test_the_decisions_equal_the_worker_evaluating_as_events_come(tmp_path: Path) -> None:
    """Records replayed without a policy, then decided under it, equal a worker's state that
    applied the policy at every event and at its timer."""
    path, events = _history_file(tmp_path)
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(LIVE_POLICY))
    settings = Settings(sla_policy=str(tmp_path / "policy.yaml"))
    past = history.read(path, settings, progress=False)
    assert past.events == len(events) and past.invalid == 0
    decided = outcomes.decided(past.records, parse_policy(LIVE_POLICY), past.newest_ms)
    ours = Counter((d.sla, d.priority, d.outcome) for d in decided)
    assert ours == _worker_counts(events, settings)
    assert {d.sla for d in decided} == {
        "first_response",
        "next_reply",
        "resolution",
        "periodic_update",
    }
    assert {d.outcome for d in decided} == {"met", "breached"}


def _decided(ticket: str, sla: str, outcome: str, day: int, priority: str = "high") -> Decided:
    return Decided(ticket, "rest", sla, priority, outcome, AFTER_DST + day * D)


def test_the_comparison_counts_tickets_whose_breaches_appear_or_disappear() -> None:
    current = [
        _decided("A", "first_response", "breached", 0),
        _decided("B", "first_response", "met", 0),
        _decided("C", "first_response", "breached", 1),
        _decided("C", "resolution", "met", 1),
    ]
    candidate = [
        _decided("A", "first_response", "met", 0),
        _decided("B", "first_response", "breached", 0),
        _decided("C", "first_response", "breached", 1),
        _decided("C", "resolution", "breached", 1),
    ]
    result = compare(current, candidate)
    first, resolution = result.rows
    assert (first.sla, first.current.compliance, first.candidate.compliance) == (
        "first_response", 1 / 3, 1 / 3,
    )  # fmt: skip
    assert first.difference == 0 and first.appear == ["B"] and first.disappear == ["A"]
    assert resolution.appear == ["C"] and resolution.difference == -1.0
    assert result.tickets == 3
    day0, day1 = result.daily.values()
    assert (day0[0].met, day0[0].breached, day1[1].breached) == (1, 1, 2)


def test_the_table_the_csv_and_the_chart(tmp_path: Path) -> None:
    current = [
        _decided(f"T{n}", "first_response", "met" if n % 3 else "breached", n % 2) for n in range(9)
    ]
    candidate = [
        _decided(f"T{n}", "first_response", "met" if n % 4 else "breached", n % 2) for n in range(9)
    ]
    result = compare(current, candidate)
    text = report.render(result, "policy.yaml", "candidate.yaml", sample=2)
    rows = [line.split() for line in text.splitlines()]
    assert [
        "first_response",
        "high",
        "66.7%",
        "(6/9)",
        "66.7%",
        "(6/9)",
        "+0.0",
        "pp",
        "2",
        "2",
    ] in rows
    assert ["all", "66.7%", "(6/9)", "66.7%", "(6/9)", "+0.0", "pp"] in rows
    assert "  first_response high: 2 appear: T4, T8" in text
    assert "  first_response high: 2 disappear: T3, T6" in text
    report.write_csv(result, tmp_path / "out.csv")
    (row,) = list(csv.DictReader((tmp_path / "out.csv").open()))
    assert row["current compliance"] == "0.666667" and row["breaches appear"] == "2"
    from streams.whatif import chart

    chart.write_png(result, tmp_path / "out.png", "current", "candidate")
    assert (tmp_path / "out.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("change", "names"),
    [
        (
            lambda d: d["policies"][0]["targets"]["urgent"].update(first_response="soon"),
            "policies[0] (tech).targets.urgent.first_response",
        ),
        (
            lambda d: d.update(lookahead={"horizons": ["15m"], "page": {"within": "1h"}}),
            "lookahead.page.within",
        ),
    ],
)
def test_a_bad_candidate_fails_with_its_file_and_place(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change,
    names: str,  # type: ignore[no-untyped-def]
) -> None:
    path, _ = _history_file(tmp_path)
    current = tmp_path / "current.yaml"
    current.write_text(yaml.safe_dump(LIVE_POLICY))
    doc = yaml.safe_load(yaml.safe_dump(LIVE_POLICY))
    change(doc)
    candidate = tmp_path / "candidate.yaml"
    candidate.write_text(yaml.safe_dump(doc))
    code = main(
        [
            "sla",
            "whatif",
            "--quiet",
            "--current",
            str(current),
            "--policy",
            str(candidate),
            str(path),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and str(candidate) in err and names in err, err


def test_a_candidate_that_is_not_yaml_is_named_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = _history_file(tmp_path)
    candidate = tmp_path / "candidate.yaml"
    candidate.write_text("policies: [\n")
    code = main(["sla", "whatif", "--quiet", "--policy", str(candidate), str(path)])
    err = capsys.readouterr().err
    assert code == 2 and f"{candidate}: not valid YAML" in err and "line 2" in err, err


def test_the_decisions_equal_the_oracle(tmp_path: Path) -> None:
    """Every decided clock, by SLA, priority and outcome, as the oracle decides them from the
    docs' table (no code of the core): business hours, pauses, reopens, periodic updates."""
    from tests.support import oracle_outcomes

    path, events = _history_file(tmp_path)
    past = history.read(path, Settings(), progress=False)
    decided = outcomes.decided(past.records, parse_policy(LIVE_POLICY), past.newest_ms)
    ours = Counter((d.sla, d.priority, d.outcome) for d in decided)
    assert ours == oracle_outcomes.decided_counts(events, past.newest_ms, LIVE_POLICY)


def test_a_month_of_simulated_traffic_decides_as_the_oracle(tmp_path: Path) -> None:
    """Four weeks of the simulator (escalations, reopens, statuses, customers writing again)
    under the shipped policy (business hours, pauses): the same decisions as the oracle's."""
    import time

    from streams.devtools.simulate import Simulator
    from streams.domain.sla.policy import load_policy
    from tests.support import oracle_outcomes

    now = int(time.time() * 1000)
    simulator = Simulator(seed=8, tickets_per_s=0.003, speed=1, start_ms=now - 28 * D)
    events = []
    for kind, payload in simulator.events():
        if oracle.ms(str(payload["occurred_at"])) > now - 3_600_000:
            break
        events.append((kind.value, dict(payload)))
    path = tmp_path / "month.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps({"type": t, **e}) for t, e in events) + b"\n")
    shipped = ROOT / "deploy/sla/policy.yaml"
    past = history.read(path, Settings(), progress=False)
    decided = outcomes.decided(past.records, load_policy(str(shipped)), past.newest_ms)
    ours = Counter((d.sla, d.priority, d.outcome) for d in decided)
    doc = yaml.safe_load(shipped.read_text())
    assert ours == oracle_outcomes.decided_counts(events, past.newest_ms, doc)
    assert sum(v for k, v in ours.items() if k[2] == "breached") > 100
    assert {t for t, _ in events} >= {"ticket-reopened", "ticket-updated", "customer-replied"}


def test_an_event_the_core_cannot_apply_is_counted_and_the_rest_replayed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As in the worker, where it is dead-lettered as failed: that event alone is lost."""
    path, events = _history_file(tmp_path)
    make_state = history._state

    class Refusing:
        def __init__(self, state: object) -> None:
            self._state = state

        def apply(self, event):  # type: ignore[no-untyped-def]
            if event.event_id == "reopen-6":
                raise ValueError("a broken record")
            return self._state.apply(event)  # type: ignore[attr-defined]

        def __getattr__(self, name: str) -> object:
            return getattr(self._state, name)

    monkeypatch.setattr(history, "_state", lambda *a: Refusing(make_state(*a)))
    past = history.read(path, Settings(), progress=False)
    assert (past.events, past.failed) == (len(events), 1)
    replies = past.records["REOPENED-1"].replies  # four replies, the last one refused
    assert [(r - replies[0]) // 60_000 for r in replies] == [0, 80, 230]
