"""Fixes for Faust bugs that silently lose events after a restart or rebalance; always on.

1. **Partitions without a committed offset.** During recovery Faust keeps stream partitions
   paused in its own bookkeeping while the Kafka client goes on fetching them, and drops what
   it fetched (``Consumer.getmany`` yields only records of "active" partitions). Afterwards
   ``perform_seek`` moves every stream partition back to its committed offset, so the dropped
   records are fetched again — except partitions without a committed offset: aiokafka's
   ``seek_to_committed`` skips offsets that are None or 0, their position stays past the
   dropped records, and those events are never processed nor committed. The fix seeks such a
   partition to its earliest offset (the configured ``earliest`` reset), before it resumes.
   Found by ``tests/reliability/test_crashes.py`` (several ``kill -9`` during a long trace).

2. **Records fetched but never delivered.** Around a rebalance Faust has more places that drop
   a fetched record without a trace (a fetch cut short when flow stops or the generation
   changes, a stream that skips a message while flow control is paused, records fetched
   between a partition's resume and its seek), and its commit check lets exactly one missing
   offset through (it compares the first acknowledged offset with the committed one as if the
   committed offset were the last one processed, not the next one). Seen in
   ``test_adding_a_second_worker_mid_trace_changes_no_kpi`` about once in six runs: one event
   of 247 never reached an agent; once its offset was committed past, once the partition's
   tail simply never arrived. ``DeliveryGuard`` closes the gap whatever the path: it knows
   the offset each partition restarts from, sees every offset the agents receive, and rewinds
   a partition (Faust's own ``seek``) when an offset is skipped or when the client has read
   past what the agents received and nothing arrives. A rewind re-delivers records the
   agents may already have seen; ``event_id`` dedupe makes that harmless. An offset still
   absent after one rewind is a real hole (transaction markers, compaction) and is accepted.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Iterable, Mapping
from typing import Any

from streams.runtime.patching import require, require_attributes

log = logging.getLogger(__name__)
_installed = False
STALL_SECONDS = 5.0  # no delivery for this long while the client has read further: rewind
_guards: weakref.WeakKeyDictionary[Any, DeliveryGuard] = weakref.WeakKeyDictionary()  # by app


class DeliveryGuard:
    """Per stream partition: the next offset the agents must see, and rewinds when they don't."""

    def __init__(self, app: Any, stall_seconds: float = STALL_SECONDS) -> None:
        self.app = app  # faust.App; its consumer exists only once the worker starts
        self.stall_seconds = stall_seconds
        self.expected: dict[Any, int] = {}
        self.rewound_at: dict[Any, int] = {}  # the expected offset each partition was rewound to
        self.last_seen: dict[Any, float] = {}
        self.rewinds = 0
        _guards[app] = self

    def restart(self, starts: Mapping[Any, int]) -> None:
        """After every seek to committed offsets: each partition restarts at ``starts[tp]``."""
        now = time.monotonic()
        self.expected = dict(starts)
        self.rewound_at.clear()
        self.last_seen = dict.fromkeys(starts, now)

    async def observe(self, messages: Iterable[Any]) -> None:
        """Offsets the agents received, in order per partition; rewind past a skipped one."""
        now = time.monotonic()
        holes: dict[Any, int] = {}
        expected = self.expected
        for message in messages:
            tp = message.tp
            want = expected.get(tp)
            if want is None or tp in holes:
                continue
            self.last_seen[tp] = now
            offset = message.offset
            if offset > want:
                if self.rewound_at.get(tp) != want:
                    holes[tp] = want
                    continue
                self._accept(tp, want, offset)
            if offset >= want:
                expected[tp] = offset + 1
        for tp, want in holes.items():
            await self._rewind(tp, want)

    async def check(self) -> None:
        """Timer: a partition the client has read past while the agents got nothing at all.

        Only while every partition has been quiet: an agent busy with a backlog (or a long
        timer) leaves some partitions waiting in Faust's buffers for seconds, and rewinding
        those would re-read work already on its way. A hole seen while traffic flows is
        caught by ``observe`` instead.
        """
        consumer = self.app.consumer
        if self.app.rebalancing or not consumer.flow_active:
            return
        now = time.monotonic()
        if now - max(self.last_seen.values(), default=now) < self.stall_seconds:
            return
        for tp, want in list(self.expected.items()):
            if now - self.last_seen.get(tp, now) < self.stall_seconds:
                continue
            try:
                position = await consumer.position(tp)
            except Exception:  # moved away meanwhile; the next restart resets the guard
                continue
            if position is not None and position > want:
                self.last_seen[tp] = now
                if self.rewound_at.get(tp) == want:
                    self._accept(tp, want, position)
                else:
                    await self._rewind(tp, want)

    def _accept(self, tp: Any, want: int, present: int) -> None:
        """A hole that a re-read did not fill is real: expect ``present`` next."""
        self.expected[tp] = present
        log.info(
            "%s[%d]: offsets %d..%d are absent after a re-read (transaction markers or"
            " compaction); going on",
            tp.topic,
            tp.partition,
            want,
            present - 1,
        )

    async def _rewind(self, tp: Any, want: int) -> None:
        self.rewound_at[tp] = want
        self.rewinds += 1
        log.warning(
            "%s[%d]: offset %d was fetched but never delivered; re-reading from it",
            tp.topic,
            tp.partition,
            want,
        )
        await self.app.consumer.seek(tp, want)


def install() -> None:
    """Patch Faust's consumer (idempotent); refuses (``PatchRefused``) on unverified versions."""
    global _installed
    if _installed:
        return
    patch = "streams.runtime.faust_fixes: Consumer.perform_seek"
    require("faust-streaming", {"0.15.3"}, patch)
    from faust.transport.consumer import Consumer

    require_attributes(
        Consumer,
        [
            "perform_seek",
            "_committed_offset",
            "_is_changelog_tp",
            "assignment",
            "earliest_offsets",
            "seek",
            "app",
        ],
        patch,
    )
    original = Consumer.perform_seek

    async def perform_seek(self: Any) -> None:
        await original(self)
        streams = [tp for tp in self.assignment() if not self._is_changelog_tp(tp)]
        fresh = [tp for tp in streams if not self._committed_offset[tp]]
        earliest = await self.earliest_offsets(*fresh) if fresh else {}
        for tp in fresh:
            await self.seek(tp, earliest[tp])
        if fresh:
            log.info(
                "no committed offset: %d partitions start at their earliest offset", len(fresh)
            )
        guard = _guards.get(self.app)
        if guard is not None:
            guard.restart({tp: self._committed_offset[tp] or earliest[tp] for tp in streams})

    Consumer.perform_seek = perform_seek  # type: ignore[method-assign]
    _installed = True
