"""The windowed KPIs as metric families: one loop over the rows of the KPI table."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from prometheus_client.core import GaugeHistogramMetricFamily, GaugeMetricFamily, Metric

from streams.domain.series import SUM, Series
from streams.metrics.kpis import Shape, WindowedKpi

Totals = Mapping[Series, int]
#: one KPI's series and their sums, per window (in the windows' order)
PerWindow = dict[str, dict[Series, int]]


def windowed_families(
    rows: Iterable[WindowedKpi], windows: Mapping[str, Totals], les: list[str]
) -> Iterator[Metric]:
    """A family per row, in the rows' order; ``les`` are the buckets' bounds, then +Inf."""
    by_kpi = _by_kpi(windows)
    for row in rows:
        per_window = by_kpi.get(row.kpi, {})
        if row.shape is Shape.GAUGE_HISTOGRAM:
            yield _histogram(row, per_window, les, 1000)  # the sums are milliseconds
        elif row.shape is Shape.COUNT_HISTOGRAM:
            yield _histogram(row, per_window, [*map(str, row.buckets), "+Inf"], 1)
        else:
            yield _gauge(row, per_window)


def _by_kpi(windows: Mapping[str, Totals]) -> dict[str, PerWindow]:
    """The windows' totals split by KPI id."""
    out: dict[str, PerWindow] = {}
    for window, totals in windows.items():
        for series, value in totals.items():
            out.setdefault(series.kpi, {}).setdefault(window, {})[series] = value
    return out


def _gauge(row: WindowedKpi, per_window: PerWindow) -> Metric:
    family = GaugeMetricFamily(row.name, row.help, labels=row.family.labels)
    for window, sums in per_window.items():
        for series, value in sorted(sums.items()):
            family.add_metric(
                [window, *series.labels], value / row.unit if row.unit != 1 else value
            )
    return family


def _histogram(row: WindowedKpi, per_window: PerWindow, les: list[str], unit: int) -> Metric:
    """A gauge histogram; its sums are divided by ``unit`` (ms to s, or counts as they are)."""
    family = GaugeHistogramMetricFamily(row.name, row.help, labels=row.family.labels)
    for window, sums in per_window.items():
        buckets: dict[tuple[str, ...], list[int]] = {}
        total_ms: dict[tuple[str, ...], int] = {}
        for series, value in sums.items():
            if series.bucket == SUM:
                total_ms[series.labels] = value
            else:
                buckets.setdefault(series.labels, [0] * len(les))[series.bucket] += value
        for labels, counts in sorted(buckets.items()):
            cumulative, running = [], 0
            for le, count in zip(les, counts, strict=True):
                running += count
                cumulative.append((le, float(running)))
            family.add_metric([window, *labels], cumulative, total_ms.get(labels, 0) / unit)
    return family
