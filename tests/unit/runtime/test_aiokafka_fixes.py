"""The undecodable-batch fix (streams/runtime/aiokafka_fixes.py) on real aiokafka record batches:
a good batch then a corrupt one (a flipped byte: its CRC fails) or one whose attributes claim a
codec from the future (a valid CRC). Only the broker is faked: each fetch result is what the
fetcher would hold after a fetch response (``PartitionRecords`` over ``MemoryRecords``).
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka.consumer.fetcher import Fetcher, FetchResult, PartitionRecords
from aiokafka.errors import CorruptRecordException, UnsupportedCodecError
from aiokafka.record.default_records import DefaultRecordBase, DefaultRecordBatchBuilder
from aiokafka.record.memory_records import MemoryRecords
from aiokafka.record.util import calc_crc32c
from aiokafka.structs import TopicPartition

from streams.runtime import aiokafka_fixes, patching
from streams.runtime.aiokafka_fixes import UndecodableRecord
from streams.runtime.patching import PatchRefused

# aiokafka's own getall, unless an earlier test module already installed the fix at import
ORIGINAL_GETALL = FetchResult.getall
TP = TopicPartition("ticket-created", 3)
OTHER = TopicPartition("agent-replied", 0)
READ_UNCOMMITTED = 0


def _batch(base_offset: int, *values: bytes) -> bytes:
    builder = DefaultRecordBatchBuilder(
        magic=2,
        compression_type=0,
        is_transactional=0,
        producer_id=-1,
        producer_epoch=-1,
        base_sequence=-1,
        batch_size=1 << 20,
    )
    for delta, value in enumerate(values):
        builder.append(delta, timestamp=1_000, key=None, value=value, headers=[])
    data = builder.build()
    struct.pack_into(">q", data, 0, base_offset)  # the broker assigns it (outside the CRC)
    return bytes(data)


def _corrupt(batch: bytes) -> bytes:
    return batch[:-1] + bytes([batch[-1] ^ 0xFF])  # a payload byte: the CRC check fails


def _future_codec(batch: bytes) -> bytes:
    data = bytearray(batch)
    at = DefaultRecordBase.ATTRIBUTES_OFFSET
    struct.pack_into(">h", data, at, struct.unpack_from(">h", data, at)[0] | 0x05)
    struct.pack_into(">I", data, DefaultRecordBase.CRC_OFFSET, calc_crc32c(bytes(data[at:])))
    return bytes(data)


def _broken_gzip(batch: bytes) -> bytes:
    """Claims gzip over bytes that are not, with a valid CRC (a producer computes the CRC over
    whatever it compressed): the codec's own error, not one of aiokafka's."""
    data = bytearray(batch)
    at = DefaultRecordBase.ATTRIBUTES_OFFSET
    struct.pack_into(">h", data, at, struct.unpack_from(">h", data, at)[0] | 0x01)
    struct.pack_into(">I", data, DefaultRecordBase.CRC_OFFSET, calc_crc32c(bytes(data[at:])))
    return bytes(data)


class Assignment:
    """What a fetch result asks of the subscription: active, not paused, and the position."""

    active = True

    def __init__(self, positions: dict[TopicPartition, int]) -> None:
        self.states = {
            tp: SimpleNamespace(paused=False, position=offset, consumed_to=self._mover(tp))
            for tp, offset in positions.items()
        }

    def _mover(self, tp: TopicPartition) -> Callable[[int], None]:
        def consumed_to(offset: int) -> None:
            self.states[tp].position = offset

        return consumed_to

    def state_value(self, tp: TopicPartition) -> Any:
        return self.states[tp]

    def position(self, tp: TopicPartition = TP) -> int:
        return int(self.states[tp].position)


def _fetched(
    assignment: Assignment, data: bytes, offset: int, tp: TopicPartition = TP
) -> FetchResult:
    records = PartitionRecords(
        tp, MemoryRecords(data), [], offset, None, None, True, READ_UNCOMMITTED
    )
    return FetchResult(tp, assignment=assignment, partition_records=records, backoff=0)


def _values(records: list[Any]) -> list[bytes]:
    return [r.value for r in records]


@pytest.fixture(autouse=True)
def installed() -> None:
    aiokafka_fixes.install()  # global and idempotent, as in every worker: left installed


BAD_BATCHES = pytest.mark.parametrize(
    "spoil, cause",
    [
        (_corrupt, CorruptRecordException),
        (_future_codec, UnsupportedCodecError),
        (_broken_gzip, Exception),
    ],
    ids=["crc", "codec", "broken gzip"],
)


@BAD_BATCHES
def test_records_before_a_bad_batch_are_handed_out_and_the_next_fetch_names_its_offset(
    spoil: Callable[[bytes], bytes], cause: type[Exception]
) -> None:
    good, rest = _batch(10, b"a", b"b"), spoil(_batch(12, b"c", b"d")) + _batch(14, b"e")
    assignment = Assignment({TP: 10})
    fetched = _fetched(assignment, good + rest, 10)
    assert _values(fetched.getall()) == [b"a", b"b"]
    assert assignment.position() == 12 and not fetched.has_more()

    refetched = _fetched(assignment, rest, 12)  # what the broker sends from offset 12
    with pytest.raises(UndecodableRecord) as raised:
        refetched.getall()
    assert (raised.value.tp, raised.value.offset) == (TP, 12)
    assert isinstance(raised.value.cause, cause) and not raised.value.retriable
    assert assignment.position() == 12  # not moved: the caller dead-letters it and seeks


def test_a_result_that_raised_has_nothing_more_so_the_fetcher_fetches_again() -> None:
    assignment = Assignment({TP: 12})
    fetched = _fetched(assignment, _corrupt(_batch(12, b"c")), 12)
    with pytest.raises(UndecodableRecord):
        fetched.getall()
    # a caller that does not seek calls again: the same error comes from a new fetch, not
    # something else from this spent result (the fetcher drops a result with nothing more)
    assert fetched.getall() == [] and not fetched.has_more()


def test_records_of_another_partition_in_the_same_getmany_are_not_lost() -> None:
    assignment = Assignment({OTHER: 0, TP: 12})
    fetcher = SimpleNamespace(
        _subscriptions=SimpleNamespace(reassignment_in_progress=False),
        _records={
            OTHER: _fetched(assignment, _batch(0, b"x", b"y"), 0, OTHER),
            TP: _fetched(assignment, _corrupt(_batch(12, b"c")), 12),
        },
        _notify=lambda future: None,
        _wait_consume_future=None,
    )

    async def getmany_until_the_error() -> list[bytes]:
        handed_out: list[bytes] = []
        for _ in range(2):  # the good partition's records, then the error (or the other way)
            try:
                fetched = await Fetcher.fetched_records(fetcher, (), 0)
            except UndecodableRecord as exc:
                assert (exc.tp, exc.offset) == (TP, 12)
                break
            handed_out += _values(fetched.get(OTHER, []))
        return handed_out

    handed_out = asyncio.run(getmany_until_the_error())
    # either both records were returned, or the position still points at them
    assert handed_out == [b"x", b"y"] or assignment.position(OTHER) == 0, (
        f"{handed_out} returned, but the position moved to {assignment.position(OTHER)}"
    )


def test_max_records_stops_inside_the_good_records() -> None:
    data = _batch(10, b"a", b"b", b"c") + _corrupt(_batch(13, b"d"))
    assignment = Assignment({TP: 10})
    fetched = _fetched(assignment, data, 10)
    assert _values(fetched.getall(2)) == [b"a", b"b"] and assignment.position() == 12
    assert _values(fetched.getall(2)) == [b"c"] and assignment.position() == 13


def test_without_the_fix_the_good_records_are_lost_and_the_position_never_moves() -> None:
    if getattr(ORIGINAL_GETALL, "__module__", "") != "aiokafka.consumer.fetcher":
        pytest.skip("the fix was installed before this module was imported")
    data = _batch(10, b"a", b"b") + _corrupt(_batch(12, b"c"))
    assignment = Assignment({TP: 10})
    fetched = _fetched(assignment, data, 10)
    with pytest.raises(CorruptRecordException):
        ORIGINAL_GETALL(fetched)
    assert ORIGINAL_GETALL(fetched) == []  # a and b are gone with the error
    assert assignment.position() == 10  # so the next fetch reads the same bytes: forever


def test_the_fix_refuses_another_aiokafka_and_patches_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(aiokafka_fixes, "_installed", False)
    monkeypatch.setattr(FetchResult, "getall", FetchResult.getall)  # put back afterwards
    monkeypatch.setattr(patching, "version", lambda distribution: "0.15.0")
    before = FetchResult.getall
    with pytest.raises(PatchRefused, match=r"aiokafka_fixes .*aiokafka 0\.14\.0.*0\.15\.0"):
        aiokafka_fixes.install()
    assert FetchResult.getall is before and not aiokafka_fixes._installed
