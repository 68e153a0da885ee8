"""The benchmark runs end to end at a small size (a smoke run: no timing is asserted)."""

from __future__ import annotations

import time

import pytest

from streams.config import Settings
from streams.devtools.bench import footprint, run, throughput
from streams.domain import CORE
from tests.support import oracle, scrape
from tests.support.processes import Broker

pytestmark = pytest.mark.e2e


def test_benchmark_smoke_run_accounts_for_every_event() -> None:
    bench = run.main(
        run.Plan(
            events=2000,
            repeat=1,
            latency_s=2.0,
            latency_rate=200,
            recovery_tickets=500,
            core_events=2000,
            backfill_events=1000,
        )
    )
    table = bench.summary
    # throughput.supportkpi raises unless /metrics accounted for exactly the events published; and
    # the KPIs it showed then are exact
    now_ms = int(time.time() * 1000)
    assert (
        oracle.differences(
            oracle.kpi_samples(scrape.parse(bench.final_metrics)),
            oracle.expected(bench.published, now_ms, oracle.policy_doc(Settings().sla_policy_path)),
        )
        == []
    )
    for variant in throughput.VARIANTS:
        assert f"| {variant} |" in table
    assert "supportkpi / faust-floor" in table
    assert "| core SLA on / orjson.loads |" in table
    figures = ["| p99 |", "| 2 workers |", "| 2 / 1 |", "| all tickets back s |"]
    figures += ["| of which reading the changelog s |", "| of which loading the records s |"]
    figures += ["| replay s |", "| worker s |", "| end to end s |"]  # the backfill
    if CORE == "compiled":  # each round runs the pure core too, for their ratio
        figures.append("| compiled core / pure core, SLA on |")
    for figure in figures:
        assert figure in table, figure


def test_footprint_measurement_runs() -> None:
    result = footprint.state_footprint(5000, "in progress")
    assert result["open_tickets"] == 5000  # state_footprint checks the backlog holds them all
    assert result["metrics_series"] > 0 and result["metrics_render_ms"] > 0


def test_ingest_benchmark_smoke_run() -> None:
    from streams.devtools.bench import ingest

    # _http raises unless every batch was answered 202
    table = ingest.main(count=1000, repeat=1, batch=50, clients=2)
    assert "| HTTP ingest |" in table and "| ingest / direct |" in table


def test_sends_benchmark_smoke_run(broker: Broker) -> None:
    import asyncio

    from streams.devtools.bench import sends

    # every send is confirmed by the broker (gather raises for a refused one)
    results = asyncio.run(sends.measure(broker.bootstrap, 300, 1))
    assert set(results) == {"one by one", "batched"}
    assert all(len(values) == 1 and values[0] > 0 for values in results.values())
