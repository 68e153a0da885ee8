"""Validation of the fields of a published event: each failure is an ``InvalidEvent`` whose text
is the dead-letter reason."""

from __future__ import annotations

from typing import Any

from streams.domain.timeparse import parse_rfc3339_ms

MAX_ID_LENGTH = 256


class InvalidEvent(ValueError):
    """A message that cannot be processed; ``str(exc)`` is the dead-letter reason."""


def required(doc: dict[str, Any], field: str) -> str:
    value = string(doc, field, required=True)
    assert value is not None
    return value


def string(doc: dict[str, Any], field: str, *, required: bool = False) -> str | None:
    value = doc.get(field)
    if value is None:
        if required:
            raise InvalidEvent(f"missing required field {field!r}")
        return None
    if not isinstance(value, str):
        raise InvalidEvent(f"{field!r} must be a string, got {type(value).__name__}")
    if not value or len(value) > MAX_ID_LENGTH:
        raise InvalidEvent(f"{field!r} must be 1..{MAX_ID_LENGTH} characters long")
    return value


def timestamp(doc: dict[str, Any]) -> int:
    value = doc.get("occurred_at")
    if not isinstance(value, str):
        raise InvalidEvent(
            "missing required field 'occurred_at'"
            if value is None
            else "'occurred_at' must be an RFC 3339 string"
        )
    try:
        return parse_rfc3339_ms(value)
    except ValueError as exc:
        raise InvalidEvent(str(exc)) from None
