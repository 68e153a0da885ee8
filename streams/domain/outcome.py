"""What became of one applied event: the ``outcome`` label of ``support_events_total``.

Its own module because two states report it: the ticket state (``partition``) and the customer
state (``customer_state``).
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """The ``outcome`` label of ``support_events_total`` (the router adds ``invalid``)."""

    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    LATE = "late"
    CAPPED = "capped"  # its ticket's record is full (see ``ticket.MAX_TICKET_EVENTS``)
    FAILED = "failed"  # applying it raised: rolled back and dead-lettered by the runtime
