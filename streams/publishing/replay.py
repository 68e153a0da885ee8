"""``supportkpi replay``: backfill history from a file, rate limited, resumable.

Progress is checkpointed (the last line acknowledged by the broker) in ``FILE.replay-state``;
a rerun continues after it. Lines without an ``event_id`` get a stable one, so even lines sent
twice around an interruption count once.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any

from tqdm import tqdm

from streams.config import Settings
from streams.publishing import batching, eventfile
from streams.publishing.publish import AsyncPublisher, OutgoingEvent, make_event
from streams.runtime.security import client_options


def state_path(path: Path) -> Path:
    return path.with_name(path.name + ".replay-state")


#: events handed to the client at a time (a batch per partition), and how many such handfuls
#: may wait for the broker's acknowledgement while the next are read and sent
CHUNK = 5_000
IN_FLIGHT = 3


async def replay(
    settings: Settings,
    path: Path,
    rate: float | None = None,
    checkpoint_every: int = CHUNK,
    quiet: bool = False,
) -> tuple[int, int]:
    """Send the file's events; return (sent, skipped as invalid).

    The checkpoint moves only past lines whose events, and all before them, the broker has
    acknowledged: an interruption loses none, and a rerun sends again at most what was in flight.
    """
    state = state_path(path)
    done = int(state.read_text()) if state.exists() else 0
    sent = invalid = 0
    started = time.monotonic()
    with path.open("rb") as counting:
        total = sum(1 for _ in counting) - (1 if path.suffix == ".csv" else 0)
    bar = tqdm(
        total=total,
        initial=min(done, total),
        unit=" lines",
        unit_scale=True,
        desc=path.name,
        file=sys.stderr,
        disable=quiet,
        dynamic_ncols=True,
    )
    async with AsyncPublisher(
        settings.bootstrap_servers, settings.topic_prefix, **client_options(settings)
    ) as publisher:
        chunk: list[OutgoingEvent] = []
        last_line = done
        in_flight: deque[tuple[int, asyncio.Future[Any]]] = deque()

        async def settle(keep: int) -> None:
            while len(in_flight) > keep:
                line, acknowledged = in_flight.popleft()
                await acknowledged
                state.write_text(str(line))

        async def hand_over(keep: int) -> None:
            nonlocal chunk
            if chunk:
                in_flight.append((last_line, await publisher.enqueue(chunk)))
                chunk = []
            await settle(keep)

        try:
            for line in eventfile.read(path):
                if line.number <= done:
                    continue
                if line.fields is None:
                    invalid += 1
                    print(f"{path}:{line.number}: skipped: {line.error}", file=sys.stderr)
                    continue
                fields = line.fields
                if "event_id" not in fields:
                    fields = {**fields, "event_id": eventfile.stable_event_id(path, line)}
                try:
                    chunk.append(make_event(line.kind, fields))
                except ValueError as exc:
                    invalid += 1
                    print(f"{path}:{line.number}: skipped: {exc}", file=sys.stderr)
                    continue
                sent += 1
                last_line = line.number
                if len(chunk) >= checkpoint_every:
                    await hand_over(IN_FLIGHT - 1)
                if rate:
                    ahead = sent / rate - (time.monotonic() - started)
                    if ahead > 0:
                        await hand_over(0)
                        await asyncio.sleep(ahead)
                bar.update(line.number - bar.n)  # every line: a rate-limited replay moves too
            await hand_over(0)
        finally:  # after a failure, the later handfuls' outcomes are of no use
            for _, pending in in_flight:
                pending.add_done_callback(batching.ignore_outcome)
    bar.update(max(0, total - bar.n))
    bar.close()
    if not quiet:
        print(f"replayed {sent:,} events ({invalid} invalid skipped) from {path}", file=sys.stderr)
    return sent, invalid
