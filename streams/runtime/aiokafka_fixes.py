"""A fix for aiokafka: a record batch it cannot decode stops the whole consumer for good.

A batch whose codec library is missing, or whose bytes are corrupt (CRC), makes
``FetchResult.getall`` raise out of ``getmany`` *and drop the records it had already decoded in
the same fetch*, without moving the position: the next ``getmany`` fetches the same bytes and
raises again, forever — a crash loop that no restart ends. With this patch the records before the
bad batch are handed out first, and the next call raises ``UndecodableRecord`` naming the
partition and the first offset that could not be read, so the caller can dead-letter that offset
and seek past it. Every codec Kafka producers use is installed (``aiokafka[lz4,snappy,zstd]``),
so what is left is true corruption or a codec from the future. Always on.
"""

from __future__ import annotations

from typing import Any

from aiokafka.errors import CorruptRecordException, KafkaError, UnsupportedCodecError
from aiokafka.structs import TopicPartition

from streams.runtime import patching

SUPPORTED = ("0.14.0",)
_installed = False


class UndecodableRecord(KafkaError):
    """The record at ``offset`` of ``tp`` (or its batch) cannot be decoded."""

    retriable = False

    def __init__(self, tp: TopicPartition, offset: int, cause: Exception) -> None:
        super().__init__(f"{tp.topic}[{tp.partition}]@{offset}: {type(cause).__name__}: {cause}")
        self.tp, self.offset, self.cause = tp, offset, cause


def install() -> None:
    """Patch ``FetchResult.getall`` (idempotent; refuses other aiokafka versions)."""
    global _installed
    if _installed:
        return
    from aiokafka.consumer.fetcher import FetchResult

    patching.require("aiokafka", SUPPORTED, "aiokafka_fixes (undecodable batches)")
    patching.require_attributes(FetchResult, ("getall", "check_assignment", "has_more",
                                              "_update_position"), "aiokafka_fixes")

    def getall(self: Any, max_records: int | None = None) -> list[Any]:
        tp = self._topic_partition
        if not self.check_assignment(tp) or not self.has_more():
            return []
        records = self._partition_records
        taken: list[Any] = []
        try:
            for message in records:
                taken.append(message)
                if max_records is not None and len(taken) >= max_records:
                    self._update_position()
                    return taken
        except (UnsupportedCodecError, CorruptRecordException) as exc:
            self._partition_records = None  # the rest of this fetch is fetched again
            if not taken:
                raise UndecodableRecord(tp, records.next_fetch_offset, exc) from exc
        self._update_position()
        self._partition_records = None
        return taken

    FetchResult.getall = getall
    _installed = True
