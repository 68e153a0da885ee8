"""Whether each stage of the worker is making progress: what ``/health`` and
``support_processing_stalled`` report.

A worker whose router retries the same send forever, whose agent is stuck in one batch, or whose
rebuilds keep failing serves stale numbers while every process looks alive. Each stage reports
here instead: ``beat`` when it made progress (or found nothing to do), ``busy``/``done`` around
a unit of work, ``failing`` while it retries an error, ``recovered`` once that passed. A stage is
*stalled* when it has failed, gone quiet (if it promises regular beats) or stayed busy for
``stall_seconds``; a short hiccup (a broker restart) never fails a liveness probe.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

RETRY_SECONDS = 1.0  # the first pause of a stage that retries; it doubles up to the maximum
RETRY_SECONDS_MAX = 30.0


def retry_pause(attempt: int) -> float:
    """Seconds to wait before retry number ``attempt`` (0-based) of any stage."""
    return min(RETRY_SECONDS * 2 ** min(attempt, 16), RETRY_SECONDS_MAX)


def why(exc: BaseException) -> str:
    """A failure's reason, for a stage's state, a log line or a dead letter: type and message."""
    return f"{type(exc).__name__}: {exc}"


@dataclass
class Stage:
    beats: bool  # promises a beat at least every few seconds while running (a poll loop)
    beat_at: float
    busy_since: float | None = None
    failing: str | None = None
    failing_since: float = 0.0


class Liveness:
    def __init__(self, stall_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.stall_seconds = stall_seconds
        self.clock = clock
        self.stages: dict[str, Stage] = {}

    def register(self, stage: str, beats: bool = False) -> None:
        self.stages[stage] = Stage(beats, self.clock())

    def beat(self, stage: str) -> None:
        self.stages[stage].beat_at = self.clock()

    def busy(self, stage: str) -> None:
        entry = self.stages[stage]
        entry.busy_since = entry.beat_at = self.clock()

    def done(self, stage: str) -> None:
        entry = self.stages[stage]
        entry.busy_since, entry.beat_at = None, self.clock()

    def failing(self, stage: str, reason: str) -> None:
        """The stage is retrying ``reason``; the first failure of a run starts its clock."""
        entry = self.stages[stage]
        if entry.failing is None:
            entry.failing_since = self.clock()
        entry.failing = reason

    def recovered(self, stage: str) -> None:
        entry = self.stages[stage]
        entry.failing = None
        entry.beat_at = self.clock()

    def stalled(self) -> dict[str, str]:
        """Stalled stages with the reason, for ``/health`` and the gauge."""
        now, limit = self.clock(), self.stall_seconds
        out = {}
        for name, entry in self.stages.items():
            if entry.failing is not None and now - entry.failing_since >= limit:
                out[name] = f"failing for {now - entry.failing_since:.0f} s: {entry.failing}"
            elif entry.beats and now - entry.beat_at >= limit:
                out[name] = f"no progress for {now - entry.beat_at:.0f} s"
            elif entry.busy_since is not None and now - entry.beat_at >= limit:
                out[name] = f"one unit of work has taken {now - entry.busy_since:.0f} s"
        return out

    def states(self) -> dict[str, bool]:
        """Every stage: stalled or not (``support_processing_stalled``)."""
        stalled = self.stalled()
        return {name: name in stalled for name in self.stages}
