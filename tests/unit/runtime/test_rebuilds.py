"""Partition ownership in the processor (streams/runtime/app.py): a partition is rebuilt from its
changelog as soon as it is assigned, its events wait for that, and a rebuild whose partition
moves away meanwhile is dropped, never installed. Here the changelog read waits on a gate we
open; the read itself, over the real broker, is what the restart and scale-out tests exercise.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from faust.types import TP

from streams.config import Settings
from streams.domain.ticket import TicketRecord
from streams.runtime import changelog, liveness
from streams.runtime.app import Processor
from tests.support.builders import run as _run


class Changelog:
    """Stands in for the changelog read: per partition, records released by opening a gate."""

    def __init__(self) -> None:
        self.gates: dict[int, asyncio.Event] = {}
        self.records: dict[int, dict[bytes, bytes]] = {}
        self.reads: list[int] = []
        self.failures: dict[int, list[Exception]] = {}  # raised by the next reads, in turn

    async def read_partition(
        self, settings: Settings, partition: int, progress: Callable[[int], None]
    ) -> dict[bytes, bytes]:
        self.reads.append(partition)
        failure = self.failures.get(partition)
        if failure:
            self.failures[partition] = failure[1:]
            raise failure[0]
        await self.gates.setdefault(partition, asyncio.Event()).wait()
        return dict(self.records.get(partition, {}))

    def open(self, partition: int) -> None:
        self.gates.setdefault(partition, asyncio.Event()).set()


@pytest.fixture
def log(monkeypatch: pytest.MonkeyPatch) -> Changelog:
    fake = Changelog()
    monkeypatch.setattr(changelog, "read_partition", fake.read_partition)
    return fake


async def _assign(processor: Processor, *partitions: int) -> None:
    topic = processor.settings.events_topic
    await processor._on_assigned(None, {TP(topic, p) for p in partitions})


def _ticket(created_ms: int) -> bytes:
    return TicketRecord(created_ms=created_ms, channel="email", priority="high").to_bytes()


def test_assigned_partitions_are_rebuilt_and_their_events_wait_for_it(
    processor: Processor, log: Changelog
) -> None:
    async def scenario() -> None:
        log.records[0] = {b"T-1": _ticket(1_000)}
        await _assign(processor, 0, 1)
        waiting = asyncio.ensure_future(processor._state_for(0))
        await asyncio.sleep(0.01)
        assert not waiting.done() and processor.states == {}
        log.open(0)
        state = await waiting
        assert state is not None and processor.states == {0: state}
        assert state.records["T-1"].created_ms == 1_000
        log.open(1)
        assert await processor._state_for(1) is processor.states[1]
        assert sorted(log.reads) == [0, 1]  # once each, although asked for twice

    _run(scenario())


def test_a_partition_that_moves_away_during_its_rebuild_is_never_installed(
    processor: Processor, log: Changelog
) -> None:
    async def scenario() -> None:
        await _assign(processor, 0)
        waiting = asyncio.ensure_future(processor._state_for(0))
        await asyncio.sleep(0.01)
        await _assign(processor, 1)  # 0 went to another worker before its read finished
        assert await waiting is None
        log.open(0)
        await asyncio.sleep(0.01)
        assert 0 not in processor.states
        assert await processor._state_for(0) is None  # its events are left to the new owner

    _run(scenario())


def test_a_partition_that_comes_back_is_read_again_not_resumed(
    processor: Processor, log: Changelog
) -> None:
    async def scenario() -> None:
        log.open(0)
        log.records[0] = {b"T-1": _ticket(1_000)}
        await _assign(processor, 0)
        first = await processor._state_for(0)
        assert first is not None and set(first.records) == {"T-1"}
        await _assign(processor, 1)  # away: another worker writes T-2 meanwhile
        log.records[0] = {b"T-1": _ticket(1_000), b"T-2": _ticket(2_000)}
        await _assign(processor, 0)
        again = await processor._state_for(0)
        assert again is not None and again is not first
        assert set(again.records) == {"T-1", "T-2"}

    _run(scenario())


def test_a_failing_rebuild_is_retried_shown_as_failing_and_then_ready(
    processor: Processor, log: Changelog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild future that raised used to be dropped unobserved: the partition vanished."""
    monkeypatch.setattr(liveness, "RETRY_SECONDS", 0.01)
    processor.liveness.stall_seconds = 0.0  # any failure shows at once

    async def scenario() -> None:
        log.failures[0] = [ConnectionError("broker away"), ConnectionError("broker away")]
        log.records[0] = {b"T-1": _ticket(1_000)}
        await _assign(processor, 0)
        await asyncio.sleep(0.005)
        assert "broker away" in processor.liveness.stalled()["rebuild"]
        log.open(0)
        state = await processor._state_for(0)
        assert state is not None and set(state.records) == {"T-1"}
        assert log.reads == [0, 0, 0]  # failed twice, then read
        assert "rebuild" not in processor.liveness.stalled()

    _run(scenario())


def test_a_record_that_cannot_be_loaded_is_quarantined_and_the_partition_still_ready(
    processor: Processor, log: Changelog
) -> None:
    """A record of a format this version cannot read (after a rollback, say) or one whose
    evaluation raises must not keep its partition from ever becoming ready."""

    async def scenario() -> None:
        log.open(0)
        log.records[0] = {
            b"T-1": _ticket(1_000),
            b"T-2": b"[99, 1, 2]",
            b"T-3": b"not json",
            b"T-4": _ticket(3_000),
        }
        await _assign(processor, 0)
        state = await processor._state_for(0)
        assert state is not None and set(state.records) == {"T-1", "T-4"}
        assert processor.stats.quarantined == 2
        assert sum(ids for ids, _ in state.backlog().values()) == 2

    _run(scenario())
