"""A real Prometheus scrapes a live worker and evaluates the shipped recording rules."""

from __future__ import annotations

import time

import pytest

from tests.conftest import Stack
from tests.support import oracle, trace
from tests.support.prometheus import Prometheus

pytestmark = pytest.mark.e2e


def _value(result: list[dict], **labels: str) -> float:
    for sample in result:
        if all(sample["metric"].get(k) == v for k, v in labels.items()):
            return float(sample["value"][1])
    raise AssertionError(f"no sample with {labels} in {result}")


def test_recording_rules_on_live_data_equal_the_oracle(stack: Stack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    worker = stack.worker()
    worker.wait_ready()
    recorded = trace.build(seed=99, now_ms=int(time.time() * 1000), tickets=80)
    stack.publish(recorded.messages)
    wanted = lambda: stack.expected(recorded.events, int(time.time() * 1000))  # noqa: E731
    assert not stack.wait_for(wanted, oracle.kpi_samples)
    expected = wanted()

    def total(name: str, window: str, **match: str) -> float:
        return sum(
            v
            for (n, labels), v in expected.items()
            if n == name
            and ("window", window) in labels
            and all((k, m) in labels for k, m in match.items())
        )

    prometheus = Prometheus.start([f"127.0.0.1:{worker.port}"], tmp_path)
    try:
        assert _value(prometheus.wait_for('up{job="supportkpi"} == 1'), job="supportkpi") == 1
        csat = prometheus.wait_for("window:support_csat:percent")
        satisfied = sum(
            total("support_survey_responses", "7d", survey="csat", score=s) for s in ("4", "5")
        )
        answered = total("support_survey_responses", "7d", survey="csat")
        assert _value(csat, window="7d") == pytest.approx(100 * satisfied / answered)
        one_touch = prometheus.wait_for("window:support_one_touch:ratio")
        assert _value(one_touch, window="24h") == pytest.approx(
            total("support_one_touch_resolutions", "24h") / total("support_tickets_resolved", "24h")
        )
        mean = prometheus.wait_for("window:support_first_response_seconds:mean")
        assert _value(mean, window="7d") == pytest.approx(
            total("support_first_response_seconds_gsum", "7d")
            / total("support_first_response_seconds_gcount", "7d")
        )
        for rule in (
            "window:support_nps:score",
            "window:support_ces:average",
            "window:support_first_response_seconds:p90",
            "window:support_resolution_seconds:p50",
            "priority:support_open_tickets:sum",
        ):
            assert prometheus.wait_for(rule), rule
    finally:
        prometheus.stop()
