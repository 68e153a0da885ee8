"""A fix for a Faust bug that silently loses events after a restart or rebalance; always on.

During recovery Faust keeps stream partitions paused in its own bookkeeping while the Kafka
client goes on fetching them, and drops what it fetched (``Consumer.getmany`` yields only
records of "active" partitions). Afterwards ``perform_seek`` moves every stream partition back
to its committed offset, so the dropped records are fetched again — except partitions without a
committed offset: aiokafka's ``seek_to_committed`` skips offsets that are None or 0, their
position stays past the dropped records, and those events are never processed nor committed.

Found by ``tests/reliability/test_crashes.py`` (several ``kill -9`` during a long trace): events
of partitions that no worker had committed yet never reached a KPI. The fix applies the
configured ``earliest`` reset explicitly: a stream partition without a committed offset is
sought to its earliest offset, in the same step, before its stream resumes.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)
_installed = False


def install() -> None:
    """Patch Faust's consumer (idempotent)."""
    global _installed
    if _installed:
        return
    from faust.transport.consumer import Consumer

    original = Consumer.perform_seek

    async def perform_seek(self: Any) -> None:
        await original(self)
        fresh = [tp for tp in self.assignment()
                 if not self._is_changelog_tp(tp) and not self._committed_offset[tp]]
        if not fresh:
            return
        earliest = await self.earliest_offsets(*fresh)
        for tp in fresh:
            await self.seek(tp, earliest[tp])
        log.info("no committed offset: %d partitions start at their earliest offset",
                 len(fresh))

    Consumer.perform_seek = perform_seek  # type: ignore[method-assign]
    _installed = True
