"""The ``objectives:`` of the policy file: a target for a KPI, judged over one exported window.

```yaml
objectives:
  - {kpi: csat_average, at_least: 4.7, window: 7d}
  - {kpi: repeat_contact_ratio, at_most: 0.03, window: 7d}
  - {kpi: resolution_within, within: 24h, at_least: 0.8, window: 7d, for: 1d}
  - {name: csat_email, kpi: survey_response_ratio, survey: csat, at_least: 0.2, window: 7d}
```

Each entry: a ``kpi``, exactly one of ``at_least`` / ``at_most`` (the target, in the KPI's own
unit), the ``window`` it is judged over, ``within`` for the share-within-a-time KPIs (a
histogram bucket bound, so that the share is exact), ``survey`` to narrow
``survey_response_ratio``, ``for`` (how long a miss lasts before it alerts; default 1d) and a
``name`` (default: the KPI, and its ``within``). Pure: the generators turn it into rules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, NamedTuple

from streams.domain.timeparse import parse_duration_ms

DEFAULT_FOR = "1d"
SURVEYS = ("csat", "nps", "ces")
KEYS = {"name", "kpi", "at_least", "at_most", "window", "within", "survey", "for"}


class ObjectiveError(ValueError):
    """An invalid objective; the message names the place, e.g. objectives[2] (nps).at_least."""


class Comparison(Enum):
    """How the value must stand to the target for the objective to be met."""

    AT_LEAST = ">="
    AT_MOST = "<="


class KpiRange(NamedTuple):
    """The values a KPI can take (so a target outside them is a typo), and whether it is a
    share within a time."""

    low: float
    high: float
    within: bool = False


KPIS: dict[str, KpiRange] = {
    "csat_percent": KpiRange(0, 100),  # percent, as window:support_csat:percent
    "csat_average": KpiRange(1, 5),
    "nps": KpiRange(-100, 100),
    "ces_average": KpiRange(1, 7),
    "one_touch_ratio": KpiRange(0, 1),
    "repeat_contact_ratio": KpiRange(0, 1),
    "reopen_ratio": KpiRange(0, 1),
    "survey_response_ratio": KpiRange(0, 1),
    "first_response_within": KpiRange(0, 1, within=True),
    "resolution_within": KpiRange(0, 1, within=True),
    "next_reply_within": KpiRange(0, 1, within=True),
    "full_resolution_within": KpiRange(0, 1, within=True),  # created to the final resolution
    "first_response_business_within": KpiRange(0, 1, within=True),  # in business hours
    "resolution_business_within": KpiRange(0, 1, within=True),
}


class Exports(NamedTuple):
    """What the worker exports, so what an objective can be judged on: the windows
    (``Settings().windows``) and the duration histograms' bucket bounds in seconds."""

    windows: tuple[str, ...]
    bucket_bounds_s: tuple[int, ...]


@dataclass(frozen=True)
class Objective:
    """One entry of ``objectives:``, validated; ``target`` in the KPI's own unit."""

    name: str
    kpi: str
    comparison: Comparison
    target: float
    window: str
    within_s: int | None = None  # the time of a share-within KPI, a bucket bound
    within: str | None = None  # that time as written, e.g. "24h"
    survey: str | None = None  # survey_response_ratio only: one survey, else all
    for_: str = DEFAULT_FOR  # how long a miss lasts before it alerts, a Prometheus duration


def parse_objectives(spec: Any, exports: Exports | None = None) -> tuple[Objective, ...]:
    """Validate the ``objectives`` list; raise ``ObjectiveError`` naming the place.

    Without ``exports`` only the shape is checked (any window, any ``within`` duration)."""
    if spec is None:
        return ()
    if not isinstance(spec, list):
        raise ObjectiveError("objectives: expected a list of {kpi, at_least|at_most, window}")
    objectives = tuple(_objective(i, entry, exports) for i, entry in enumerate(spec))
    names = [o.name for o in objectives]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ObjectiveError(
            f"objectives: names must be unique, {twice} more than once (give each a 'name')"
        )
    return objectives


def _objective(index: int, spec: Any, exports: Exports | None) -> Objective:
    where = f"objectives[{index}]"
    if not isinstance(spec, dict):
        raise ObjectiveError(f"{where}: expected a mapping with kpi, at_least|at_most, window")
    unknown = set(spec) - KEYS
    if unknown:
        raise ObjectiveError(f"{where}: unknown keys {sorted(unknown)} (known: {sorted(KEYS)})")
    kpi = spec.get("kpi")
    if not isinstance(kpi, str) or kpi not in KPIS:
        raise ObjectiveError(f"{where}.kpi: unknown KPI {kpi!r} (known: {', '.join(KPIS)})")
    within_text, within_s = _within(spec, kpi, where, exports)
    name = spec.get("name", kpi if within_text is None else f"{kpi}_{within_text}")
    if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]+", name):
        raise ObjectiveError(f"{where}.name: expected a lower-case identifier, got {name!r}")
    where = f"objectives[{index}] ({name})"
    comparison, target = _target(spec, kpi, where)
    return Objective(
        name=name,
        kpi=kpi,
        comparison=comparison,
        target=target,
        window=_window(spec.get("window"), where, exports),
        within_s=within_s,
        within=within_text,
        survey=_survey(spec, kpi, where),
        for_=_for(spec.get("for", DEFAULT_FOR), where),
    )


def _target(spec: dict[str, Any], kpi: str, where: str) -> tuple[Comparison, float]:
    given = [c for c in Comparison if c.name.lower() in spec]
    if len(given) != 1:
        raise ObjectiveError(f"{where}: expected exactly one of at_least, at_most")
    comparison = given[0]
    key = comparison.name.lower()
    value = spec[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ObjectiveError(f"{where}.{key}: expected a number, got {value!r}")
    span = KPIS[kpi]
    if not span.low <= value <= span.high:
        raise ObjectiveError(
            f"{where}.{key}: {kpi} lies between {span.low:g} and {span.high:g}, got {value!r}"
        )
    if kpi == "csat_percent" and 0 < value <= 1:
        raise ObjectiveError(
            f"{where}.{key}: csat_percent is in percent (0-100), so {value!r} means "
            f"{value!r} %; write {value * 100:g} for {value * 100:g} %"
        )
    return comparison, float(value)


def _window(window: Any, where: str, exports: Exports | None) -> str:
    if not isinstance(window, str):
        raise ObjectiveError(f"{where}.window: expected one of the exported windows, e.g. 7d")
    if exports is not None and window not in exports.windows:
        raise ObjectiveError(
            f"{where}.window: {window!r} is not an exported window "
            f"(SUPPORTKPI_WINDOWS: {', '.join(exports.windows)})"
        )
    try:
        parse_duration_ms(window)
    except ValueError as exc:
        raise ObjectiveError(f"{where}.window: {exc}") from None
    return window


def _within(
    spec: dict[str, Any], kpi: str, where: str, exports: Exports | None
) -> tuple[str | None, int | None]:
    """The time of a share-within KPI, as written and in seconds; (None, None) for the others."""
    text = spec.get("within")
    if not KPIS[kpi].within:
        if text is not None:
            raise ObjectiveError(f"{where}.within: only for the *_within KPIs, not {kpi}")
        return None, None
    if text is None:
        raise ObjectiveError(f"{where}.within: {kpi} needs a time, e.g. within: 24h")
    try:
        within_ms = parse_duration_ms(str(text))
    except ValueError as exc:
        raise ObjectiveError(f"{where}.within: {exc}") from None
    bounds = exports.bucket_bounds_s if exports is not None else ()
    if exports is not None and (within_ms % 1000 or within_ms // 1000 not in bounds):
        raise ObjectiveError(
            f"{where}.within: {text} is not a bucket bound of the duration histograms, so the "
            f"share within it would not be exact; use one of {', '.join(_durations(bounds))}"
        )
    return str(text).strip(), within_ms // 1000


def _survey(spec: dict[str, Any], kpi: str, where: str) -> str | None:
    survey = spec.get("survey")
    if survey is None:
        return None
    if kpi != "survey_response_ratio":
        raise ObjectiveError(f"{where}.survey: only for survey_response_ratio, not {kpi}")
    if survey not in SURVEYS:
        raise ObjectiveError(f"{where}.survey: expected one of {', '.join(SURVEYS)}")
    return str(survey)


def _for(text: Any, where: str) -> str:
    try:
        duration_ms = parse_duration_ms(str(text))
    except ValueError as exc:
        raise ObjectiveError(f"{where}.for: {exc}") from None
    if duration_ms <= 0:
        raise ObjectiveError(f"{where}.for: must be positive")
    return str(text).strip()


def _durations(bounds_s: Sequence[int]) -> list[str]:
    """Bucket bounds the way they are written in the file: 12h, not 43200."""
    units = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
    return [next(f"{b // size}{unit}" for unit, size in units if b % size == 0) for b in bounds_s]
