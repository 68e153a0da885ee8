"""RFC 3339 timestamps and human durations ("5m", "24h", "7d").

Defined results at the edges: a leap second (``23:59:60``) is read as the last millisecond of
its minute (``23:59:59.999``), so it sorts between its neighbours; UTC offsets up to ±14:00 (the
furthest any zone goes) are accepted and anything beyond is rejected; fractions are cut to whole
milliseconds, never rounded up (``.1234567`` is 123 ms). Which instants are accepted at all is
``TimeBounds``' business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
_DURATION = re.compile(r"^(\d+)(ms|s|m|h|d|w)$")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
MAX_OFFSET_MINUTES = 14 * 60


def parse_rfc3339_ms(value: str) -> int:
    """Epoch milliseconds of an RFC 3339 timestamp; naive timestamps are rejected.

    Raises ValueError with a reason a publisher can act on.
    """
    match = _RFC3339.match(value)
    if match is None:
        if re.match(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$", value):
            raise ValueError(f"occurred_at {value!r} has no UTC offset (add 'Z' or '+hh:mm')")
        raise ValueError(f"occurred_at {value!r} is not an RFC 3339 date-time")
    # fixed positions (YYYY-MM-DDTHH:MM:SS...): slices, not more regex groups, on the hot path;
    # zero-padded two-digit strings compare like their numbers
    if value[-6] in "+-" and (value[-5:-3] > "14" or (value[-5:-3] == "14" and value[-2:] != "00")):
        raise ValueError(f"occurred_at {value!r} has a UTC offset beyond ±14:00")
    text, fraction = value, match.group(1)
    if value[17:19] == "60":  # a leap second: the last millisecond of its minute
        text = value[:17] + "59.999" + value[19 + len(fraction or "") :]
    elif fraction is not None and len(fraction) > 7:  # Python parses at most microseconds
        text = text.replace(fraction, fraction[:7])
    if text[-1] == "z":
        text = text[:-1] + "Z"
    try:
        parsed = datetime.fromisoformat(text)
        return (parsed - _EPOCH) // _MILLISECOND  # exact integer arithmetic, no float rounding
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"occurred_at {value!r} is not a valid date-time: {exc}") from None


@dataclass(frozen=True, slots=True)
class TimeBounds:
    """The event times the processor accepts, whatever its clock (live or replay).

    An instant before ``floor_ms`` is no helpdesk's (and year 1 in a +14:00 zone is year 0 in
    UTC, which no calendar computation survives); one more than ``max_future_ms`` ahead of the
    wall clock would become "now" for a replay and empty every window.
    """

    floor_ms: int
    max_future_ms: int
    floor_text: str = ""
    future_text: str = ""

    @classmethod
    def parse(cls, floor: str, max_future: str) -> TimeBounds:
        return cls(parse_rfc3339_ms(floor), parse_duration_ms(max_future), floor, max_future)

    def problem(self, at_ms: int, wall_ms: int) -> str | None:
        """Why ``at_ms`` is refused (a dead-letter reason), or None."""
        if at_ms < self.floor_ms:
            return f"occurred_at lies before {self.floor_text or self.floor_ms}"
        if at_ms > wall_ms + self.max_future_ms:
            return (
                f"occurred_at lies more than {self.future_text or self.max_future_ms} in the future"
            )
        return None


def parse_duration_ms(text: str) -> int:
    """Milliseconds of a duration like ``90s``, ``15m``, ``24h``, ``7d``."""
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a duration like 30s, 15m, 24h or 7d")
    return int(match.group(1)) * _UNIT_MS[match.group(2)]
