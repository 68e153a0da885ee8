"""Decoding of published events into one compact, validated ``Event``.

The JSON Schemas under ``schemas/`` are the public contract; this decoder implements the same rules
by hand because it runs once per message on the hot path (a generic validator costs more than the
rest of the processing). ``tests/unit/test_schemas.py`` proves the two agree on every example.
"""

from __future__ import annotations

from typing import Any

import orjson

from streams.domain.event_record import Event as Event
from streams.domain.event_record import Kind as Kind
from streams.domain.event_record import pack as pack
from streams.domain.event_record import unpack as unpack
from streams.domain.fields import InvalidEvent as InvalidEvent  # raised by decode: part of its API
from streams.domain.fields import required, string, timestamp
from streams.domain.survey_scales import SCALES, default_scale, score_range

SURVEY_RANGES: dict[str, tuple[int, int]] = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
AUTHORS = ("human", "bot", "automation")
RESOLVERS = ("human", "bot", "automation", "customer")  # ticket-resolved's ``resolved_by``
STATUSES = ("open", "pending", "on_hold")
#: how a survey reaches the customer; any other published method is counted as ``other``
METHODS = ("email", "sms", "in_app", "phone", "social", "web", "chat")
OTHER_METHOD = "other"
_KNOWN_METHODS = frozenset(METHODS)


def decode(raw: bytes | None, kind: Kind, max_bytes: int = 65536) -> Event:
    """Validate one message of topic ``kind``; raise ``InvalidEvent`` with a readable reason."""
    if raw is None:
        raise InvalidEvent("message has no value (tombstone)")
    if len(raw) > max_bytes:
        raise InvalidEvent(f"payload is {len(raw)} bytes, larger than the {max_bytes}-byte limit")
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidEvent(f"not valid UTF-8 JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise InvalidEvent(f"expected a JSON object, got {type(doc).__name__}")
    declared = doc.get("type", kind.value)
    if declared != kind.value:
        raise InvalidEvent(f"event of type {declared!r} published on the {kind.value} topic")
    event_id = required(doc, "event_id")
    at_ms = timestamp(doc)
    if kind is Kind.SURVEY:
        return _survey(doc, event_id, at_ms)
    if kind is Kind.SURVEY_SENT:
        return _survey_sent(doc, event_id, at_ms)
    ticket_id = required(doc, "ticket_id")
    if kind is Kind.CREATED:
        return Event(
            kind,
            event_id,
            at_ms,
            ticket_id,
            channel=required(doc, "channel"),
            priority=required(doc, "priority"),
            team=string(doc, "team"),
            category=string(doc, "category"),
            status=_status(doc),
            customer_id=string(doc, "customer_id"),
        )
    if kind is Kind.UPDATED:
        event = Event(
            kind,
            event_id,
            at_ms,
            ticket_id,
            priority=string(doc, "priority"),
            team=string(doc, "team"),
            category=string(doc, "category"),
            status=_status(doc),
        )
        if (event.priority, event.team, event.category, event.status) == (None,) * 4:
            raise InvalidEvent(
                "ticket-updated changes nothing: give status, priority, team or category"
            )
        return event
    if kind in (Kind.CUSTOMER_REPLIED, Kind.REOPENED):
        string(doc, "customer_id")
        return Event(kind, event_id, at_ms, ticket_id)
    if kind is Kind.REPLIED:
        return _replied(doc, event_id, at_ms, ticket_id)
    string(doc, "agent_id")
    if kind is Kind.RESOLVED:
        resolved_by = doc.get("resolved_by")
        if resolved_by is not None and resolved_by not in RESOLVERS:
            raise InvalidEvent(
                f"'resolved_by' must be one of {', '.join(RESOLVERS)}, got {resolved_by!r}"
            )
        return Event(kind, event_id, at_ms, ticket_id, resolved_by=resolved_by)
    return Event(kind, event_id, at_ms, ticket_id)


def _replied(doc: dict[str, Any], event_id: str, at_ms: int, ticket_id: str) -> Event:
    required(doc, "agent_id")
    public = doc.get("public", True)
    if not isinstance(public, bool):
        raise InvalidEvent(f"'public' must be true or false, got {public!r}")
    author = doc.get("author", "human")
    if author not in AUTHORS:
        raise InvalidEvent(f"'author' must be one of {', '.join(AUTHORS)}, got {author!r}")
    human = author == "human"
    return Event(
        Kind.REPLIED,
        event_id,
        at_ms,
        ticket_id,
        counts_as_response=public and human,
        bot_response=public and not human,
    )


def _status(doc: dict[str, Any]) -> str | None:
    status = doc.get("status")
    if status is not None and status not in STATUSES:
        raise InvalidEvent(f"'status' must be one of {', '.join(STATUSES)}, got {status!r}")
    return status


def survey_method(published: str) -> str:
    """A published survey method as a bounded label: a known method stays, any other is ``other``.

    An unknown method is not rejected: publishers add methods before this list learns them.
    """
    return published if published in _KNOWN_METHODS else OTHER_METHOD


def _method(doc: dict[str, Any], *, required: bool) -> str | None:
    published = string(doc, "method", required=required)
    return None if published is None else survey_method(published)


def _survey_type(doc: dict[str, Any]) -> str:
    survey = doc.get("survey")
    if not isinstance(survey, str) or survey not in SURVEY_RANGES:
        raise InvalidEvent(f"'survey' must be one of csat, nps, ces, got {survey!r}")
    return survey


def _survey_sent(doc: dict[str, Any], event_id: str, at_ms: int) -> Event:
    survey = _survey_type(doc)
    method = _method(doc, required=True)
    string(doc, "customer_id")
    ticket_id = string(doc, "ticket_id")
    return Event(Kind.SURVEY_SENT, event_id, at_ms, ticket_id, survey=survey, method=method)


def _survey(doc: dict[str, Any], event_id: str, at_ms: int) -> Event:
    survey = _survey_type(doc)
    score = _integer(doc, "score")
    scale = doc.get("scale")
    if scale is not None:
        scale = _integer(doc, "scale")
        if scale not in SCALES[survey]:
            allowed = " or ".join(map(str, SCALES[survey]))
            raise InvalidEvent(f"a {survey} 'scale' must be {allowed}, got {scale}")
    low, high = score_range(survey, scale or default_scale(survey))
    if not low <= score <= high:
        raise InvalidEvent(f"{survey} score {score} is outside {low}..{high}")
    string(doc, "customer_id")
    return Event(
        Kind.SURVEY,
        event_id,
        at_ms,
        string(doc, "ticket_id"),
        channel=string(doc, "channel"),
        survey=survey,
        score=score,
        method=_method(doc, required=False),
        scale=None if scale == default_scale(survey) else scale,
    )


def _integer(doc: dict[str, Any], field: str) -> int:
    value = doc.get(field)
    if isinstance(value, float) and value.is_integer():  # JSON Schema: 5.0 is an integer
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidEvent(f"{field!r} must be an integer, got {value!r}")
    return value
