"""The backfill benchmark's history file is valid input for ``supportkpi replay``, in the past,
and spans at most a month (figures only: no timing is asserted)."""

from __future__ import annotations

import time
from pathlib import Path

from streams.devtools.bench import backfill
from streams.domain.timeparse import parse_rfc3339_ms
from streams.publishing import eventfile


def test_the_history_is_valid_in_the_past_and_within_a_month(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    backfill.history(path, 3000)
    lines = list(eventfile.read(path))
    assert len(lines) == 3000 and all(line.error is None for line in lines)
    times = [parse_rfc3339_ms(line.fields["occurred_at"]) for line in lines if line.fields]
    now_ms = time.time() * 1000
    assert max(times) <= now_ms and now_ms - min(times) <= 31 * backfill.DAY_MS + 60_000
    assert len({line.kind for line in lines}) > 3
