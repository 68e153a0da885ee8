"""Partition ownership (streams/runtime/ownership.py), without a Faust app: a partition is rebuilt
from its changelog as soon as it is assigned, its events wait for that, and a rebuild whose
partition moves away meanwhile is dropped, never installed. Here the changelog read waits on a
gate we open; the read itself, over the real broker, is what the restart and scale-out tests
exercise.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from streams.config import Settings
from streams.domain.ticket import TicketRecord
from streams.runtime import liveness
from streams.runtime.changelog import Changelogs
from streams.runtime.clock import EventClock
from streams.runtime.liveness import Liveness
from streams.runtime.ownership import AGENT_STAGE, SLA_SHARE_MIN, Ownership
from streams.runtime.states import StateFactory
from streams.runtime.stats import ProcessorStats
from tests.support.builders import H, replied
from tests.support.builders import run as _run


class Changelog:
    """Stands in for the changelog read: per partition, records released by opening a gate."""

    def __init__(self) -> None:
        self.gates: dict[int, asyncio.Event] = {}
        self.records: dict[int, dict[bytes, bytes]] = {}
        self.reads: list[int] = []
        self.failures: dict[int, list[Exception]] = {}  # raised by the next reads, in turn

    async def read_partition(
        self, partition: int, progress: Callable[[int], None], since: object = None
    ) -> Changelogs:
        self.reads.append(partition)
        failure = self.failures.get(partition)
        if failure:
            self.failures[partition] = failure[1:]
            raise failure[0]
        await self.gates.setdefault(partition, asyncio.Event()).wait()
        return Changelogs(dict(self.records.get(partition, {})), {}, (0, 0))

    def open(self, partition: int) -> None:
        self.gates.setdefault(partition, asyncio.Event()).set()


@pytest.fixture
def log() -> Changelog:
    return Changelog()


@pytest.fixture
def ownership(log: Changelog) -> Ownership:
    clock = EventClock()
    live = Liveness(60)
    live.register(AGENT_STAGE)  # the stage that waits for rebuilds
    new_state = StateFactory(Settings(sla_policy=""), clock)
    return Ownership(new_state, log.read_partition, live, ProcessorStats(clock), clock)


def _ticket(created_ms: int, last_ms: int = 0) -> bytes:
    record = TicketRecord(created_ms=created_ms, channel="email", priority="high", last_ms=last_ms)
    return record.to_bytes()


def test_assigned_partitions_are_rebuilt_and_their_events_wait_for_it(
    ownership: Ownership, log: Changelog
) -> None:
    async def scenario() -> None:
        log.records[0] = {b"T-1": _ticket(1_000)}
        ownership.assign({0, 1})
        waiting = asyncio.ensure_future(ownership.state_for(0))
        await asyncio.sleep(0.01)
        assert not waiting.done() and ownership.states == {}
        assert not ownership.ready()
        log.open(0)
        state = await waiting
        assert state is not None and ownership.states == {0: state}
        assert state.records["T-1"].created_ms == 1_000
        log.open(1)
        assert await ownership.state_for(1) is ownership.states[1]
        assert sorted(log.reads) == [0, 1]  # once each, although asked for twice
        assert ownership.ready() and ownership.partitions() == [0, 1]

    _run(scenario())


def test_a_partition_never_assigned_has_no_state_and_is_not_read(
    ownership: Ownership, log: Changelog
) -> None:
    async def scenario() -> None:
        ownership.assign({1})
        assert await ownership.state_for(0) is None
        assert 0 not in log.reads

    _run(scenario())


def test_a_partition_that_moves_away_during_its_rebuild_is_never_installed(
    ownership: Ownership, log: Changelog
) -> None:
    async def scenario() -> None:
        ownership.assign({0})
        waiting = asyncio.ensure_future(ownership.state_for(0))
        await asyncio.sleep(0.01)
        ownership.assign({1})  # 0 went to another worker before its read finished
        assert await waiting is None
        log.open(0)
        await asyncio.sleep(0.01)
        assert 0 not in ownership.states
        assert await ownership.state_for(0) is None  # its events are left to the new owner
        assert "rebuild" not in ownership.liveness.stalled()

    _run(scenario())


def test_an_agent_stopping_while_it_waits_for_a_rebuild_gets_its_cancellation_back(
    ownership: Ownership, log: Changelog
) -> None:
    """Only a rebuild cancelled because its partition moved means "not ours": an agent that is
    itself cancelled must stop, and the rebuild goes on for the next one to ask."""

    async def scenario() -> None:
        ownership.assign({0})
        waiting = asyncio.ensure_future(ownership.state_for(0))
        await asyncio.sleep(0.01)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        log.open(0)
        state = await ownership.state_for(0)
        assert state is not None and log.reads == [0]

    _run(scenario())


def test_a_partition_that_comes_back_is_read_again_not_resumed(
    ownership: Ownership, log: Changelog
) -> None:
    async def scenario() -> None:
        log.open(0)
        log.records[0] = {b"T-1": _ticket(1_000)}
        ownership.assign({0})
        first = await ownership.state_for(0)
        assert first is not None and set(first.records) == {"T-1"}
        ownership.assign({1})  # away: another worker writes T-2 meanwhile
        assert not ownership.owns(0, first)
        log.records[0] = {b"T-1": _ticket(1_000), b"T-2": _ticket(2_000)}
        ownership.assign({0})
        again = await ownership.state_for(0)
        assert again is not None and again is not first
        assert set(again.records) == {"T-1", "T-2"}
        assert ownership.owns(0, again) and not ownership.owns(0, first)

    _run(scenario())


def test_a_failing_rebuild_is_retried_shown_as_failing_and_then_ready(
    ownership: Ownership, log: Changelog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild future that raised used to be dropped unobserved: the partition vanished."""
    monkeypatch.setattr(liveness, "RETRY_SECONDS", 0.01)
    ownership.liveness.stall_seconds = 0.0  # any failure shows at once

    async def scenario() -> None:
        log.failures[0] = [ConnectionError("broker away"), ConnectionError("broker away")]
        log.records[0] = {b"T-1": _ticket(1_000)}
        ownership.assign({0})
        await asyncio.sleep(0.005)
        assert "broker away" in ownership.liveness.stalled()["rebuild"]
        log.open(0)
        state = await ownership.state_for(0)
        assert state is not None and set(state.records) == {"T-1"}
        assert log.reads == [0, 0, 0]  # failed twice, then read
        assert "rebuild" not in ownership.liveness.stalled()

    _run(scenario())


def test_a_record_that_cannot_be_loaded_is_quarantined_and_the_partition_still_ready(
    ownership: Ownership, log: Changelog
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
        ownership.assign({0})
        state = await ownership.state_for(0)
        assert state is not None and set(state.records) == {"T-1", "T-4"}
        assert ownership.stats.quarantined == 2
        assert sum(ids for ids, _ in state.backlog().values()) == 2
        assert ownership.ready()

    _run(scenario())


def test_in_replay_mode_a_rebuild_resumes_the_clock_at_the_newest_event_it_had_applied(
    log: Changelog,
) -> None:
    clock = EventClock(event_time=True)
    live = Liveness(60)
    live.register(AGENT_STAGE)
    new_state = StateFactory(Settings(sla_policy="", clock="event"), clock)
    ownership = Ownership(new_state, log.read_partition, live, ProcessorStats(clock), clock)

    async def scenario() -> None:
        log.open(0)
        log.records[0] = {b"T-1": _ticket(5_000, 9_000), b"T-2": _ticket(6_000, 7_000)}
        assert clock.now_ms() == 0  # time has not started
        ownership.assign({0})
        assert await ownership.state_for(0) is not None
        assert clock.now_ms() == 9_000

    _run(scenario())


def test_expire_moves_every_owned_state_to_now_and_returns_the_orphans(
    ownership: Ownership, log: Changelog
) -> None:
    async def scenario() -> None:
        log.open(0)
        log.open(1)
        ownership.assign({0, 1})
        states = [await ownership.state_for(partition) for partition in (0, 1)]
        start = max(state.now_ms for state in ownership.owned())
        ownership.advance(start)
        for n, state in enumerate(ownership.owned()):
            state.apply(replied(f"T-{n}", start, f"r-{n}"))  # its ticket never appears
        assert ownership.expire(start) == 0
        later = start + 25 * H  # past the orphan horizon (24h)
        assert ownership.expire(later) == 2
        assert [state.now_ms for state in states if state is not None] == [later, later]
        assert ownership.expire(later) == 0  # each orphan counted once

    _run(scenario())


class TickRecorder:
    """A state that records what the SLA timer asks of it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def advance(self, now_ms: int) -> None:
        self.calls.append(("advance", now_ms))

    def tick(self, slice_size: int) -> None:
        self.calls.append(("tick", slice_size))


def test_the_sla_tick_shares_the_budget_between_the_owned_partitions(
    ownership: Ownership,
) -> None:
    states = {partition: TickRecorder() for partition in range(4)}
    ownership.states = states  # type: ignore[assignment]
    ownership.tick(5_000, 40 * SLA_SHARE_MIN)
    assert [s.calls for s in states.values()] == [
        [("advance", 5_000), ("tick", 10 * SLA_SHARE_MIN)]
    ] * 4
    ownership.tick(6_000, 2 * SLA_SHARE_MIN)  # a share never goes below the minimum
    assert {s.calls[-1] for s in states.values()} == {("tick", SLA_SHARE_MIN)}
    ownership.states = {}
    ownership.tick(7_000, SLA_SHARE_MIN)  # nothing owned: nothing to do
