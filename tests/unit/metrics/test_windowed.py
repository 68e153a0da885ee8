"""The windowed export is generic: a row of the KPI table is all a new KPI needs."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from streams.domain.series import SUM, Series
from streams.metrics.kpis import Shape, WindowedKpi
from streams.metrics.windowed import windowed_families

ANSWERS = WindowedKpi(
    "answers", "support_answers", Shape.GAUGE, ("team",), help="Answers.", meaning="answers"
)
WAIT = WindowedKpi(
    "wait", "support_wait_seconds", Shape.GAUGE_HISTOGRAM, ("team",), help="Wait.", meaning="wait"
)
LES = ["60", "+Inf"]


class _Families(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> list[Metric]:
        return self.families


def _text(windows: dict[str, dict[Series, int]]) -> str:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families(list(windowed_families([ANSWERS, WAIT], windows, LES))))
    return generate_latest(registry).decode()


def test_a_new_gauge_row_is_exported_per_window_with_its_labels_sorted() -> None:
    text = _text(
        {
            "1h": {Series("answers", ("b",)): 2, Series("answers", ("a",)): 1},
            "24h": {Series("answers", ("a",)): 5},
        }
    )
    assert (
        'support_answers{team="a",window="1h"} 1.0\n'
        'support_answers{team="b",window="1h"} 2.0\n'
        'support_answers{team="a",window="24h"} 5.0\n'
    ) in text


def test_a_new_histogram_row_is_cumulative_with_its_sum_in_seconds() -> None:
    text = _text(
        {
            "1h": {
                Series("wait", ("a",), 0): 1,
                Series("wait", ("a",), 1): 2,
                Series("wait", ("a",), SUM): 150_000,
            }
        }
    )
    assert 'support_wait_seconds_bucket{le="60",team="a",window="1h"} 1.0' in text
    assert 'support_wait_seconds_bucket{le="+Inf",team="a",window="1h"} 3.0' in text
    assert 'support_wait_seconds_gcount{team="a",window="1h"} 3.0' in text
    assert 'support_wait_seconds_gsum{team="a",window="1h"} 150.0' in text


def test_a_row_without_samples_is_still_described_and_other_kpis_are_left_alone() -> None:
    text = _text({"1h": {Series("unrelated", ("x",)): 1}})
    assert "# TYPE support_answers gauge" in text
    assert "# TYPE support_wait_seconds histogram" in text
    assert "unrelated" not in text and 'x"' not in text
