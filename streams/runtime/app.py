"""The whole processor on one screen: a router, one agent, a changelog, timers.

The ``Router`` (stateless, its own consumer group, see ``router``) validates events from the
public topics (bad ones go to the dead-letter topic with a reason) and re-keys good ones by
ticket onto the internal events topic. The ``process`` agent applies them, in batches, to
per-partition ``PartitionState`` objects and writes each changed ticket record once per batch to
the compacted changelog (see ``changelog``). Windows and backlog are derived in memory and
rebuilt from the records after a restart or rebalance; ``/metrics`` reads them through custom
collectors at scrape time.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Sequence
from typing import Any, cast

import faust
from faust.web import Request, Response, View
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from streams.config import Settings
from streams.domain.contributions import KpiModel
from streams.domain.events import Event, Kind, pack, unpack
from streams.domain.health import ProcessorStats
from streams.domain.labels import LabelPolicy, TeamLabels
from streams.domain.partition import SLA_SCAN_SLICE, Horizons, Outcome, PartitionState
from streams.domain.sla.policy import load_policy
from streams.domain.timeparse import parse_duration_ms
from streams.domain.windows import SlidingWindows
from streams.metrics.collectors import HealthCollector, KpiCollector
from streams.runtime import (
    aiokafka_fixes,
    changelog,
    faust_fixes,
    patching,
    security,
    tansu_quirks,
)
from streams.runtime.liveness import Liveness, retry_pause
from streams.runtime.router import DeadLetter, Router, dead_letter

log = logging.getLogger(__name__)
# Internal messages per processing batch. Each carries up to ``router.PACKED_EVENTS_MAX`` events,
# so a batch is at most ~5,000 events, well under a second of work even behind a backlog: timers
# (SLA deadlines, the delivery guard) and scrapes keep their pace, and a huge batch never looks
# like a stalled partition to the delivery guard.
PROCESS_BATCH_MESSAGES = 20
# a changelog write is sent at most this often (with growing pauses, ~1.5 minutes in all)
# before the worker exits without committing: its events are then read again elsewhere
PERSIST_ATTEMPTS = 8
EXIT_CHANGELOG_FAILING = 70
UNCONFIRMED_PRUNED_AT = 50_000  # writes kept for confirmation before acknowledged ones go
QUARANTINE_LOGGED = 10  # per rebuild, the records logged one by one (then a summary)


class Processor:
    """Owns the Faust app and the state it serves; build one per worker process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = s = settings
        faust_fixes.install()
        aiokafka_fixes.install()
        if s.broker_quirks == "tansu":
            tansu_quirks.install(s.bootstrap_servers)
        policy_path = s.sla_policy_path
        self.model = KpiModel(sla=load_policy(policy_path) if policy_path else None)
        if policy_path:
            log.info("SLA policy: %s", policy_path)
        self.labels = LabelPolicy(frozenset(s.channels), frozenset(s.priorities))
        self.teams = TeamLabels(s.max_teams, frozenset(s.teams))
        self.horizons = Horizons(parse_duration_ms(s.grace), parse_duration_ms(s.orphan_horizon))
        self.states: dict[int, PartitionState] = {}
        self._rebuilds: dict[int, asyncio.Future[PartitionState]] = {}  # partitions being read
        self._rebuild_lock = asyncio.Lock()
        self._confirm_lock = asyncio.Lock()
        # changelog writes sent and not yet confirmed: (partition, state, key, delivery)
        self._unconfirmed: list[tuple[int, PartitionState, str, asyncio.Future[Any]]] = []
        self.assigned: set[int] = set()  # partitions of the events topic owned right now
        self.stats = ProcessorStats()
        self.liveness = Liveness(s.stall_seconds)
        for stage in ("agent", "rebuild", "changelog"):
            self.liveness.register(stage)
        self.topic_of = {kind: s.topic(kind) for kind in Kind}

        self.app = app = faust.App(
            s.app_id,
            broker=s.broker,
            broker_credentials=security.faust_credentials(s),
            store="memory://",
            topic_partitions=s.partitions,
            topic_replication_factor=s.replication,
            topic_disable_leader=True,
            processing_guarantee="at_least_once",
            consumer_auto_offset_reset="earliest",
            # no tables, but Faust's assignor reads it: with standbys (default 1) it lets a
            # client keep ceil(partitions/clients), so a third worker on 4 partitions got none
            table_standby_replicas=0,
            broker_session_timeout=s.session_timeout,
            broker_heartbeat_interval=max(0.5, s.session_timeout / 4),
            broker_request_timeout=max(40.0, s.session_timeout * 2),
            broker_commit_interval=s.commit_interval,
            web_bind=s.web_host,
            web_port=s.web_port,
            web_host=s.web_host,
            datadir=s.data_dir,
            web_in_thread=False,
            # only /metrics, /health and /ready: Faust's own views (/router/, /table/, stats,
            # graph) would answer on the metrics port for anyone who can reach it
            web_router_enabled=False,
            web_tables_enabled=False,
            web_stats_enabled=False,
            web_graph_enabled=False,
            web_metrics_enabled=False,
            producer_compression_type=s.producer_compression,
            producer_max_request_size=s.max_message_bytes,
        )
        raw: dict[str, Any] = {"key_serializer": "raw", "value_serializer": "raw"}
        self.events = app.topic(s.events_topic, partitions=s.partitions, internal=True, **raw)
        app.on_partitions_assigned.connect(self._on_assigned)
        self.router = Router(s, self.stats, self.liveness)
        app.task(self.router.run)  # started with the app, cancelled at its stop
        app.agent(self.events, name="process")(self._process)
        app.timer(s.housekeeping_interval, name="housekeeping")(self._housekeeping)
        self.guard = faust_fixes.DeliveryGuard(app)
        app.timer(1.0, name="delivery_guard")(self.guard.check)
        if self.model.sla is not None:
            app.timer(s.sla_tick, name="sla_deadlines")(self._sla_tick)

        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(KpiCollector(self.owned, self.clock_ms, self.model.buckets_ms))
        self.registry.register(
            HealthCollector(
                self.stats,
                self.owned,
                s.source_topics,
                lambda: {"team": self.teams.folded},
                lambda: self.guard.rewinds,
                self.liveness.states,
            )
        )
        self._add_web_views()
        self._gate_commits()

    # -- clock and ownership ----------------------------------------------------------------
    def clock_ms(self) -> int:
        """The processor's clock: wall time live; the newest event time in replay mode.

        In replay mode, before the first event, time has not started (0): starting at the wall
        clock would put every window of a backfill in the future, empty.
        """
        if self.settings.clock == "event":
            return self.stats.last_event_ms or 0
        return int(time.time() * 1000)

    def owned(self) -> list[PartitionState]:
        return list(self.states.values())

    def _new_state(self) -> PartitionState:
        return PartitionState(
            self.model,
            SlidingWindows(self.settings.window_widths_ms),
            self.labels,
            self.horizons,
            self.clock_ms(),
            self.teams,
            self.settings.max_ticket_events,
        )

    # -- agents -----------------------------------------------------------------------------
    async def _process(self, stream: Any) -> None:
        """Apply batches of events. The body never raises: Faust acknowledges a batch as soon
        as control returns (even by an exception), so every event in it has been applied or
        dead-lettered before this loop goes on; its changelog writes are confirmed before its
        offsets are committed (``confirm_writes``)."""
        liveness = self.liveness
        async for batch in stream.take_events(PROCESS_BATCH_MESSAGES, self.settings.batch_wait):
            liveness.busy("agent")
            # offsets as they arrive: a batch in progress is not a stalled partition
            await self.guard.observe(e.message for e in batch)
            letters: list[DeadLetter] = []
            decoded: list[tuple[Any, Event]] = []
            for e in batch:
                try:
                    decoded.extend((e.message, event) for event in unpack(e.message.value))
                except Exception as exc:  # not a message this version wrote: keep its bytes
                    self.stats.count(e.message.topic, "undecodable")
                    letters.append(
                        self._letter(
                            e.message,
                            e.message.value,
                            f"internal message cannot be read: {_why(exc)}",
                        )
                    )
            try:
                await self._apply(decoded, letters)
            except Exception:  # a bug of ours: not one event of the batch may be acknowledged
                log.critical(
                    "processing a batch failed; exiting without committing it", exc_info=True
                )
                os._exit(EXIT_CHANGELOG_FAILING)
            self._track_lag([e.message for e in batch])
            liveness.done("agent")

    async def _apply(self, decoded: list[tuple[Any, Event]], letters: list[DeadLetter]) -> None:
        stats, topic_of = self.stats, self.topic_of
        for _, event in decoded:  # first: in replay mode the newest event time is "now"
            stats.saw_event_time(event.at_ms)
        now = self.clock_ms()
        touched: dict[int, PartitionState] = {}
        for message, event in decoded:
            partition = message.partition
            state = touched.get(partition)
            if state is None:
                state = await self._state_for(partition)
                if state is None:
                    continue  # fetched before it moved away; its new owner reads it again
                state.advance(now)
                touched[partition] = state
            try:
                outcome = state.apply(event)
            except Exception as exc:  # rolled back by the state; this event alone is lost
                outcome = Outcome.FAILED
                letters.append(
                    self._letter(
                        message,
                        pack([event]),
                        f"applying {event.kind.value} {event.event_id!r} of "
                        f"{event.record_key!r} failed: {_why(exc)}",
                    )
                )
                log.error(
                    "event %r of ticket %r could not be applied: %s",
                    event.event_id,
                    event.ticket_id,
                    _why(exc),
                )
            stats.count(topic_of[event.kind], outcome.value)
        await self._dead_letter(letters)
        await self._persist(touched)

    def _letter(self, message: Any, value: bytes | None, reason: str) -> DeadLetter:
        """A dead letter for an internal message (or one event of it)."""
        return dead_letter(
            message.topic,
            message.partition,
            message.offset,
            message.key,
            value,
            reason,
            self.settings.max_message_bytes,
        )

    async def _dead_letter(self, letters: list[DeadLetter]) -> None:
        """Send the batch's dead letters and wait for the broker; refused ones are sent again
        (with growing pauses, like changelog writes) until the worker gives up."""
        s, unsent = self.settings, letters
        for attempt in range(PERSIST_ATTEMPTS):
            if not unsent:
                return
            futures = []
            for letter in unsent:
                try:
                    futures.append(
                        await self.app.producer.send(
                            s.dead_letter_topic,
                            letter.key,
                            letter.value,
                            None,
                            None,
                            letter.headers,
                        )
                    )
                except Exception as exc:
                    futures.append(_failed(exc))
            results = await asyncio.gather(*futures, return_exceptions=True)
            failed = [
                (letter, r)
                for letter, r in zip(unsent, results, strict=True)
                if isinstance(r, BaseException)
            ]
            if not failed:
                if attempt:
                    self.liveness.recovered("changelog")
                return
            unsent = [letter for letter, _ in failed]
            await self._pause_after(
                "changelog", f"{len(failed)} dead letters failed: {_why(failed[0][1])}", attempt
            )
        self._give_up("dead letters could not be written")

    async def _persist(self, states: dict[int, PartitionState]) -> None:
        """Send each changed record once, without waiting for the broker: ``confirm_writes``
        waits for them all before any offset is committed, so processing never idles on a
        round trip. Sends go straight to the Kafka client's batches (Faust's own send buffer
        logs and throttles at 100 messages)."""
        send, topic = self.app.producer.send, self.settings.changelog_topic
        for partition, state in states.items():
            if self.states.get(partition) is not state:
                continue  # moved away during an await: its new owner has rebuilt it
            for key, blob in state.drain_dirty():
                try:
                    future = cast(
                        asyncio.Future[Any],
                        await send(topic, key.encode(), blob, partition, None, None),
                    )
                except Exception as exc:  # refused before sending
                    future = _failed(exc)
                # self's list each time: a commit may have taken the list during the await
                # (the writes it must confirm are those sent before it)
                self._unconfirmed.append((partition, state, key, future))
        if len(self._unconfirmed) > UNCONFIRMED_PRUNED_AT:  # while nothing commits
            self._unconfirmed = [w for w in self._unconfirmed if not _succeeded(w[3])]

    async def confirm_writes(self) -> None:
        """Every changelog write sent so far is acknowledged by the broker, or sent again.

        Runs before every offset commit (see ``_gate_commits``): offsets never move past a
        write that failed. A failed write is sent again with the record's current value, with
        growing pauses; if writes keep failing, the worker exits without committing (a
        ``kill -9``, which the changelog and the event-id dedupe are built for). A write of a
        partition that has moved away is left to its new owner, which rebuilds from the log.
        """
        async with self._confirm_lock:
            for attempt in range(PERSIST_ATTEMPTS):
                writes, self._unconfirmed = self._unconfirmed, []
                waiting = [w[3] for w in writes if not w[3].done()]
                if waiting:
                    await asyncio.wait(waiting)
                failed = [
                    w for w in writes if not _succeeded(w[3]) and self.states.get(w[0]) is w[1]
                ]
                if not failed:
                    if attempt:
                        self.liveness.recovered("changelog")
                    return
                future = failed[0][3]
                reason = (
                    "cancelled" if future.cancelled() else _why(future.exception() or Exception())
                )
                for _, state, key, _ in failed:
                    state.dirty.add(key)
                if attempt + 1 == PERSIST_ATTEMPTS:
                    break  # the keys stay dirty: nothing is taken as written
                await self._pause_after(
                    "changelog", f"{len(failed)} changelog writes failed: {reason}", attempt
                )
                await self._persist({partition: state for partition, state, _, _ in failed})
            self._give_up("changelog writes kept failing")

    def _gate_commits(self) -> None:
        """Confirm the changelog writes before each offset commit.

        Faust flushes its producer right before it commits offsets
        (``Consumer._commit_offsets``, faust-streaming 0.15.3); flushing does not raise for a
        failed send, so our flush also confirms every write, retrying failed ones.
        """
        patching.require("faust-streaming", ("0.15.3",), "commit gate (producer.flush)")
        producer = self.app.producer
        patching.require_attributes(producer, ("flush", "send"), "commit gate")
        flush = producer.flush

        async def flush_and_confirm() -> None:
            await flush()
            await self.confirm_writes()

        producer.flush = flush_and_confirm  # type: ignore[method-assign]

    async def _pause_after(self, stage: str, reason: str, attempt: int) -> None:
        self.liveness.failing(stage, reason)
        pause = retry_pause(attempt)
        log.warning("%s; retrying in %.0f s", reason, pause)
        await asyncio.sleep(pause)

    def _give_up(self, reason: str) -> None:
        log.critical("%s; exiting without committing (a restart reads these events again)", reason)
        logging.shutdown()
        os._exit(EXIT_CHANGELOG_FAILING)

    def _track_lag(self, messages: Sequence[Any]) -> None:
        last: dict[Any, int] = {}
        for message in messages:
            last[message.tp] = message.offset
        for tp, offset in last.items():
            highwater = self.app.consumer.highwater(tp)
            if highwater is not None:
                self.stats.lag[(tp.topic, tp.partition)] = max(0, highwater - offset - 1)

    # -- state lifecycle --------------------------------------------------------------------
    async def _on_assigned(self, sender: Any, /, *args: Any, **kwargs: Any) -> None:
        """Every rebalance: forget partitions that moved away, at once; rebuild new ones.

        A partition that left and came back must be rebuilt from its changelog, never resumed
        from a stale copy: another worker may have written it meanwhile.
        """
        assigned = args[0] if args else kwargs.get("assigned", set())
        self.stats.rebalances += 1
        owned = {tp.partition for tp in assigned if tp.topic == self.settings.events_topic}
        self.assigned = owned
        for partition in set(self.states) - owned:
            del self.states[partition]
        for partition in set(self._rebuilds) - owned:
            self._rebuilds.pop(partition).cancel()
        for partition in sorted(owned - set(self.states)):
            self._rebuild_soon(partition)  # now, not at its first event: /metrics shows it
        events_topic = self.settings.events_topic
        for key in [k for k in self.stats.lag if k[0] == events_topic and k[1] not in owned]:
            del self.stats.lag[key]  # (the router keeps the source topics' entries)

    async def _state_for(self, partition: int) -> PartitionState | None:
        """The partition's state (waiting for its rebuild); None once it is not ours."""
        state = self.states.get(partition)
        if state is None and partition in self.assigned:
            rebuild = self._rebuild_soon(partition)
            try:
                state = await asyncio.shield(rebuild)
            except asyncio.CancelledError:
                if not rebuild.cancelled():
                    raise  # the agent itself is stopping
                return None  # the partition moved away during its rebuild
        return state

    def _rebuild_soon(self, partition: int) -> asyncio.Future[PartitionState]:
        rebuild = self._rebuilds.get(partition)
        if rebuild is None:
            rebuild = self._rebuilds[partition] = asyncio.ensure_future(self._rebuild(partition))
        return rebuild

    async def _rebuild(self, partition: int) -> PartitionState:
        """Read the partition's changelog to its end and derive windows and backlog from it.

        One partition at a time: the latest value of every key is held until it is loaded. A
        read that fails (the broker) is retried with growing pauses, its cause logged once per
        kind of failure; a record that cannot be loaded is quarantined, never fatal.
        """
        try:
            attempt, last_cause = 0, ""
            while True:
                try:
                    state = await self._read_and_load(partition)
                    self.liveness.recovered("rebuild")
                    return state
                except asyncio.CancelledError:
                    self.liveness.recovered("rebuild")  # moved away: nothing is failing
                    raise
                except Exception as exc:
                    cause = _why(exc)
                    if cause != last_cause:
                        log.error(
                            "rebuilding partition %d failed: %s; retrying",
                            partition,
                            cause,
                            exc_info=True,
                        )
                        last_cause = cause
                    self.liveness.failing("rebuild", f"partition {partition}: {cause}")
                    await asyncio.sleep(retry_pause(attempt))
                    attempt += 1
        finally:
            if self._rebuilds.get(partition) is asyncio.current_task():
                del self._rebuilds[partition]

    def _read_progress(self, quarantined: int) -> None:
        """A rebuild read more of its changelog: it moves, and so does an agent waiting for it
        (a long rebuild is not a stuck batch)."""
        self.stats.quarantined += quarantined
        self.liveness.beat("rebuild")
        self.liveness.beat("agent")

    async def _read_and_load(self, partition: int) -> PartitionState:
        async with self._rebuild_lock:
            started = time.monotonic()
            self.liveness.busy("rebuild")
            try:
                records = await changelog.read_partition(
                    self.settings, partition, self._read_progress
                )
            finally:
                self.liveness.done("rebuild")  # read or not: no longer busy
            state = self._new_state()
            quarantined = 0
            for key, blob in records.items():
                try:
                    state.load(key.decode(), blob)
                except Exception as exc:
                    quarantined += 1
                    if quarantined <= QUARANTINE_LOGGED:
                        log.error(
                            "partition %d: changelog record %r quarantined (left out of "
                            "the rebuild): %s",
                            partition,
                            key[:100],
                            _why(exc),
                        )
            if quarantined:
                self.stats.quarantined += quarantined
                log.error("partition %d: %d changelog records quarantined", partition, quarantined)
            newest = max((r.last_ms for r in state.records.values()), default=0)
            if newest:  # replay mode resumes at the newest event it had applied
                self.stats.saw_event_time(newest)
                state.advance(self.clock_ms())
            self.states[partition] = state
            log.info(
                "partition %d rebuilt from %d records in %.1f s",
                partition,
                len(records),
                time.monotonic() - started,
            )
            return state

    async def _housekeeping(self) -> None:
        now = self.clock_ms()
        states = dict(self.states)
        for state in states.values():
            state.advance(now)
            self.stats.orphaned += state.expire()
        await self._persist(states)
        await self.confirm_writes()  # also when no events flow, so nothing commits

    async def _sla_tick(self) -> None:
        """Breaches are found here, when a deadline passes, not when a late reply arrives."""
        now = self.clock_ms()
        states = list(self.states.items())
        share = max(1_000, SLA_SCAN_SLICE // max(1, len(states)))  # the budget is per worker
        for _, state in states:
            state.advance(now)
            state.tick(share)
        await self._persist(dict(states))

    # -- web --------------------------------------------------------------------------------
    def _add_web_views(self) -> None:
        processor = self

        @self.app.page("/metrics")
        class Metrics(View):
            async def get(self, request: Request) -> Response:
                # ?name[]=support_events_total&name[]=...: only those families, and only the
                # collectors that serve them run (as in prometheus_client's own exposition)
                names = cast(Any, request.query).getall("name[]", [])  # a MultiDict
                registry = processor.registry
                body = generate_latest(registry.restricted_registry(names) if names else registry)
                return self.bytes(body, headers={"Content-Type": CONTENT_TYPE_LATEST})

        @self.app.page("/health")
        class Health(View):
            async def get(self, request: Request) -> Response:
                # 503 while a stage is stuck, crash-looping or retrying (see liveness)
                stalled = processor.liveness.stalled()
                if stalled:
                    return self.json({"status": "stalled", "stalled": stalled}, status=503)
                return self.json({"status": "ok"})

        @self.app.page("/ready")
        class Ready(View):
            async def get(self, request: Request) -> Response:
                # both stages: partitions rebuilt, and the router a member of its group (it
                # joins on its own; until then nothing new would reach the partitions)
                owned = processor.assigned
                ready = (
                    processor.app.rebalancing is False
                    and bool(owned)
                    and owned <= processor.states.keys()
                    and processor.router.joined
                )
                return self.json(
                    {"ready": ready, "partitions": sorted(processor.states)},
                    status=200 if ready else 503,
                )


def _why(exc: BaseException) -> str:
    """A reason for a log line or a dead-letter header: the error's type and message."""
    return f"{type(exc).__name__}: {exc}"


def _failed(exc: Exception) -> asyncio.Future[Any]:
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    future.set_exception(exc)
    return future


def _succeeded(future: asyncio.Future[Any]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None
