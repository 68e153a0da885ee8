"""The exporter: names and labels from the contract, cumulative histograms, lint-clean text."""

from __future__ import annotations

import subprocess
from functools import partial

from prometheus_client import CollectorRegistry, generate_latest

from streams.domain.contributions import KpiModel
from streams.domain.events import Event, Kind
from streams.domain.partition import PartitionState
from streams.domain.sla.policy import parse_policy
from streams.metrics import contract
from streams.metrics.collectors import HealthCollector, KpiCollector
from streams.runtime.clock import EventClock
from streams.runtime.stats import ProcessorStats
from tests.support import oracle, oracle_sla, trace
from tests.support.builders import NOW, H, partition_state, spread_over_partitions
from tests.support.schedules import AFTER_DST, LIVE_POLICY, SCHEDULED
from tests.support.scrape import Sample, parse
from tests.support.tools import require
from tests.support.trace import Trace


def _registry(
    states: list[PartitionState], stats: ProcessorStats | None = None
) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(KpiCollector(lambda: states, lambda: NOW, KpiModel().buckets_ms))
    registry.register(
        HealthCollector(stats or ProcessorStats(EventClock()), lambda: states, ["t-created"])
    )
    return registry


def _state() -> PartitionState:
    state = partition_state({"1h": H, "24h": 24 * H})
    state.apply(Event(Kind.CREATED, "c1", NOW - 600_000, "T1", channel="chat", priority="high"))
    state.apply(Event(Kind.REPLIED, "r1", NOW - 300_000, "T1", counts_as_response=True))
    state.apply(Event(Kind.SURVEY, "s1", NOW - 1000, "T1", survey="nps", score=9))
    return state


def test_partitions_are_summed_and_histograms_are_cumulative_gauge_histograms() -> None:
    samples = parse(generate_latest(_registry([_state(), _state()])).decode())
    dims = (("channel", "chat"), ("priority", "high"), ("window", "1h"))
    assert samples[("support_tickets_created", dims)] == 2
    frt = "support_first_response_seconds"

    def bucket(le: str) -> float:
        return samples[(frt + "_bucket", tuple(sorted((*dims, ("le", le)))))]

    assert (bucket("60"), bucket("300"), bucket("+Inf")) == (0, 2, 2)
    assert samples[(frt + "_gcount", dims)] == 2
    assert samples[(frt + "_gsum", dims)] == 600.0
    survey = (
        ("channel", "chat"),
        ("priority", "high"),
        ("score", "9"),
        ("survey", "nps"),
        ("window", "1h"),
    )
    assert samples[("support_survey_responses", survey)] == 2
    assert samples[("support_open_tickets", dims[:2])] == 2
    assert samples[("support_oldest_open_ticket_age_seconds", dims[:2])] == 600.0


def test_every_exported_family_is_in_the_contract() -> None:
    stats = ProcessorStats(EventClock())
    stats.count("t-created", "processed")
    stats.clock.saw(NOW)
    stats.lag[("t-created", 0)] = 3
    text = generate_latest(_registry([_state()], stats)).decode()
    names = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")}
    documented = {f.name for f in contract.ALL_FAMILIES}
    for name in names:
        base = name.removesuffix("_gcount").removesuffix("_gsum").removesuffix("_total")
        assert name in documented or base in documented, name


def test_outcome_series_exist_at_zero_before_any_event() -> None:
    samples = parse(generate_latest(_registry([])).decode())
    for outcome in ("processed", "duplicate", "invalid", "late"):
        key = ("support_events_total", (("outcome", outcome), ("topic", "t-created")))
        assert samples[key] == 0


def test_exposition_passes_promtool_check_metrics() -> None:
    text = generate_latest(_registry([_state()])).decode()
    result = subprocess.run(
        [require("promtool"), "check", "metrics"],
        input=text,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_scrape_restricted_by_name_runs_only_the_collector_that_serves_it() -> None:
    states = [_state()]
    visits: list[int] = []

    def partitions() -> list[PartitionState]:
        visits.append(1)
        return states

    stats = ProcessorStats(EventClock())
    stats.events["t-created", "processed"] = 3
    registry = CollectorRegistry(auto_describe=False)
    registry.register(KpiCollector(partitions, lambda: NOW, KpiModel().buckets_ms))
    registry.register(HealthCollector(stats, lambda: states, ["t-created"]))
    visits.clear()  # registering describes each collector once
    text = generate_latest(registry.restricted_registry(["support_events_total"])).decode()
    families = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")}
    assert families == {"support_events_total"}
    assert 'support_events_total{outcome="processed",topic="t-created"} 3.0' in text
    assert visits == []  # the KPI collector did no work
    full = parse(generate_latest(registry).decode())
    assert visits == [1]
    assert any(name == "support_tickets_created" for name, _ in full)  # unrestricted: all


def test_a_scrape_only_reads_the_state_and_never_moves_its_clock() -> None:
    state = _state()
    registry = CollectorRegistry(auto_describe=False)
    registry.register(KpiCollector(lambda: [state], lambda: NOW + 48 * H, KpiModel().buckets_ms))
    before = (state.now_ms, dict(state.windows.totals()["24h"]), state.backlog())
    samples = parse(generate_latest(registry).decode())
    assert (state.now_ms, dict(state.windows.totals()["24h"]), state.backlog()) == before
    dims = (("channel", "chat"), ("priority", "high"), ("window", "24h"))
    assert samples[("support_tickets_created", dims)] == 1  # the windows as last advanced
    assert samples[("support_oldest_open_ticket_age_seconds", dims[:2])] == 48 * 3600 + 600


def _trace_scrape(recorded: Trace, now_ms: int, model: KpiModel) -> dict[Sample, float]:
    """The KPI samples of ``recorded`` from decode, state and collector alone: shuffled, over
    two partitions summed by the collector, contacts re-keyed by customer as the router does."""
    import random
    import zlib

    from streams.domain.contacts import contact_of
    from streams.domain.customer_digest import UNSET_KEY
    from streams.domain.events import InvalidEvent, decode

    states = [partition_state(model=model, now_ms=now_ms) for _ in range(2)]
    messages = list(recorded.messages)
    random.Random(9).shuffle(messages)
    for message in messages:
        try:
            event = decode(message.value, Kind(message.topic))
        except InvalidEvent:
            continue
        states[zlib.crc32(event.record_key.encode()) % 2].apply(event)
        contact = contact_of(event, UNSET_KEY)
        if contact is not None:
            owner = states[zlib.crc32(contact.customer.encode()) % 2]
            owner.customers.apply(contact, owner.late_before_ms)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(KpiCollector(lambda: states, lambda: now_ms, model.buckets_ms))
    return oracle.kpi_samples(parse(generate_latest(registry).decode()))


def test_the_scrape_of_a_shuffled_trace_equals_the_oracle_in_process() -> None:
    """The oracle's families (categories among them) from decode, state and collector alone:
    the e2e tests check the same through Kafka, this one in the unit suite."""
    recorded = trace.build(seed=3, now_ms=NOW, tickets=80)
    assert any(topic == "ticket-updated" for topic, _ in recorded.events)  # recategorised
    scraped = _trace_scrape(recorded, NOW, KpiModel())
    wanted = oracle.expected(recorded.events, NOW)
    assert any(name.startswith("support_category_") for name, _ in wanted)
    assert any(name == "support_ticket_transfers" for name, _ in wanted)
    assert any(name == "support_survey_answer_seconds_gsum" for name, _ in wanted)
    assert any(name == "support_repeat_contact_customers" for name, _ in wanted)
    assert any(name == "support_contained_resolutions" for name, _ in wanted)
    assert any("/" in dict(labels).get("score", "") for _, labels in wanted)  # other scales
    assert oracle.differences(scraped, wanted) == []


def test_business_hours_and_status_times_equal_the_oracle_across_dst_and_a_holiday() -> None:
    """The tech team's policy names no schedule: its tickets are timed on the default one."""
    policy = parse_policy(SCHEDULED)
    model = KpiModel(sla=policy, default_schedule=policy.schedules["nights"])
    recorded = trace.build(seed=5, now_ms=AFTER_DST, tickets=120)
    scraped = _trace_scrape(recorded, AFTER_DST, model)
    wanted = oracle.expected(recorded.events, AFTER_DST, SCHEDULED, "nights")
    business = "support_resolution_business_seconds_gsum"
    plain = {labels: v for (name, labels), v in wanted.items() if name == business}
    assert plain and any(  # business hours differ from calendar time somewhere
        v != wanted[("support_resolution_seconds_gsum", labels)] for labels, v in plain.items()
    )
    assert sum(v for (n, _), v in wanted.items() if n == "support_on_hold_seconds_gsum") > 0
    assert oracle.differences(scraped, wanted) == []


def test_who_waits_and_which_breaches_come_equal_the_oracle_at_two_clocks() -> None:
    """Business hours across DST and a holiday, pauses, reopens and customers writing again:
    the scan's pass, read by the collector, equals the oracle's independent clocks."""
    model = KpiModel(sla=parse_policy(LIVE_POLICY))
    recorded = trace.build(seed=11, now_ms=AFTER_DST, tickets=200, customers=True)
    assert any(topic == "customer-replied" for topic, _ in recorded.events)
    states = spread_over_partitions(recorded.messages, model, AFTER_DST)
    seen: set[str] = set()
    for now_ms in (AFTER_DST, AFTER_DST + 3 * H + 17 * 60_000):
        for state in states:
            state.advance(now_ms)
            state.tick()
        registry = CollectorRegistry(auto_describe=False)
        clock = partial(int, now_ms)
        registry.register(KpiCollector(lambda: states, clock, model.buckets_ms))
        scraped = oracle_sla.live_samples(parse(generate_latest(registry).decode()))
        wanted = oracle_sla.expected_live(recorded.events, now_ms, LIVE_POLICY)
        assert oracle.differences(scraped, wanted) == []
        seen |= {
            f"{name}:{dict(labels).get('sla')}" for (name, labels), value in wanted.items() if value
        }
    # the comparison covered every kind of clock and every family
    for sla in ("first_response", "next_reply", "resolution", "periodic_update"):
        assert f"support_sla_breaches_expected:{sla}" in seen
    for sla in ("first_response", "next_reply"):
        assert f"support_waiting_seconds_gcount:{sla}" in seen
    assert "support_sla_at_risk_tickets:next_reply" in seen
    assert "support_sla_breached_open_tickets:first_response" in seen
