"""A fix for aiokafka: a record batch it cannot decode stops the whole consumer for good.

A batch whose codec library is missing, or whose bytes are corrupt (CRC), makes
``FetchResult.getall`` raise out of ``getmany`` *and drop the records it had already decoded in
the same fetch*, without moving the position: the next ``getmany`` fetches the same bytes and
raises again, forever — a crash loop that no restart ends; and ``Fetcher.fetched_records`` loses
what it had already drained from other partitions in the same call. With this patch the records
before the bad batch (of its partition and of the others) are handed out first, and the next
call raises ``UndecodableRecord`` naming the partition and the first offset that could not be
read, so the caller can dead-letter that offset and seek past it. ``fetched_records`` is
aiokafka 0.14.0's own loop with that one change (hence the version check). Every codec Kafka
producers use is installed (``aiokafka[lz4,snappy,zstd]``), so what is left is true corruption
or a codec from the future. Always on.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiokafka.errors import KafkaError
from aiokafka.structs import TopicPartition

from streams.runtime import patching
from streams.runtime.liveness import why

SUPPORTED = ("0.14.0",)
_installed = False


class UndecodableRecord(KafkaError):
    """The record at ``offset`` of ``tp`` (or its batch) cannot be decoded."""

    retriable = False

    def __init__(self, tp: TopicPartition, offset: int, cause: Exception) -> None:
        super().__init__(f"{tp.topic}[{tp.partition}]@{offset}: {why(cause)}")
        self.tp, self.offset, self.cause = tp, offset, cause


def install() -> None:  # noqa: C901 -- checks, then the copied upstream method
    """Patch ``FetchResult.getall`` and ``Fetcher.fetched_records`` (idempotent; refuses other
    aiokafka versions)."""
    global _installed
    if _installed:
        return
    from aiokafka.consumer.fetcher import Fetcher, FetchError, FetchResult

    patching.require("aiokafka", SUPPORTED, "aiokafka_fixes (undecodable batches)")
    patching.require_attributes(
        FetchResult,
        ("getall", "check_assignment", "has_more", "_update_position"),
        "aiokafka_fixes",
    )
    patching.require_attributes(
        Fetcher, ("fetched_records", "_notify", "_create_fetch_waiter"), "aiokafka_fixes"
    )

    def getall(self: Any, max_records: int | None = None) -> list[Any]:
        tp = self._topic_partition
        if not self.has_more() or not self.check_assignment(tp):
            return []
        records = self._partition_records
        taken: list[Any] = []
        try:
            for message in records:
                taken.append(message)
                if max_records is not None and len(taken) >= max_records:
                    self._update_position()
                    return taken
        except Exception as exc:  # a codec's own error too (zlib, lz4, zstd raise theirs)
            if not taken:
                self._partition_records = None  # the next fetch starts at the bad batch
                raise UndecodableRecord(tp, records.next_fetch_offset, exc) from exc
        self._update_position()  # past the records taken: the bad batch is fetched again
        self._partition_records = None
        return taken

    FetchResult.getall = getall

    async def fetched_records(  # noqa: C901 -- aiokafka's own method
        self: Any,
        partitions: Any,
        timeout: float = 0,  # noqa: ASYNC109 -- aiokafka's signature
        max_records: int | None = None,
    ) -> dict[Any, list[Any]]:
        """aiokafka's, but records drained from other partitions before an undecodable batch
        are returned first; the error is raised at the next call, like a FetchError."""
        while True:
            if self._subscriptions.reassignment_in_progress:
                await self._subscriptions.wait_for_assignment()
            start_time = time.monotonic()
            drained: dict[Any, list[Any]] = {}
            for tp in list(self._records.keys()):
                if partitions and tp not in partitions:
                    if not self._subscriptions.is_assigned(tp):
                        del self._records[tp]
                    continue
                res_or_error = self._records[tp]
                if type(res_or_error) is FetchResult:
                    try:
                        records = res_or_error.getall(max_records)
                    except UndecodableRecord as exc:
                        if drained:
                            self._records[tp] = FetchError(error=exc, backoff=0)
                            return drained
                        del self._records[tp]
                        self._notify(self._wait_consume_future)
                        raise
                    if not res_or_error.has_more():
                        del self._records[tp]
                        self._notify(self._wait_consume_future)
                    if not records:
                        continue
                    drained[tp] = records
                    if max_records is not None:
                        max_records -= len(drained[tp])
                        if max_records == 0:
                            break
                elif drained:
                    return drained
                else:
                    del self._records[tp]
                    self._notify(self._wait_consume_future)
                    res_or_error.check_raise()
            if drained or not timeout:
                return drained
            waiter = self._create_fetch_waiter()
            done, pending = await asyncio.wait([waiter], timeout=timeout)
            if not done or self._closed:
                if pending:
                    pending.pop().cancel()
                return {}
            if waiter.done():
                waiter.result()
            timeout = max(0, timeout - (time.monotonic() - start_time))

    Fetcher.fetched_records = fetched_records
    _installed = True
