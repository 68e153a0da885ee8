"""What the SLA pass counts ahead of the breaches: the policy's ``lookahead`` settings.

```yaml
lookahead:
  horizons: [15m, 1h, 4h]                    # support_sla_breaches_expected{horizon}
  page: {priorities: [urgent], within: 15m}  # SupportSlaBreachExpected, severity page
```

A running clock counts in a horizon when its deadline falls within it: a deadline already counts
business hours and pauses, so "within 1h" means one hour of the wall clock from now, during
which the clock may use less working time. ``page.priorities: []`` turns the page off.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from streams.domain.timeparse import parse_duration_ms

#: the SLAs whose running clock means a customer is waiting for an answer
WAITING_SLAS = frozenset({"first_response", "next_reply"})
_UNITS = (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000))


class LookaheadError(ValueError):
    """Invalid ``lookahead`` settings; the message names the key."""


@dataclass(frozen=True)
class Horizon:
    label: str  # as the horizon label carries it: "15m", "1h", "1d"
    ms: int


def duration_label(ms: int) -> str:
    """The shortest exact spelling of a duration: 900000 -> "15m", 5400000 -> "90m"."""
    for unit, size in _UNITS:
        if ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms"


def _horizons(texts: Iterable[str]) -> tuple[Horizon, ...]:
    return tuple(Horizon(duration_label(ms), ms) for ms in sorted(map(parse_duration_ms, texts)))


DEFAULT_HORIZONS = _horizons(("15m", "1h", "4h"))


@dataclass(frozen=True)
class Lookahead:
    horizons: tuple[Horizon, ...] = DEFAULT_HORIZONS
    page_priorities: tuple[str, ...] = ()  # none: no page
    page_within: str = "15m"  # the label of one of the horizons

    @property
    def horizons_ms(self) -> tuple[int, ...]:
        return tuple(h.ms for h in self.horizons)


def parse_lookahead(spec: Any, priorities: Iterable[str]) -> Lookahead:
    """Validate ``lookahead``; ``priorities`` are those the policies give targets to."""
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        raise LookaheadError("lookahead: expected a mapping with horizons and page")
    _only(spec, {"horizons", "page"}, "lookahead")
    horizons = _parse_horizons(spec.get("horizons", [h.label for h in DEFAULT_HORIZONS]))
    page = spec.get("page", {})
    if not isinstance(page, dict):
        raise LookaheadError("lookahead.page: expected a mapping with priorities and within")
    _only(page, {"priorities", "within"}, "lookahead.page")
    known = set(priorities)
    # unsaid: urgent pages, where a policy has urgent targets
    wanted = page.get("priorities", [p for p in ("urgent",) if p in known])
    if not isinstance(wanted, list) or not all(isinstance(p, str) for p in wanted):
        raise LookaheadError("lookahead.page.priorities: expected a list of priorities")
    unknown = sorted(set(wanted) - known)
    if unknown:
        raise LookaheadError(
            f"lookahead.page.priorities: no policy has targets for {unknown} "
            f"(priorities with targets: {sorted(known)})"
        )
    within = _horizon_label(page.get("within", horizons[0].label), "lookahead.page.within")
    if within not in {h.label for h in horizons}:
        raise LookaheadError(
            f"lookahead.page.within: {within} is not one of the horizons "
            f"{[h.label for h in horizons]}"
        )
    return Lookahead(horizons, tuple(wanted), within)


def _parse_horizons(texts: Any) -> tuple[Horizon, ...]:
    if not isinstance(texts, list) or not texts:
        raise LookaheadError("lookahead.horizons: expected a non-empty list of durations")
    labels = [_horizon_label(t, f"lookahead.horizons[{i}]") for i, t in enumerate(texts)]
    if len(set(labels)) != len(labels):
        raise LookaheadError(f"lookahead.horizons: each horizon once, got {labels}")
    return _horizons(labels)


def _horizon_label(text: Any, where: str) -> str:
    try:
        ms = parse_duration_ms(str(text))
    except ValueError as exc:
        raise LookaheadError(f"{where}: {exc}") from None
    if ms <= 0:
        raise LookaheadError(f"{where}: must be positive")
    return duration_label(ms)


def waiting_bounds_ms(targets: Iterable[int], steps_ms: Iterable[int]) -> tuple[int, ...]:
    """The buckets of the waiting histogram: the policies' targets and the usual steps."""
    return tuple(sorted(set(targets) | set(steps_ms)))


def _only(spec: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(spec) - allowed
    if unknown:
        raise LookaheadError(f"{where}: unknown keys {sorted(unknown)}")
