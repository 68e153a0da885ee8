"""One row of the KPI table: a KPI id of the domain and the metric family it is exported as."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from streams.metrics.family import Family

WINDOW = "window"  # every windowed family's first label: one of SUPPORTKPI_WINDOWS
DIMS = ("channel", "priority")
TEAM = "team"  # bounded: see SUPPORTKPI_MAX_TEAMS
CATEGORY = "category"  # bounded: see SUPPORTKPI_MAX_CATEGORIES


class Shape(StrEnum):
    GAUGE = "gauge"  # the sum of the amounts in the window
    # a duration histogram: buckets (``le`` in seconds, cumulative) and the sum of the
    # milliseconds observed in the window, exposed in seconds
    GAUGE_HISTOGRAM = "gauge histogram"
    # a histogram of counts (``WindowedKpi.buckets`` are its bounds): exposed as counted
    COUNT_HISTOGRAM = "gauge histogram of counts"


@dataclass(frozen=True)
class WindowedKpi:
    """A KPI id of the domain, and the metric family it is exported as."""

    kpi: str  # a KPI id of ``streams.domain.contributions``
    name: str
    shape: Shape
    labels: tuple[str, ...]  # the names of the series' labels, in the order the domain emits
    help: str
    meaning: str  # for the docs table (markdown)
    buckets: tuple[int, ...] = ()  # a COUNT_HISTOGRAM's upper bounds (then +Inf)
    unit: int = 1  # a GAUGE's amounts per exported unit (score points are kept in thousandths)

    @property
    def family(self) -> Family:
        return Family(self.name, self.help, (WINDOW, *self.labels))
