"""The benchmark runs end to end at a small size (a smoke run: no timing is asserted)."""

from __future__ import annotations

import pytest

from streams.bench import run

pytestmark = pytest.mark.e2e


def test_benchmark_smoke_run_accounts_for_every_event() -> None:
    table = run.main(events=2000, repeat=1, variants=run.VARIANTS)
    # run.supportkpi raises unless /metrics accounted for exactly the events published
    for variant in run.VARIANTS:
        assert f"| {variant} |" in table
    assert "supportkpi / faust-floor" in table


def test_footprint_measurement_runs() -> None:
    result = run.state_footprint(5000)
    assert result["open_tickets"] == 5000
    assert result["metrics_series"] > 0 and result["metrics_render_ms"] > 0


def test_ingest_benchmark_smoke_run() -> None:
    from streams.bench import ingest

    # _http raises unless every batch was answered 202
    table = ingest.main(count=1000, repeat=1, batch=50, clients=2)
    assert "| HTTP ingest |" in table and "| ingest / direct |" in table
