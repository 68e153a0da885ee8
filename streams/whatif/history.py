"""History in: a JSON Lines or CSV file replayed into the worker's pure core, in event time.

Lines are read and decoded as ``supportkpi replay`` would send them (an event without an id
gets the same stable id), so the records are those a worker fed the same file would hold. The
events are applied in event-time order and the clock is the newest event so far, as in an
event-clock worker; nothing is late and nothing expires, so the whole file counts, however far
back it goes (a worker's windows stop at the largest, 30d by default).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import orjson
from tqdm import tqdm

from streams.config import Settings
from streams.domain.events import Event, InvalidEvent, decode
from streams.domain.partition import PartitionState
from streams.domain.record_store import Records
from streams.publishing import eventfile

BATCH = 1_000  # events between two moves of the clock, as a worker's batch


@dataclass(frozen=True)
class History:
    """The ticket records of a file, and what was read of it."""

    records: Records  # packed but the last ones written, as a worker keeps them
    newest_ms: int  # the clock at the end: SLA clocks still running are decided at it
    events: int
    invalid: int
    failed: int = 0  # events the core could not apply: a worker dead-letters them as failed


def read(path: Path, settings: Settings, progress: bool = True) -> History:
    """Replay ``path`` into one partition state (labels and limits as ``settings`` say)."""
    events, invalid = _decoded(path, progress)
    events.sort(key=_event_time)
    state = _state(settings, events[0].at_ms if events else 0)
    bar = tqdm(
        total=len(events),
        unit=" events",
        unit_scale=True,
        desc="replaying",
        file=sys.stderr,
        disable=not progress,
        dynamic_ncols=True,
    )
    failed = 0
    for start in range(0, len(events), BATCH):
        batch = events[start : start + BATCH]
        state.advance(batch[-1].at_ms)
        for event in batch:
            try:
                state.apply(event)
            except Exception:  # rolled back by the state, as in the worker: that event alone
                failed += 1
        state.dirty.clear()  # nothing to persist: the records stay in this process
        bar.update(len(batch))
    bar.close()
    newest = events[-1].at_ms if events else 0
    return History(state.records, newest, len(events), invalid, failed)


def _event_time(event: Event) -> int:
    return event.at_ms


def _decoded(path: Path, progress: bool) -> tuple[list[Event], int]:
    with path.open("rb") as counting:
        total = sum(1 for _ in counting) - (1 if path.suffix.lower() == ".csv" else 0)
    bar = tqdm(
        total=total,
        unit=" lines",
        unit_scale=True,
        desc=path.name,
        file=sys.stderr,
        disable=not progress,
        dynamic_ncols=True,
    )
    events: list[Event] = []
    invalid = 0
    for line in eventfile.read(path):
        bar.update(1)
        if line.fields is None:
            invalid += 1
            continue
        fields = {k: v for k, v in line.fields.items() if k != "type"}
        if "event_id" not in fields:
            fields["event_id"] = eventfile.stable_event_id(path, line)
        try:
            events.append(decode(orjson.dumps(fields), line.kind))
        except InvalidEvent:
            invalid += 1
    bar.close()
    return events, invalid


def _state(settings: Settings, start_ms: int) -> PartitionState:
    """A worker's partition state, without an SLA policy: records are facts, the same under
    any policy, which ``outcomes`` applies afterwards."""
    from streams.runtime.clock import EventClock
    from streams.runtime.states import StateFactory

    clock = EventClock(event_time=True)
    clock.saw(start_ms)
    return StateFactory(settings, clock, with_sla=False)()
