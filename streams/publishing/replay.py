"""``supportkpi replay``: backfill history from a file, rate limited, resumable.

Progress is checkpointed (the last line acknowledged by the broker) in ``FILE.replay-state``;
a rerun continues after it. Lines without an ``event_id`` get a stable one, so even lines sent
twice around an interruption count once.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from tqdm import tqdm

from streams.config import Settings
from streams.publishing import eventfile
from streams.publishing.publish import AsyncPublisher, make_event
from streams.runtime.security import client_options


def state_path(path: Path) -> Path:
    return path.with_name(path.name + ".replay-state")


async def replay(
    settings: Settings,
    path: Path,
    rate: float | None = None,
    checkpoint_every: int = 500,
    quiet: bool = False,
) -> tuple[int, int]:
    """Send the file's events; return (sent, skipped as invalid)."""
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
        batch: list = []
        last_line = done

        async def flush() -> None:
            nonlocal batch
            if batch:
                await publisher.send_many(batch)
                state.write_text(str(last_line))
                batch = []

        for line in eventfile.read(path):
            if line.number <= done:
                continue
            if line.fields is None:
                invalid += 1
                print(f"{path}:{line.number}: skipped: {line.error}", file=sys.stderr)
                continue
            fields = dict(line.fields)
            fields.setdefault("event_id", eventfile.stable_event_id(path, line))
            try:
                batch.append(make_event(line.kind, fields))
            except ValueError as exc:
                invalid += 1
                print(f"{path}:{line.number}: skipped: {exc}", file=sys.stderr)
                continue
            sent += 1
            last_line = line.number
            if len(batch) >= checkpoint_every:
                await flush()
            if rate:
                ahead = sent / rate - (time.monotonic() - started)
                if ahead > 0:
                    await flush()
                    await asyncio.sleep(ahead)
            bar.update(max(0, line.number - bar.n))
        await flush()
    bar.update(max(0, total - bar.n))
    bar.close()
    if not quiet:
        print(f"replayed {sent:,} events ({invalid} invalid skipped) from {path}", file=sys.stderr)
    return sent, invalid
