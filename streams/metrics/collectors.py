"""Custom collectors: read domain state at scrape time, never keep a copy of it.

Register them on a registry you own (``CollectorRegistry(auto_describe=False)``), one per worker
or per test; nothing here touches the global default registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import accumulate
from typing import Protocol

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeHistogramMetricFamily,
    GaugeMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from streams.domain.partition import PartitionState
from streams.domain.sla.lookahead import duration_label
from streams.metrics import contract as m
from streams.metrics.family import Family
from streams.metrics.kpis import KPIS
from streams.metrics.readout import Readout, read
from streams.metrics.windowed import windowed_families


def _gauge(family: Family) -> GaugeMetricFamily:
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
        readout = read(partitions)
        yield from windowed_families(KPIS, readout.windows, self._les)
        yield from _live_families(readout, now)


def _live_families(readout: Readout, now: int) -> Iterator[Metric]:
    """The backlog and the running SLA clocks, as of ``now`` (no window)."""
    open_tickets, oldest_age = _gauge(m.OPEN_TICKETS), _gauge(m.OLDEST_OPEN_AGE)
    for (channel, priority), entry in sorted(readout.backlog.items()):
        open_tickets.add_metric([channel, priority], entry.count)
        oldest_age.add_metric([channel, priority], max(0.0, (now - entry.oldest_created_ms) / 1000))
    yield open_tickets
    yield oldest_age
    at_risk, breached = _gauge(m.SLA_AT_RISK), _gauge(m.SLA_BREACHED_OPEN)
    next_breach = _gauge(m.SLA_NEXT_BREACH)
    for (sla_name, priority), gauges in sorted(readout.sla.items()):
        at_risk.add_metric([sla_name, priority], gauges.at_risk)
        breached.add_metric([sla_name, priority], gauges.breached)
        if gauges.next_deadline_ms is not None:
            next_breach.add_metric(
                [sla_name, priority], max(0.0, (gauges.next_deadline_ms - now) / 1000)
            )
    yield at_risk
    yield breached
    yield next_breach
    yield from _lookahead_families(readout)
    team_open = _gauge(m.TEAM_OPEN_TICKETS)
    for team, count in sorted(readout.open_by_team.items()):
        if count:
            team_open.add_metric([team], count)
    yield team_open
    category_open = _gauge(m.CATEGORY_OPEN_TICKETS)
    for category, count in sorted(readout.open_by_category.items()):
        if count:
            category_open.add_metric([category], count)
    yield category_open


def _lookahead_families(readout: Readout) -> Iterator[Metric]:
    """The breaches expected per horizon, and how long the customers waiting have waited."""
    shape = readout.sla_shape
    horizons = [duration_label(ms) for ms in shape.horizons_ms]
    expected = _gauge(m.SLA_BREACHES_EXPECTED)
    waiting = GaugeHistogramMetricFamily(m.WAITING.name, m.WAITING.help, labels=m.WAITING.labels)
    les = [_format_le(b / 1000) for b in shape.waiting_bounds_ms] + ["+Inf"]
    for (sla_name, priority), gauges in sorted(readout.sla.items()):
        for horizon, count in zip(horizons, gauges.expected, strict=True):
            expected.add_metric([sla_name, priority, horizon], count)
        if gauges.waiting:
            cumulative = list(accumulate(gauges.waiting))
            waiting.add_metric(
                [sla_name, priority],
                list(zip(les, cumulative, strict=True)),
                gauges.waited_ms / 1000,
            )
    yield expected
    yield waiting


class HealthStats(Protocol):
    """What the health collector reads of the worker's processing statistics."""

    @property
    def events(self) -> Mapping[tuple[str, str], int]: ...  # (topic, outcome) -> events
    @property
    def contacts(self) -> Mapping[str, int]: ...  # outcome -> contacts
    @property
    def last_event_ms(self) -> int | None: ...  # the newest event time processed
    @property
    def rebalances(self) -> int: ...
    @property
    def orphaned(self) -> int: ...
    @property
    def quarantined(self) -> int: ...
    @property
    def rebuild_seconds(self) -> Mapping[str, float]: ...  # stage (REBUILD_STAGES) -> seconds
    @property
    def snapshots(self) -> Mapping[str, int]: ...  # outcome (SNAPSHOT_OUTCOMES) -> how many
    @property
    def lag(self) -> Mapping[tuple[str, int], int]: ...  # (topic, partition) -> messages


class HealthCollector(Collector):
    """Per-worker processing health: outcomes, newest event time, lag, owned partitions."""

    def __init__(
        self,
        stats: HealthStats,
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
        contacts = CounterMetricFamily(m.CONTACTS.name, m.CONTACTS.help, labels=m.CONTACTS.labels)
        for outcome in m.CONTACT_OUTCOMES:
            contacts.add_metric([outcome], stats.contacts.get(outcome, 0))
        yield contacts
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
        rebuilds = CounterMetricFamily(
            m.REBUILD_SECONDS.name, m.REBUILD_SECONDS.help, labels=m.REBUILD_SECONDS.labels
        )
        for stage in m.REBUILD_STAGES:
            rebuilds.add_metric([stage], stats.rebuild_seconds.get(stage, 0.0))
        yield rebuilds
        snapshots = CounterMetricFamily(
            m.SNAPSHOTS.name, m.SNAPSHOTS.help, labels=m.SNAPSHOTS.labels
        )
        for outcome in m.SNAPSHOT_OUTCOMES:
            snapshots.add_metric([outcome], stats.snapshots.get(outcome, 0))
        yield snapshots
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
