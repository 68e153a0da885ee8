"""``streams.publish``: the public import path of the publishing SDK, kept for users' code.

The README and the services that publish events import ``from streams.publish import ...``; the
SDK itself lives in ``streams.publishing.publish``, next to the rest of what publishers use
(ingest, replay, event files). This module only re-exports it, so both paths give the same
objects and there is one place to change.
"""

from streams.publishing.publish import (
    AsyncPublisher,
    OutgoingEvent,
    Publisher,
    agent_replied,
    customer_replied,
    make_event,
    survey_answered,
    survey_sent,
    ticket_created,
    ticket_reopened,
    ticket_resolved,
    ticket_updated,
)

__all__ = [
    "AsyncPublisher",
    "OutgoingEvent",
    "Publisher",
    "agent_replied",
    "customer_replied",
    "make_event",
    "survey_answered",
    "survey_sent",
    "ticket_created",
    "ticket_reopened",
    "ticket_resolved",
    "ticket_updated",
]
