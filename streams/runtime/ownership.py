"""Which partitions of the events topic this worker owns, and their states.

A partition is rebuilt from its changelog as soon as it is assigned (``/metrics`` and
``/ready`` show it before its first event), one at a time, and its events wait for that. The
rules that keep a worker from serving or writing stale records:

- a partition that left and came back is rebuilt from its changelog, never resumed from the
  copy it had: another worker may have written it meanwhile;
- a rebuild whose partition moves away is cancelled, never installed, and an agent waiting
  for it gets None (the partition's events are its new owner's);
- an agent that is itself stopping while it waits gets its ``CancelledError`` back;
- a changelog read that fails (the broker) is retried with growing pauses, and the partition
  is not ready until a read succeeds; a record that cannot be loaded is quarantined (left out
  and counted), which does not keep the partition from becoming ready;
- with snapshots (``snapshots``), a rebuild takes the partition's snapshot back and reads only
  the changelog's tail after it; a snapshot that cannot be used (damaged, of other code, or
  its changelog no longer reaches it) is counted and the changelog is read whole.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Set
from typing import Protocol

from streams.domain.partition import PartitionState
from streams.runtime import collection
from streams.runtime.changelog import Changelogs, OutOfRange
from streams.runtime.clock import EventClock
from streams.runtime.liveness import Liveness, retry_pause, why
from streams.runtime.snapshots import Covered, SnapshotStore, Unusable
from streams.runtime.stats import ProcessorStats

log = logging.getLogger(__name__)
QUARANTINE_LOGGED = 10  # per rebuild, the records logged one by one (then a summary)
STAGE = "rebuild"
# the process agent's stage (registered by the app); it waits for rebuilds, which beat it:
# a long rebuild is not a stuck batch
AGENT_STAGE = "agent"
SLA_SHARE_MIN = 1_000  # records per partition and SLA tick, however many partitions are owned


class ChangelogReader(Protocol):
    """Reads one partition's changelogs (``changelog.read_changelogs``, bound to the
    settings)."""

    def __call__(
        self, partition: int, progress: Callable[[int], None], since: Covered | None, /
    ) -> Awaitable[Changelogs]:
        """The latest value of every key, whole or from the offsets ``since`` on (raises
        ``OutOfRange`` if the changelog no longer holds them); ``progress(quarantined)`` after
        every fetch."""
        ...


class Ownership:
    """The states of the partitions owned right now, and their rebuilds."""

    def __init__(
        self,
        new_state: Callable[[], PartitionState],
        read_changelog: ChangelogReader,
        liveness: Liveness,
        stats: ProcessorStats,
        clock: EventClock,
        snapshots: SnapshotStore | None = None,
    ) -> None:
        self.new_state = new_state
        self.snapshots = snapshots
        #: per owned partition, the changelog offsets its rebuild read to (see ``covered``)
        self.rebuilt_to: dict[int, Covered] = {}
        self.read_changelog = read_changelog
        self.liveness = liveness
        self.stats = stats
        self.clock = clock
        liveness.register(STAGE)
        self.states: dict[int, PartitionState] = {}  # rebuilt and owned
        self.assigned: set[int] = set()  # owned right now, rebuilt or not
        self._rebuilds: dict[int, asyncio.Future[PartitionState]] = {}  # partitions being read
        self._rebuild_lock = asyncio.Lock()

    # -- what is owned ------------------------------------------------------------------------
    def owned(self) -> list[PartitionState]:
        return list(self.states.values())

    def owns(self, partition: int, state: PartitionState) -> bool:
        """Whether ``state`` is still the partition's: false once it moved away (even if it came
        back since, rebuilt into a new state)."""
        return self.states.get(partition) is state

    def partitions(self) -> list[int]:
        """The partitions rebuilt and owned, in order."""
        return sorted(self.states)

    def ready(self) -> bool:
        """Owns partitions, and every one of them is rebuilt."""
        return bool(self.assigned) and self.assigned <= self.states.keys()

    def advance(self, now_ms: int) -> None:
        """Move every owned state's windows and backlog to ``now_ms``."""
        for state in self.owned():
            state.advance(now_ms)

    def expire(self, now_ms: int, waiting_ms: int | None = None) -> int:
        """Move every owned state to ``now_ms`` and drop what is past its horizon; return how
        many waiting events became orphans (by ``waiting_ms``: see ``EventClock``)."""
        orphaned = 0
        for state in self.owned():
            state.advance(now_ms)
            orphaned += state.expire(waiting_ms)
        return orphaned

    def tick(self, now_ms: int, budget: int) -> None:
        """Move every owned state to ``now_ms`` and run its SLA tick; ``budget`` records are
        visited per worker, shared between the partitions (at least ``SLA_SHARE_MIN`` each)."""
        states = self.owned()
        share = max(SLA_SHARE_MIN, budget // max(1, len(states)))
        for state in states:
            state.advance(now_ms)
            state.tick(share)

    # -- assignment ---------------------------------------------------------------------------
    def assign(self, partitions: Set[int]) -> None:
        """A rebalance: forget partitions that moved away, at once; rebuild new ones."""
        self.assigned = set(partitions)
        dropped = set(self.states) - self.assigned
        for partition in dropped:
            del self.states[partition]
            self.rebuilt_to.pop(partition, None)
        if dropped:
            collection.dropped_states()
        for partition in set(self._rebuilds) - self.assigned:
            self._rebuilds.pop(partition).cancel()
        for partition in sorted(self.assigned - set(self.states)):
            self._rebuild_soon(partition)  # now, not at its first event: /metrics shows it

    async def state_for(self, partition: int) -> PartitionState | None:
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

    # -- rebuilds -----------------------------------------------------------------------------
    def _rebuild_soon(self, partition: int) -> asyncio.Future[PartitionState]:
        rebuild = self._rebuilds.get(partition)
        if rebuild is None:
            rebuild = self._rebuilds[partition] = asyncio.ensure_future(self._rebuild(partition))
        return rebuild

    async def _rebuild(self, partition: int) -> PartitionState:
        """Read the partition's changelog to its end and derive windows and backlog from it.

        One partition at a time: the latest value of every key is held until it is loaded. A
        read that fails is retried with growing pauses, its cause logged once per kind of
        failure.
        """
        try:
            attempt, last_cause = 0, ""
            while True:
                try:
                    state = await self._read_and_load(partition)
                    self.liveness.recovered(STAGE)
                    return state
                except asyncio.CancelledError:
                    self.liveness.recovered(STAGE)  # moved away: nothing is failing
                    raise
                except Exception as exc:
                    cause = why(exc)
                    if cause != last_cause:
                        log.error(
                            "rebuilding partition %d failed: %s; retrying",
                            partition,
                            cause,
                            exc_info=True,
                        )
                        last_cause = cause
                    self.liveness.failing(STAGE, f"partition {partition}: {cause}")
                    await asyncio.sleep(retry_pause(attempt))
                    attempt += 1
        finally:
            if self._rebuilds.get(partition) is asyncio.current_task():
                del self._rebuilds[partition]

    def _read_progress(self, quarantined: int) -> None:
        """A rebuild read more of its changelog: it moves, and so does an agent waiting for it."""
        self.stats.quarantined += quarantined
        self.liveness.beat(STAGE)
        self.liveness.beat(AGENT_STAGE)

    async def _read_and_load(self, partition: int) -> PartitionState:
        async with self._rebuild_lock:
            started = time.monotonic()
            state, since = self._from_snapshot(partition)
            restored = time.monotonic()
            self.liveness.busy(STAGE)
            try:
                try:
                    records = await self.read_changelog(partition, self._read_progress, since)
                except OutOfRange as exc:
                    self._unusable(partition, f"its changelog: {exc}")
                    state, since = None, None
                    records = await self.read_changelog(partition, self._read_progress, since)
            finally:
                self.liveness.done(STAGE)  # read or not: no longer busy
            read = time.monotonic()
            if state is not None:
                self.stats.snapshots["restored"] += 1
            state = state or self.new_state()
            with collection.bulk_load():  # synchronous: nothing else runs meanwhile
                self._load(partition, state.load, records.tickets)
                self._load(partition, state.customers.load, records.customers)
            loaded = time.monotonic()
            seconds = self.stats.rebuild_seconds
            seconds["snapshot"] += restored - started
            seconds["read"] += read - restored
            seconds["load"] += loaded - read
            newest = state.records.newest_ms()
            if newest:  # replay mode resumes at the newest event it had applied
                self.clock.saw(newest)
                state.advance(self.clock.now_ms())
            self.states[partition] = state
            self.rebuilt_to[partition] = Covered(*records.ends)
            log.info(
                "partition %d rebuilt from %s%d records in %.1f s (snapshot %.1f s, read %.1f s, "
                "load %.1f s)",
                partition,
                "a snapshot and " if since is not None else "",
                len(records.tickets) + len(records.customers),
                time.monotonic() - started,
                restored - started,
                read - restored,
                loaded - read,
            )
            return state

    def _from_snapshot(self, partition: int) -> tuple[PartitionState | None, Covered | None]:
        """The partition's state taken back from its snapshot, and the offsets the tail is to
        be read from; (None, None: read it whole) without a usable one."""
        if self.snapshots is None:
            return None, None
        try:
            with collection.bulk_load():  # millions of objects: no collection walks them
                snapshot = self.snapshots.read(partition)
                if snapshot is None:
                    return None, None
                state = self.new_state()
                state.restore(snapshot.saved)
        except Unusable as exc:
            self._unusable(partition, str(exc))
            return None, None
        except Exception as exc:  # a layout or windows of other settings, or a bug of ours
            self._unusable(partition, f"cannot be taken back: {why(exc)}")
            return None, None
        return state, snapshot.covered

    def _unusable(self, partition: int, reason: str) -> None:
        self.stats.snapshots["unusable"] += 1
        log.warning(
            "partition %d: snapshot not used (%s); rebuilding from the changelog", partition, reason
        )

    def _load(
        self,
        partition: int,
        load: Callable[[str, bytes | None], None],
        records: dict[bytes, bytes | None],
    ) -> None:
        """Load every record (``load``: into the tickets or the customers of a state); one
        that cannot be loaded is quarantined."""
        quarantined = 0
        for key, blob in records.items():
            try:
                load(key.decode(), blob)
            except Exception as exc:
                quarantined += 1
                if quarantined <= QUARANTINE_LOGGED:
                    log.error(
                        "partition %d: changelog record %r quarantined (left out of the "
                        "rebuild): %s",
                        partition,
                        key[:100],
                        why(exc),
                    )
        if quarantined:
            self.stats.quarantined += quarantined
            log.error("partition %d: %d changelog records quarantined", partition, quarantined)
