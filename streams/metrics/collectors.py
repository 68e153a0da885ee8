"""Custom collectors: read domain state at scrape time, never keep a copy of it.

Register them on a registry you own (``CollectorRegistry(auto_describe=False)``), one per worker
or per test; nothing here touches the global default registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeHistogramMetricFamily,
    GaugeMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from streams.domain import contributions as c
from streams.domain.partition import PartitionState, SlaGauges
from streams.metrics import contract as m
from streams.runtime.stats import ProcessorStats

Counts = dict[Any, int]


def _gauge(family: m.Family) -> GaugeMetricFamily:
    return GaugeMetricFamily(family.name, family.help, labels=family.labels)


class KpiCollector(Collector):
    """Windowed KPIs and backlog, summed over the partitions this worker owns right now."""

    def __init__(
        self,
        partitions: Callable[[], Iterable[PartitionState]],
        clock_ms: Callable[[], int],
        buckets_ms: tuple[int, ...],
    ) -> None:
        self._partitions = partitions
        self._clock_ms = clock_ms
        self._les = [_format_le(b / 1000) for b in buckets_ms] + ["+Inf"]

    def describe(self) -> Iterator[Metric]:
        """Every family, without samples: a scrape restricted to other families
        (``/metrics?name[]=...``) then skips this collector's work."""
        return self._families(())

    def collect(self) -> Iterator[Metric]:
        return self._families(self._partitions())

    def _families(self, partitions: Iterable[PartitionState]) -> Iterator[Metric]:
        now = self._clock_ms()
        windows: dict[str, Counts] = {}
        backlog: dict[tuple[str, str], list[int]] = {}
        by_team: dict[str, int] = {}
        sla: dict[tuple[str, str], SlaGauges] = {}
        for state in partitions:  # read only: the clock is advanced by the runtime's timer
            for name, totals in state.windows.totals().items():
                merged = windows.setdefault(name, {})
                for key, value in totals.items():
                    merged[key] = merged.get(key, 0) + value
            for sla_key, gauges in state.sla_now.items():
                sla.setdefault(sla_key, SlaGauges()).merge(gauges)
            for team, count in state.open_by_team.items():
                by_team[team] = by_team.get(team, 0) + count
            for dims, opened in state.backlog().items():
                entry = backlog.setdefault(dims, [0, opened.oldest_created_ms])
                entry[0] += opened.tickets
                entry[1] = min(entry[1], opened.oldest_created_ms)
        yield from self._windowed(windows)
        open_tickets, oldest_age = _gauge(m.OPEN_TICKETS), _gauge(m.OLDEST_OPEN_AGE)
        for (channel, priority), (count, oldest) in sorted(backlog.items()):
            open_tickets.add_metric([channel, priority], count)
            oldest_age.add_metric([channel, priority], max(0.0, (now - oldest) / 1000))
        yield open_tickets
        yield oldest_age
        at_risk, breached = _gauge(m.SLA_AT_RISK), _gauge(m.SLA_BREACHED_OPEN)
        next_breach = _gauge(m.SLA_NEXT_BREACH)
        for (sla_name, priority), gauges in sorted(sla.items()):
            at_risk.add_metric([sla_name, priority], gauges.at_risk)
            breached.add_metric([sla_name, priority], gauges.breached)
            if gauges.next_deadline_ms is not None:
                next_breach.add_metric(
                    [sla_name, priority], max(0.0, (gauges.next_deadline_ms - now) / 1000)
                )
        yield at_risk
        yield breached
        yield next_breach
        team_open = _gauge(m.TEAM_OPEN_TICKETS)
        for team, count in sorted(by_team.items()):
            if count:
                team_open.add_metric([team], count)
        yield team_open

    def _windowed(self, windows: dict[str, Counts]) -> Iterator[Metric]:
        simple = {
            c.CREATED: _gauge(m.TICKETS_CREATED),
            c.RESOLVED: _gauge(m.TICKETS_RESOLVED),
            c.ONE_TOUCH: _gauge(m.ONE_TOUCH),
            c.REOPENED: _gauge(m.TICKETS_REOPENED),
        }
        sla_tickets = _gauge(m.SLA_TICKETS)
        per_team = {
            c.TEAM_CREATED: _gauge(m.TEAM_TICKETS_CREATED),
            c.TEAM_RESOLVED: _gauge(m.TEAM_TICKETS_RESOLVED),
        }
        surveys, score_sums = _gauge(m.SURVEY_RESPONSES), _gauge(m.SURVEY_SCORE_SUM)
        histograms = {
            c.FRT: (
                GaugeHistogramMetricFamily(
                    m.FIRST_RESPONSE.name, m.FIRST_RESPONSE.help, labels=m.FIRST_RESPONSE.labels
                ),
                c.FRT_SUM,
                c.FRT_COUNT,
            ),
            c.RESOLUTION: (
                GaugeHistogramMetricFamily(
                    m.RESOLUTION.name, m.RESOLUTION.help, labels=m.RESOLUTION.labels
                ),
                c.RESOLUTION_SUM,
                c.RESOLUTION_COUNT,
            ),
            c.NRT: (
                GaugeHistogramMetricFamily(
                    m.NEXT_REPLY.name, m.NEXT_REPLY.help, labels=m.NEXT_REPLY.labels
                ),
                c.NRT_SUM,
                c.NRT_COUNT,
            ),
        }
        for window, totals in windows.items():
            for key, value in sorted(totals.items(), key=_sort_key):
                family = key[0]
                if family in simple:
                    simple[family].add_metric([window, key[1], key[2]], value)
                elif family in per_team:
                    per_team[family].add_metric([window, key[1]], value)
                elif family == c.SURVEY:
                    surveys.add_metric([window, key[1], str(key[2]), key[3], key[4]], value)
                elif family == c.SLA:
                    sla_tickets.add_metric([window, key[1], key[2], key[3]], value)
                elif family == c.SURVEY_SCORE_SUM:
                    score_sums.add_metric([window, key[1], key[2], key[3]], value)
            for family, (hist, sum_family, count_family) in histograms.items():
                self._histograms(hist, window, totals, family, sum_family, count_family)
        yield from simple.values()
        yield from per_team.values()
        yield sla_tickets
        yield surveys
        yield score_sums
        for hist, _, _ in histograms.values():
            yield hist

    def _histograms(
        self,
        hist: GaugeHistogramMetricFamily,
        window: str,
        totals: Counts,
        family: str,
        sum_family: str,
        count_family: str,
    ) -> None:
        per_dims: dict[tuple[str, str], list[int]] = {}
        for key, value in totals.items():
            if key[0] == family:
                per_dims.setdefault((key[1], key[2]), [0] * len(self._les))[key[3]] += value
        for dims, counts in sorted(per_dims.items()):
            cumulative, running = [], 0
            for le, n in zip(self._les, counts, strict=True):
                running += n
                cumulative.append((le, float(running)))
            gsum = totals.get((sum_family, *dims), 0) / 1000
            hist.add_metric([window, *dims], cumulative, gsum)


class HealthCollector(Collector):
    """Per-worker processing health: outcomes, newest event time, lag, owned partitions."""

    def __init__(
        self,
        stats: ProcessorStats,
        owned: Callable[[], Iterable[PartitionState]],
        topics: Iterable[str],
        folded: Callable[[], dict[str, int]] = dict,
        rewinds: Callable[[], int] = lambda: 0,
        stalled: Callable[[], Mapping[str, bool]] = dict,
    ) -> None:
        self._stats = stats
        self._stalled = stalled
        self._rewinds = rewinds
        self._owned = owned
        self._topics = tuple(topics)
        self._folded = folded

    def describe(self) -> Iterator[Metric]:
        """Every family (see ``KpiCollector.describe``)."""
        families = list(self.collect())
        if not any(f.name == m.LAST_EVENT_TIMESTAMP.name for f in families):
            families.append(
                GaugeMetricFamily(m.LAST_EVENT_TIMESTAMP.name, m.LAST_EVENT_TIMESTAMP.help)
            )
        return iter(families)

    def collect(self) -> Iterator[Metric]:
        stats = self._stats
        events = CounterMetricFamily(m.EVENTS.name, m.EVENTS.help, labels=m.EVENTS.labels)
        counts = dict(stats.events)
        for topic in self._topics:  # every documented series exists from the start, at zero
            for outcome in m.OUTCOMES:
                counts.setdefault((topic, outcome), 0)
        for (topic, outcome), value in sorted(counts.items()):
            events.add_metric([topic, outcome], value)
        yield events
        yield CounterMetricFamily(
            m.ORPHANED_EVENTS.name, m.ORPHANED_EVENTS.help, value=stats.orphaned
        )
        folded = CounterMetricFamily(
            m.FOLDED_LABEL_VALUES.name,
            m.FOLDED_LABEL_VALUES.help,
            labels=m.FOLDED_LABEL_VALUES.labels,
        )
        for label, value in sorted(self._folded().items()):
            folded.add_metric([label], value)
        yield folded
        yield CounterMetricFamily(m.REBALANCES.name, m.REBALANCES.help, value=stats.rebalances)
        yield CounterMetricFamily(m.REWINDS.name, m.REWINDS.help, value=self._rewinds())
        yield CounterMetricFamily(
            m.QUARANTINED_RECORDS.name, m.QUARANTINED_RECORDS.help, value=stats.quarantined
        )
        stalled = _gauge(m.PROCESSING_STALLED)
        for stage, is_stalled in sorted(self._stalled().items()):
            stalled.add_metric([stage], 1 if is_stalled else 0)
        yield stalled
        if stats.last_event_ms is not None:
            yield GaugeMetricFamily(
                m.LAST_EVENT_TIMESTAMP.name,
                m.LAST_EVENT_TIMESTAMP.help,
                value=stats.last_event_ms / 1000,
            )
        lag = _gauge(m.CONSUMER_LAG)
        for (topic, partition), value in sorted(stats.lag.items()):
            lag.add_metric([topic, str(partition)], value)
        yield lag
        yield GaugeMetricFamily(
            m.OWNED_PARTITIONS.name, m.OWNED_PARTITIONS.help, value=len(list(self._owned()))
        )


def _format_le(seconds: float) -> str:
    return str(int(seconds)) if seconds == int(seconds) else repr(seconds)


def _sort_key(item: tuple[Any, int]) -> tuple[str, ...]:
    return tuple(str(part) for part in item[0])
