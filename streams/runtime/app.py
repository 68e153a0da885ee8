"""The whole processor on one screen: a router, one agent, a changelog, timers.

The ``Router`` (stateless, its own consumer group, see ``router``) validates events from the
public topics (bad ones go to the dead-letter topic with a reason) and re-keys good ones by
ticket onto the internal events topic. The ``process`` agent applies them, in batches
(``batches``), to the states of the partitions it owns (``ownership``) and writes each changed
ticket record once per batch to the compacted changelog (``writes``), from which a partition is
rebuilt after a restart or rebalance. ``/metrics`` reads the states through custom collectors
at scrape time (``web``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Set
from functools import partial
from typing import Any

import faust
from faust.types import TP
from prometheus_client import CollectorRegistry

from streams.config import Settings
from streams.domain.partition import SLA_SCAN_SLICE
from streams.drilldown.wire import tickets_token
from streams.metrics.collectors import HealthCollector, KpiCollector
from streams.runtime import (
    aiokafka_fixes,
    changelog,
    faust_fixes,
    faust_options,
    sending,
    tansu_quirks,
    web,
)
from streams.runtime.batches import BatchApplier
from streams.runtime.clock import EventClock
from streams.runtime.liveness import Liveness
from streams.runtime.ownership import AGENT_STAGE, Ownership
from streams.runtime.router import Router
from streams.runtime.snapshots import SnapshotStore
from streams.runtime.snapshotting import Snapshotter
from streams.runtime.states import StateFactory
from streams.runtime.stats import ProcessorStats
from streams.runtime.tickets_view import add_tickets_view
from streams.runtime.writes import EXIT_CHANGELOG_FAILING, Writes

log = logging.getLogger(__name__)
# Internal messages per processing batch, each of up to ``routing.PACKED_EVENTS_MAX`` events: a
# bounded batch lets the timers (SLA deadlines, the delivery guard) and scrapes keep their pace,
# and never looks like a stalled partition to the delivery guard.
PROCESS_BATCH_MESSAGES = 20


class Processor:
    """Owns the Faust app and the state it serves; build one per worker process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = s = settings
        faust_fixes.install()
        aiokafka_fixes.install()
        tansu_quirks.install_for(s)
        self.clock = EventClock(event_time=s.clock == "event")
        self.new_state = new_state = StateFactory(s, self.clock)
        self.model = new_state.model
        self.stats = ProcessorStats(self.clock)
        self.liveness = liveness = Liveness(s.stall_seconds)
        liveness.register(AGENT_STAGE)
        read_changelog = partial(changelog.read_changelogs, s)
        snapshots = SnapshotStore.for_settings(s) if s.snapshot_interval > 0 else None
        self.ownership = Ownership(
            new_state, read_changelog, liveness, self.stats, self.clock, snapshots
        )

        self.app = app = faust.App(s.app_id, **faust_options.for_worker(s))
        raw: dict[str, Any] = {"key_serializer": "raw", "value_serializer": "raw"}
        self.events = app.topic(s.events_topic, partitions=s.partitions, internal=True, **raw)
        owned, owns = self.ownership.owned, self.ownership.owns
        self.writes = Writes(
            app.producer,
            s.changelog_topic,
            s.dead_letter_topic,
            owns,
            liveness,
            s.customers_changelog_topic,
            sending.kafka_client_of(app.producer),
        )
        self.batches = BatchApplier(self.ownership, self.writes, self.stats, self.clock, s)
        # mode types a receiver as (sender, *args, signal, **kwargs); Faust sends it
        # (app, assigned, signal=...), which ``_on_assigned`` takes by name
        app.on_partitions_assigned.connect(self._on_assigned)  # type: ignore[arg-type]
        self.router = Router(s, self.stats, liveness)
        app.task(self.router.run)  # started with the app, cancelled at its stop
        app.agent(self.events, name="process")(self._process)
        app.timer(1.0, name="clock")(self._advance_clock)
        app.timer(s.housekeeping_interval, name="housekeeping")(self._housekeeping)
        self.guard = faust_fixes.DeliveryGuard(app)
        app.timer(1.0, name="delivery_guard")(self.guard.check)
        if self.model.sla is not None:
            app.timer(s.sla_tick, name="sla_deadlines")(self._sla_tick)
        self.snapshotter: Snapshotter | None = None
        if snapshots is not None:
            changelogs = (s.changelog_topic, s.customers_changelog_topic)
            self.snapshotter = Snapshotter(
                snapshots, self.ownership, self.writes, self.stats, changelogs
            )
            app.timer(s.snapshot_interval, name="snapshots")(self.snapshotter.take_all)
            # the consumer has stopped, the producer not yet: a planned restart reads no tail
            app.on_before_shutdown.connect(self._snapshot_at_stop)  # type: ignore[arg-type]

        self.registry = registry = CollectorRegistry(auto_describe=False)
        registry.register(KpiCollector(owned, self.clock.now_ms, self.model.buckets_ms))

        def folded() -> dict[str, int]:
            return {"team": new_state.teams.folded, "category": new_state.categories.folded}

        def rewinds() -> int:
            return self.guard.rewinds

        registry.register(
            HealthCollector(self.stats, owned, s.source_topics, folded, rewinds, liveness.states)
        )
        web.add_views(app, registry, liveness.stalled, self._ready, self.ownership.partitions)
        add_tickets_view(
            app,
            tickets_token(s),
            owned,
            self.ownership.partitions,
            s.partitions,
            self._ready,
            self.clock.now_ms,
        )
        self.writes.gate_commits()

    def _ready(self) -> bool:
        """Partitions rebuilt, and the router a member of its group (it joins on its own; until
        then nothing new would reach the partitions)."""
        return self.app.rebalancing is False and self.ownership.ready() and self.router.joined

    async def _on_assigned(self, sender: faust.App, assigned: Set[TP], **signal: Any) -> None:
        """Every rebalance (Faust's ``on_partitions_assigned``, which passes ``assigned``)."""
        self.stats.rebalances += 1
        topic = self.settings.events_topic
        owned = {tp.partition for tp in assigned if tp.topic == topic}
        self.ownership.assign(owned)
        self.stats.keep_lag(topic, owned)  # (the router keeps the source topics' entries)

    async def _snapshot_at_stop(self, sender: faust.App, **signal: Any) -> None:
        if self.snapshotter is not None:
            await self.snapshotter.take_all()

    # -- the agent and the timers -------------------------------------------------------------
    async def _process(self, stream: Any) -> None:
        """Apply batches of events. The body never raises: Faust acknowledges a batch as soon
        as control returns (even by an exception), so every event in it has been applied or
        dead-lettered before this loop goes on; its changelog writes are confirmed before its
        offsets are committed (``Writes.gate_commits``)."""
        liveness, batches = self.liveness, self.batches
        async for batch in stream.take_events(PROCESS_BATCH_MESSAGES, self.settings.batch_wait):
            liveness.busy(AGENT_STAGE)
            messages = [e.message for e in batch]
            await self.guard.observe(messages)  # as they arrive: a long batch is not a stall
            decoded, letters = batches.decode(messages)
            try:
                await batches.apply(decoded, letters)
            except Exception:  # a bug of ours: not one event of the batch may be acknowledged
                log.critical(
                    "processing a batch failed; exiting without committing it", exc_info=True
                )
                os._exit(EXIT_CHANGELOG_FAILING)
            self.stats.record_lag(
                {m.tp: m.offset + 1 for m in messages}, self.app.consumer.highwater
            )
            liveness.done(AGENT_STAGE)

    async def _advance_clock(self) -> None:
        """Windows and backlog follow the clock here and in the agent, never in a scrape."""
        self.ownership.advance(self.clock.now_ms())

    async def _housekeeping(self) -> None:
        clock = self.clock
        self.stats.orphaned += self.ownership.expire(clock.now_ms(), clock.waiting_ms())
        await self.writes.persist(dict(self.ownership.states))
        await self.writes.confirm()  # also when no events flow, so nothing commits

    async def _sla_tick(self) -> None:
        """Breaches are found here, when a deadline passes, not when a late reply arrives."""
        self.ownership.tick(self.clock.now_ms(), SLA_SCAN_SLICE)
        await self.writes.persist(dict(self.ownership.states))
