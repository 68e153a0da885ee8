"""The processor's clock: what "now" is for windows, backlog ages and SLA deadlines.

Live, it is the wall clock. In replay mode (``SUPPORTKPI_CLOCK=event``) it is the newest event
time seen, so that a backfill fills the windows it would have filled live. Only the agent and
the rebuilds move it (``saw``); scrapes and timers read it.
"""

from __future__ import annotations

import time


class EventClock:
    """Wall time live, the newest event time in replay mode; also remembers that newest time."""

    __slots__ = ("event_time", "newest_ms")

    def __init__(self, event_time: bool = False) -> None:
        self.event_time = event_time  # replay mode: time is the events' own
        self.newest_ms: int | None = None  # the newest event time seen (None: no event yet)

    def saw(self, at_ms: int) -> None:
        """An event of time ``at_ms`` was applied or loaded."""
        if self.newest_ms is None or at_ms > self.newest_ms:
            self.newest_ms = at_ms

    def waiting_ms(self) -> int:
        """Now for events that wait for their ticket-created: the wall clock, also in replay
        mode. A backfill reads each topic at its own pace, so the event clock races ahead of
        the slower ones, and waiting by it would drop replies whose ticket is seconds away."""
        return int(time.time() * 1000)

    def now_ms(self) -> int:
        """Now, in epoch milliseconds.

        In replay mode, before the first event, time has not started (0): starting at the wall
        clock would put every window of a backfill in the future, empty.
        """
        if self.event_time:
            return self.newest_ms or 0
        return int(time.time() * 1000)
