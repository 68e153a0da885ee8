"""Snapshot files (streams/runtime/snapshots.py), when they are taken (snapshotting.py) and how a
rebuild takes them back (ownership.py), without a broker: the changelog read is a fake that
answers a tail from the offsets it is given. The restart over the real broker is in
tests/reliability/test_crashes.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from streams.config import Settings
from streams.domain.partition import PartitionState
from streams.runtime.changelog import Changelogs, OutOfRange
from streams.runtime.clock import EventClock
from streams.runtime.liveness import Liveness
from streams.runtime.ownership import AGENT_STAGE, Ownership
from streams.runtime.snapshots import Covered, SnapshotStore, Unusable, fingerprint
from streams.runtime.snapshotting import ATTEMPTS, Snapshotter
from streams.runtime.states import StateFactory
from streams.runtime.stats import ProcessorStats
from streams.runtime.writes import Writes
from tests.support.builders import NOW, created, resolved, totals, wall_clock_ms
from tests.support.builders import run as _run
from tests.support.producers import Batch, FaustProducer

RECENT = wall_clock_ms() - 60_000


class SnapshottingWorker:
    """A worker's ownership, writes and snapshots around a fake changelog: every write the
    fake producer acknowledges is appended to ``log``, at its offset."""

    def __init__(self, settings: Settings, producer: FaustProducer | None = None) -> None:
        self.settings = s = settings
        self.producer = producer or FaustProducer()
        self.clock = EventClock()
        self.stats = ProcessorStats(self.clock)
        live = Liveness(60)
        live.register(AGENT_STAGE)
        self.store = SnapshotStore.for_settings(s)
        self.reads: list[Covered | None] = []
        self.out_of_range = False
        self.ownership = Ownership(
            StateFactory(s, self.clock), self._read, live, self.stats, self.clock, self.store
        )
        self.writes = Writes(
            self.producer,
            s.changelog_topic,
            s.dead_letter_topic,
            self.ownership.owns,
            live,
            s.customers_changelog_topic,
            lambda: self.producer,
        )
        topics = (s.changelog_topic, s.customers_changelog_topic)
        self.snapshotter = Snapshotter(self.store, self.ownership, self.writes, self.stats, topics)

    def log(self, topic: str) -> list[tuple[bytes, bytes | None]]:
        return [(m.key or b"", m.value) for m in self.producer.sent(topic)]

    async def _read(
        self, partition: int, progress: Callable[[int], None], since: Covered | None
    ) -> Changelogs:
        self.reads.append(since)
        if since is not None and self.out_of_range:
            raise OutOfRange("the topic is new")
        start = since or Covered(0, 0)
        tickets = dict(self.log(self.settings.changelog_topic)[start.tickets :])
        customers = dict(self.log(self.settings.customers_changelog_topic)[start.customers :])
        if since is None:  # read whole: deleted keys are left out
            tickets = {k: v for k, v in tickets.items() if v is not None}
            customers = {k: v for k, v in customers.items() if v is not None}
        ends = (len(self.log(self.settings.changelog_topic)), 0)
        return Changelogs(tickets, customers, ends)

    async def state(self) -> PartitionState:
        self.ownership.assign({0})
        state = await self.ownership.state_for(0)
        assert state is not None
        return state


def _settings(tmp_path: Path) -> Settings:
    return Settings(sla_policy="", partitions=1, data_dir=str(tmp_path))


def test_a_restart_takes_the_snapshot_back_and_loads_only_the_tail_after_it(
    tmp_path: Path,
) -> None:
    settings = _settings(tmp_path)
    first = SnapshottingWorker(settings)

    async def before_the_restart() -> PartitionState:
        state = await first.state()
        for n in range(10):
            state.apply(created(f"T-{n}", RECENT + n))
        assert await first.snapshotter.take(0)
        # after the snapshot: one ticket more, one resolved, one deleted (a tombstone, as
        # expiry writes; the live state's backlog is not told, so it is compared with a rebuild)
        state.apply(created("T-10", RECENT + 10))
        state.apply(resolved("T-3", RECENT + 20))
        del state.records["T-4"]
        state.dirty.add("T-4")
        await first.writes.persist({0: state})
        await first.writes.confirm()
        return state

    live = _run(before_the_restart())
    covered = first.store.read(0)
    assert covered is not None and covered.covered.tickets == 8  # the newest batch's base
    second = SnapshottingWorker(settings, first.producer)  # the same changelog, a new process
    restored = _run(second.state())
    assert second.reads == [Covered(8, 0)] and second.stats.snapshots["restored"] == 1
    assert restored.records == live.records and "T-4" not in restored.records
    elsewhere = Settings(sla_policy="", partitions=1, data_dir=str(tmp_path / "none"))
    whole = SnapshottingWorker(elsewhere, first.producer)
    rebuilt = _run(whole.state())
    assert whole.reads == [None]
    assert restored.backlog() == rebuilt.backlog() == {("email", "high"): (9, RECENT)}
    assert totals(restored) == totals(rebuilt)


def test_a_snapshot_waits_for_a_quiet_point_and_counts_a_partition_that_kept_changing(
    tmp_path: Path,
) -> None:
    class Busy(FaustProducer):
        """Each batch sent, the agent applies another event meanwhile."""

        state: PartitionState | None = None

        async def send_batch(self, batch: Batch, topic: str, *, partition: int) -> object:
            if self.state is not None:
                self.state.apply(created(f"B-{len(self.futures)}", RECENT))
            return await super().send_batch(batch, topic, partition=partition)

    producer = Busy()
    worker = SnapshottingWorker(_settings(tmp_path), producer)

    async def scenario() -> None:
        state = await worker.state()
        state.apply(created("T-1", RECENT))
        producer.state = state
        assert not await worker.snapshotter.take(0)
        assert len(producer.futures) == ATTEMPTS  # one persist per attempt
        producer.state = None
        assert await worker.snapshotter.take(0)

    _run(scenario())
    assert worker.stats.snapshots == {"busy": 1, "taken": 1}
    saved = worker.store.read(0)
    assert saved is not None and len(saved.saved["records"]) == ATTEMPTS + 1


@pytest.mark.parametrize("damage", ["a flipped byte", "cut short", "not ours", "other settings"])
def test_a_snapshot_that_cannot_be_used_is_counted_and_the_changelog_read_whole(
    tmp_path: Path, damage: str
) -> None:
    settings = _settings(tmp_path)
    first = SnapshottingWorker(settings)

    async def with_a_snapshot() -> PartitionState:
        state = await first.state()
        state.apply(created("T-1", RECENT))
        assert await first.snapshotter.take(0)
        return state

    live = _run(with_a_snapshot())
    path = first.store.path(0)
    blob = path.read_bytes()
    if damage == "a flipped byte":
        path.write_bytes(blob[:-20] + bytes([blob[-20] ^ 1]) + blob[-19:])
    elif damage == "cut short":
        path.write_bytes(blob[: len(blob) // 2])
    elif damage == "not ours":
        path.write_bytes(b"PK\x03\x04 a zip file")
    else:
        settings = Settings(sla_policy="", partitions=1, data_dir=str(tmp_path), grace="2h")
    second = SnapshottingWorker(settings, first.producer)
    restored = _run(second.state())
    assert second.reads == [None] and second.stats.snapshots == {"unusable": 1}
    assert restored.records == live.records


def test_a_changelog_that_no_longer_reaches_the_snapshot_is_read_whole(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    first = SnapshottingWorker(settings)
    _run(first.state())
    first.ownership.states[0].apply(created("T-1", RECENT))
    assert _run(first.snapshotter.take(0))
    second = SnapshottingWorker(settings, first.producer)
    second.out_of_range = True
    restored = _run(second.state())
    assert second.reads == [Covered(0, 0), None] and second.stats.snapshots == {"unusable": 1}
    assert set(restored.records) == {"T-1"}


def test_the_fingerprint_follows_what_a_state_derives_from_not_secrets_or_ports(
    tmp_path: Path,
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_bytes(Path("deploy/sla/policy.yaml").read_bytes())
    base = Settings(sla_policy=str(policy))
    same = {
        fingerprint(Settings(sla_policy=str(policy), **change))  # type: ignore[arg-type]
        for change in ({}, {"sasl_password": "x"}, {"web_port": 1}, {"snapshot_interval": 5.0})
    }
    assert same == {fingerprint(base)}
    assert fingerprint(Settings(sla_policy=str(policy), windows=("1h",))) != fingerprint(base)
    policy.write_bytes(policy.read_bytes() + b"\n# edited\n")
    assert fingerprint(base) not in same


def test_a_file_is_replaced_whole_and_a_missing_one_is_none(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path / "s", "f")
    assert store.read(3) is None
    store.write(3, store.encode({"records": {}, "layout": 1}, Covered(5, 6)))
    store.write(3, store.encode({"records": {"k": ()}, "layout": 1}, Covered(7, 8)))
    saved = store.read(3)
    assert saved is not None and saved.covered == Covered(7, 8)
    assert saved.saved["records"] == {"k": ()}
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == ["3.snapshot"]  # no temporary
    with pytest.raises(Unusable, match="other code"):
        SnapshotStore(tmp_path / "s", "g").read(3)


def test_only_offsets_of_the_states_still_owned_are_kept(tmp_path: Path) -> None:
    worker = SnapshottingWorker(_settings(tmp_path))

    async def scenario() -> None:
        state = await worker.state()
        for n in range(6):
            state.apply(created(f"T-{n}", NOW))
        await worker.writes.persist({0: state})
        worker.ownership.assign(set())  # moved away before the broker acknowledged
        await worker.writes.confirm()

    _run(scenario())
    assert worker.writes.acknowledged == {}


def test_a_snapshot_that_cannot_be_written_is_counted_and_processing_goes_on(
    tmp_path: Path,
) -> None:
    (tmp_path / "snapshots").write_text("a file where the directory should be")
    worker = SnapshottingWorker(_settings(tmp_path))

    async def scenario() -> None:
        state = await worker.state()
        state.apply(created("T-1", RECENT))
        assert not await worker.snapshotter.take(0)
        state.apply(created("T-2", RECENT))
        await worker.writes.persist({0: state})
        await worker.writes.confirm()

    _run(scenario())
    assert worker.stats.snapshots == {"unusable": 1, "failed": 1}  # read at the rebuild too
    assert {m.key for m in worker.producer.sent(worker.settings.changelog_topic)} == {
        b"T-1",
        b"T-2",
    }
