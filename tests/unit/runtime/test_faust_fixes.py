"""DeliveryGuard's decisions (streams/runtime/faust_fixes.py): when it rewinds a partition and
when it accepts a hole. The end-to-end proof is the two-worker test on the real broker."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from faust.types import TP

from streams.runtime.faust_fixes import DeliveryGuard
from tests.support.builders import FakeConsumer


@dataclass
class Delivered:
    """What DeliveryGuard reads of a Faust event's message: where it was read from."""

    tp: TP
    offset: int


@dataclass
class App:
    consumer: FakeConsumer = field(default_factory=FakeConsumer)
    rebalancing: bool = False

    def __hash__(self) -> int:
        return id(self)


A = TP("ticket-created", 2)


def _guard(start: int = 17, stall: float = 5.0) -> tuple[DeliveryGuard, FakeConsumer]:
    app = App()
    guard = DeliveryGuard(app, stall_seconds=stall)
    guard.restart({A: start})
    return guard, app.consumer


def _deliver(guard: DeliveryGuard, *offsets: int) -> None:
    asyncio.run(guard.observe(Delivered(A, o) for o in offsets))


def test_contiguous_and_redelivered_offsets_need_no_rewind() -> None:
    guard, consumer = _guard()
    _deliver(guard, 17, 18, 19)
    _deliver(guard, 18, 19, 20)  # a re-delivery after a seek
    assert consumer.seeks == [] and guard.expected[A] == 21


def test_a_skipped_offset_rewinds_to_it_once_then_is_accepted_as_a_real_hole() -> None:
    guard, consumer = _guard()
    _deliver(guard, 18, 19)  # 17 never arrived (the CI failure)
    assert consumer.seeks == [(A, 17)] and guard.rewinds == 1
    _deliver(guard, 17, 18, 19)  # the re-read brings it
    assert guard.expected[A] == 20
    _deliver(guard, 22)  # 20 and 21 missing: rewind
    _deliver(guard, 22, 23)  # still missing after the re-read: transaction markers, go on
    assert consumer.seeks == [(A, 17), (A, 20)] and guard.expected[A] == 24


def test_a_tail_the_client_read_but_never_delivered_is_re_read_after_the_stall_time() -> None:
    guard, consumer = _guard(start=15, stall=0.0)
    consumer.positions[A] = 16  # the client holds offset 15 as read; the agents never got it
    asyncio.run(guard.check())
    assert consumer.seeks == [(A, 15)]
    consumer.positions[A] = 15  # caught up: nothing to do
    guard.rewound_at.clear()
    asyncio.run(guard.check())
    assert consumer.seeks == [(A, 15)]


def test_no_rewind_while_records_are_still_arriving_or_during_a_rebalance() -> None:
    guard, consumer = _guard(start=15, stall=60.0)
    consumer.positions[A] = 40
    asyncio.run(guard.check())  # seen just now: records are in flight
    assert consumer.seeks == []
    guard.stall_seconds = 0.0
    guard.app.rebalancing = True
    asyncio.run(guard.check())
    assert consumer.seeks == []


def test_no_stall_rewind_while_another_partition_is_being_delivered() -> None:
    """A busy agent leaves some partitions waiting in Faust's buffers: not a loss."""
    b = TP("ticket-created", 3)
    guard, consumer = _guard(start=15, stall=5.0)
    guard.restart({A: 15, b: 0})
    consumer.positions[A] = 40
    guard.last_seen[A] -= 60  # A quiet for a minute...
    asyncio.run(guard.observe([Delivered(b, 0)]))  # ...while b is delivered right now
    asyncio.run(guard.check())
    assert consumer.seeks == []
    guard.last_seen[b] -= 60  # everything quiet: now A's unread tail is a loss
    asyncio.run(guard.check())
    assert consumer.seeks == [(A, 15)]
