"""What one scrape reads from the partitions this worker owns, summed over them.

The only code of the metrics layer that reads ``PartitionState``: the windows, the backlog,
the live SLA gauges and the open tickets per team and per category, in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import cast

from streams.domain.partition import PartitionState, ScanShape, SlaGauges
from streams.domain.series import Series


@dataclass(slots=True)
class OpenTickets:
    count: int
    oldest_created_ms: int


@dataclass
class Readout:
    windows: dict[str, dict[Series, int]] = field(default_factory=dict)  # window -> sums
    backlog: dict[tuple[str, str], OpenTickets] = field(default_factory=dict)  # by dims
    open_by_team: dict[str, int] = field(default_factory=dict)
    open_by_category: dict[str, int] = field(default_factory=dict)
    sla: dict[tuple[str, str], SlaGauges] = field(default_factory=dict)  # by (sla, priority)
    sla_shape: ScanShape = field(default_factory=ScanShape)  # what those gauges' lists count by


def read(partitions: Iterable[PartitionState]) -> Readout:
    """Changes nothing a reader sees: the runtime advances each state's clock (in the agent and
    a timer); reading the windows' totals only folds in their buffered additions."""
    out = Readout()
    for state in partitions:
        # the windows hold only the series of contributions
        _add_windows(out.windows, cast(Mapping[str, Mapping[Series, int]], state.windows.totals()))
        out.sla_shape = state.sla_shape  # one policy, so one shape, for every partition
        for sla_key, gauges in state.sla_now.items():
            out.sla.setdefault(sla_key, SlaGauges()).merge(gauges)
        for team, count in state.open_by_team.items():
            out.open_by_team[team] = out.open_by_team.get(team, 0) + count
        for category, count in state.open_by_category.items():
            out.open_by_category[category] = out.open_by_category.get(category, 0) + count
        for dims, opened in state.backlog().items():
            entry = out.backlog.get(dims)
            if entry is None:
                out.backlog[dims] = OpenTickets(opened.tickets, opened.oldest_created_ms)
            else:
                entry.count += opened.tickets
                entry.oldest_created_ms = min(entry.oldest_created_ms, opened.oldest_created_ms)
    return out


def _add_windows(
    into: dict[str, dict[Series, int]], totals: Mapping[str, Mapping[Series, int]]
) -> None:
    for window, sums in totals.items():
        merged = into.setdefault(window, {})
        for series, value in sums.items():
            merged[series] = merged.get(series, 0) + value
