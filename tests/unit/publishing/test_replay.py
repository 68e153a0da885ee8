"""Replay's checkpoint: it moves only past lines the broker has acknowledged, in file order,
so a failure part-way loses nothing and a rerun continues after the last acknowledged handful.
(The e2e tests replay into a real broker; this one controls which handful fails.)"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
import pytest

from streams.config import Settings
from streams.publishing import replay as replaying
from streams.publishing.publish import OutgoingEvent


class HandfulPublisher:
    """Stands in for ``AsyncPublisher``: each ``enqueue`` is a handful, acknowledged a little
    later, in reverse order of handing over; the one numbered ``fail_at`` is refused."""

    handed: list[list[str]] = []  # noqa: RUF012 -- the handfuls of the last run, for the test
    fail_at: int | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        type(self).handed = []

    async def __aenter__(self) -> HandfulPublisher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.sleep(0.05)  # as the client's stop waits for what is in flight

    async def enqueue(self, events: list[OutgoingEvent]) -> asyncio.Future[Any]:
        number = len(self.handed)
        self.handed.append([e.payload["event_id"] for e in events])
        acknowledged = asyncio.get_running_loop().create_future()
        settle = acknowledged.set_exception if number == self.fail_at else acknowledged.set_result
        outcome = RuntimeError("refused") if number == self.fail_at else None
        asyncio.get_running_loop().call_later(0.02 / (number + 1), settle, outcome)
        return acknowledged


def _history(path: Path, lines: int) -> None:
    path.write_bytes(
        b"\n".join(
            orjson.dumps(
                {
                    "type": "ticket-created",
                    "event_id": f"e{n}",
                    "occurred_at": "2026-11-23T09:00:00Z",
                    "ticket_id": f"T-{n}",
                    "channel": "email",
                    "priority": "low",
                }
            )
            for n in range(1, lines + 1)
        )
        + b"\n"
    )


def test_a_refused_handful_keeps_the_checkpoint_before_it_and_a_rerun_sends_from_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replaying, "AsyncPublisher", HandfulPublisher)
    path = tmp_path / "history.jsonl"
    _history(path, 23)
    HandfulPublisher.fail_at = 2  # the third handful of 5 (lines 11-15)
    with pytest.raises(RuntimeError, match="refused"):
        asyncio.run(replaying.replay(Settings(), path, checkpoint_every=5, quiet=True))
    assert replaying.state_path(path).read_text() == "10"  # handfuls 0 and 1 acknowledged

    HandfulPublisher.fail_at = None
    sent, invalid = asyncio.run(replaying.replay(Settings(), path, checkpoint_every=5, quiet=True))
    assert (sent, invalid) == (13, 0)
    assert HandfulPublisher.handed[0][0] == "e11"  # from the first line not acknowledged
    assert [e for handful in HandfulPublisher.handed for e in handful] == [
        f"e{n}" for n in range(11, 24)
    ]
    assert replaying.state_path(path).read_text() == "23"
