"""When the created-ticket count is a surge: the policy's ``surge`` settings.

A surge is an hour with more than ``factor`` times the tickets of the same hour a week earlier
*and* of the hour before, and at least ``min_tickets``; ``supportkpi generate`` turns this into
the surge alerts. Both baselines must be exceeded: a Monday morning is busier than the night
before it but not than last Monday morning, a flood after an outage is busier than both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


class SurgeError(ValueError):
    """Invalid ``surge`` settings; the message names the key."""


FACTOR, MIN_TICKETS = 3.0, 20


@dataclass(frozen=True)
class Surge:
    factor: float = FACTOR
    min_tickets: int = MIN_TICKETS


def parse_surge(spec: Any) -> Surge:
    if spec is None:
        return Surge()
    if not isinstance(spec, dict):
        raise SurgeError("surge: expected a mapping with factor and min_tickets")
    unknown = set(spec) - {"factor", "min_tickets"}
    if unknown:
        raise SurgeError(f"surge: unknown keys {sorted(unknown)}")
    factor = spec.get("factor", FACTOR)
    if (
        isinstance(factor, bool)
        or not isinstance(factor, int | float)
        or not math.isfinite(factor)
        or factor <= 1
    ):
        raise SurgeError(f"surge.factor: expected a number above 1, got {factor!r}")
    least = spec.get("min_tickets", MIN_TICKETS)
    if isinstance(least, bool) or not isinstance(least, int) or least < 1:
        raise SurgeError(f"surge.min_tickets: expected a whole number of at least 1, got {least!r}")
    return Surge(float(factor), least)
