"""RFC 3339 timestamps and human durations ("5m", "24h", "7d")."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
_DURATION = re.compile(r"^(\d+)(ms|s|m|h|d|w)$")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}


def parse_rfc3339_ms(value: str) -> int:
    """Epoch milliseconds of an RFC 3339 timestamp; naive timestamps are rejected.

    Raises ValueError with a reason a publisher can act on.
    """
    match = _RFC3339.match(value)
    if match is None:
        if re.match(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$", value):
            raise ValueError(f"occurred_at {value!r} has no UTC offset (add 'Z' or '+hh:mm')")
        raise ValueError(f"occurred_at {value!r} is not an RFC 3339 date-time")
    text = value
    fraction = match.group(1)
    if fraction is not None and len(fraction) > 7:  # Python parses at most microseconds
        text = text.replace(fraction, fraction[:7])
    if text[-1] == "z":
        text = text[:-1] + "Z"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"occurred_at {value!r} is not a valid date-time: {exc}") from None
    return (parsed - _EPOCH) // _MILLISECOND  # exact integer arithmetic, no float rounding


def parse_duration_ms(text: str) -> int:
    """Milliseconds of a duration like ``90s``, ``15m``, ``24h``, ``7d``."""
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a duration like 30s, 15m, 24h or 7d")
    return int(match.group(1)) * _UNIT_MS[match.group(2)]

