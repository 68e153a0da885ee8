"""When a partition's snapshot is taken (``snapshots`` has the files, ``ownership`` takes them
back): every ``SUPPORTKPI_SNAPSHOT_INTERVAL`` seconds and when the worker stops.

A snapshot must hold exactly what the changelog holds up to the offsets it is stamped with, or
a restart from it would count an event twice or lose one. So it is taken only at a quiet point:
the partition's changed records written and acknowledged, none changed since, no write of it in
flight. Then its state is encoded at once, without an await, and written to disk in a thread.
The stamp is, per changelog, the base offset of the newest batch the broker acknowledged (or
the offset its rebuild read to): the tail read from there holds every record written after the
snapshot, and the few before it that are read again replace themselves.
"""

from __future__ import annotations

import asyncio
import logging
import time

from streams.domain.partition import PartitionState
from streams.runtime.ownership import Ownership
from streams.runtime.snapshots import Covered, SnapshotStore
from streams.runtime.stats import ProcessorStats
from streams.runtime.writes import Writes

log = logging.getLogger(__name__)
ATTEMPTS = 3  # quiet points tried per partition and round before it waits for the next round


class Snapshotter:
    """Takes the owned partitions' snapshots."""

    def __init__(
        self,
        store: SnapshotStore,
        ownership: Ownership,
        writes: Writes,
        stats: ProcessorStats,
        changelogs: tuple[str, str],  # (tickets, customers) topics
    ) -> None:
        self.store = store
        self.ownership = ownership
        self.writes = writes
        self.stats = stats
        self.changelogs = changelogs
        self._lock = asyncio.Lock()  # a timer round and the one at shutdown never interleave

    async def take_all(self) -> None:
        """A snapshot of every partition owned and rebuilt, one after another."""
        async with self._lock:
            for partition in self.ownership.partitions():
                await self.take(partition)

    async def take(self, partition: int) -> bool:
        """One partition's snapshot, at its next quiet point; False if it was not taken."""
        for _ in range(ATTEMPTS):
            state = self.ownership.states.get(partition)
            if state is None:
                return False  # moved away
            await self.writes.persist({partition: state})
            await self.writes.confirm()
            if not self.ownership.owns(partition, state):
                return False
            if self._quiet(state):
                started = time.monotonic()
                try:
                    blob = self.store.encode(state.export(), self.covered(partition))
                    encoded = time.monotonic()
                    await asyncio.to_thread(self.store.write, partition, blob)
                except Exception as exc:  # a full disk, or a bug of ours: processing goes on
                    self.stats.snapshots["failed"] += 1
                    log.error(
                        "partition %d: snapshot not written: %s", partition, exc, exc_info=True
                    )
                    return False
                self.stats.snapshots["taken"] += 1
                log.info(
                    "partition %d: snapshot of %d records, %.1f MB, encoded in %.2f s "
                    "(written in %.2f s more)",
                    partition,
                    len(state.records),
                    len(blob) / 1e6,
                    encoded - started,
                    time.monotonic() - encoded,
                )
                return True
        self.stats.snapshots["busy"] += 1  # kept changing: the next round tries again
        return False

    def _quiet(self, state: PartitionState) -> bool:
        return not state.dirty and not state.customers.dirty and not self.writes.pending(state)

    def covered(self, partition: int) -> Covered:
        """Per changelog, the offset the tail after a snapshot taken now is read from."""
        rebuilt = self.ownership.rebuilt_to.get(partition, Covered(0, 0))
        acknowledged = self.writes.acknowledged
        tickets, customers = self.changelogs
        return Covered(
            max(rebuilt.tickets, acknowledged.get((tickets, partition), 0)),
            max(rebuilt.customers, acknowledged.get((customers, partition), 0)),
        )
