"""The SLA policy file: versioned YAML in, validated ``SlaPolicy`` out, with readable errors.

```yaml
version: 1
at_risk: 0.75            # share of a target after which a running clock is "at risk"
objective: 0.95          # compliance objective that the burn-rate alerts protect
schedules:
  office: {timezone: Europe/Berlin, hours: {mon-fri: ["09:00-17:00"]}, holidays: [2026-12-25]}
policies:                # first match wins; a ticket that matches none has no SLA
  - name: enterprise
    match: {team: [enterprise]}          # channel / team / category lists; omitted = any
    schedule: office
    business_hours: [first_response, next_reply]   # the other clocks run on calendar time
    pause: {resolution: [pending, on_hold]}         # statuses that stop a clock
    targets:                                        # any of the SLAS, per priority
      urgent: {first_response: 15m, next_reply: 1h, resolution: 8h, periodic_update: 4h}
objectives: [{kpi: nps, at_least: 30, window: 7d}]   # KPI targets: see sla/objectives.py
surge: {factor: 3, min_tickets: 20}  # created-ticket surge alerts: see sla/surge.py
lookahead: {horizons: [15m, 1h, 4h], page: {priorities: [urgent], within: 15m}}  # lookahead.py
```
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from streams.domain.sla.calendar import BusinessHours, Calendar
from streams.domain.sla.lookahead import (
    WAITING_SLAS,
    Lookahead,
    LookaheadError,
    parse_lookahead,
    waiting_bounds_ms,
)
from streams.domain.sla.objectives import Exports, Objective, ObjectiveError, parse_objectives
from streams.domain.sla.schedule_spec import ScheduleError, parse_schedule
from streams.domain.sla.surge import Surge, SurgeError, parse_surge
from streams.domain.timeparse import parse_duration_ms

SLAS = ("first_response", "next_reply", "resolution", "periodic_update")
STATUSES = ("open", "pending", "on_hold")
SUPPORTED_VERSIONS = (1,)


class PolicyError(ValueError):
    """An invalid policy file; the message names the offending path, e.g. policies[1].targets."""


@dataclass(frozen=True)
class Policy:
    name: str
    match: Mapping[str, frozenset[str]]  # field -> allowed values (lower-case)
    targets: Mapping[str, Mapping[str, int]]  # priority -> sla -> target ms
    calendars: Mapping[str, Calendar]  # sla -> calendar
    pause: Mapping[str, frozenset[str]]  # sla -> statuses that pause it
    schedule: BusinessHours | None = None  # its ``schedule`` (business-hours KPIs use it)

    def matches(self, channel: str | None, team: str | None, category: str | None) -> bool:
        values = {"channel": channel, "team": team, "category": category}
        return all((values[k] or "").lower() in allowed for k, allowed in self.match.items())

    def target_ms(self, priority: str, sla: str) -> int | None:
        return self.targets.get(priority, {}).get(sla)


@dataclass(frozen=True)
class SlaPolicy:
    version: int
    policies: tuple[Policy, ...]
    at_risk: float = 0.75
    objective: float = 0.95
    schedules: Mapping[str, BusinessHours] = field(default_factory=dict)
    objectives: tuple[Objective, ...] = ()
    surge: Surge = field(default_factory=Surge)
    lookahead: Lookahead = field(default_factory=Lookahead)
    _matched: dict[tuple[str | None, ...], Policy | None] = field(
        default_factory=dict, compare=False, repr=False
    )

    def policy_for(
        self, channel: str | None, team: str | None, category: str | None
    ) -> Policy | None:
        key = (channel, team, category)
        if key in self._matched:
            return self._matched[key]
        found = next((p for p in self.policies if p.matches(channel, team, category)), None)
        if len(self._matched) < 10_000:  # bounded: team and category come from events
            self._matched[key] = found
        return found

    def priorities(self) -> list[str]:
        seen: dict[str, None] = {}
        for policy in self.policies:
            seen.update(dict.fromkeys(policy.targets))
        return list(seen)

    def waiting_bounds_ms(self, steps_ms: tuple[int, ...]) -> tuple[int, ...]:
        """Buckets of the waiting histogram: the usual ``steps_ms`` and the waiting targets."""
        targets = (
            ms
            for policy in self.policies
            for per_sla in policy.targets.values()
            for sla, ms in per_sla.items()
            if sla in WAITING_SLAS
        )
        return waiting_bounds_ms(targets, steps_ms)


def parse_policy(doc: Any, exports: Exports | None = None) -> SlaPolicy:
    """Validate a parsed YAML document; raise ``PolicyError`` naming what is wrong and where
    (``exports``: the windows and buckets the worker exports, that objectives may name)."""
    if not isinstance(doc, dict):
        raise PolicyError("the policy file must be a mapping with 'version' and 'policies'")
    version = doc.get("version")
    if version not in SUPPORTED_VERSIONS:
        raise PolicyError(f"version: expected one of {SUPPORTED_VERSIONS}, got {version!r}")
    _only(
        doc,
        {"version", "at_risk", "objective", "schedules", "policies", "objectives", "surge"}
        | {"lookahead"},
        "",
    )
    at_risk = _fraction(doc.get("at_risk", 0.75), "at_risk")
    objective = _fraction(doc.get("objective", 0.95), "objective")
    try:
        schedules = {n: parse_schedule(n, spec) for n, spec in (doc.get("schedules") or {}).items()}
    except ScheduleError as bad:  # not ``exc``: compiled, one name holds one exception type
        raise PolicyError(str(bad)) from None
    raw_policies = doc.get("policies")
    if not isinstance(raw_policies, list) or not raw_policies:
        raise PolicyError("policies: expected a non-empty list")
    policies = tuple(_policy(i, p, schedules) for i, p in enumerate(raw_policies))
    names = [p.name for p in policies]
    if len(set(names)) != len(names):
        raise PolicyError(f"policies: names must be unique, got {names}")
    try:
        objectives = parse_objectives(doc.get("objectives"), exports)
        surge = parse_surge(doc.get("surge"))
        priorities = {priority for policy in policies for priority in policy.targets}
        lookahead = parse_lookahead(doc.get("lookahead"), priorities)
    except (ObjectiveError, SurgeError, LookaheadError) as exc:
        raise PolicyError(str(exc)) from None
    return SlaPolicy(version, policies, at_risk, objective, schedules, objectives, surge, lookahead)


def load_policy(path: str, exports: Exports | None = None) -> SlaPolicy:
    import yaml

    with open(path, encoding="utf-8") as handle:
        try:
            doc = yaml.safe_load(handle)
        except yaml.YAMLError as exc:
            raise PolicyError(f"{path}: not valid YAML: {exc}") from None
    try:
        return parse_policy(doc, exports)
    except PolicyError as exc:
        raise PolicyError(f"{path}: {exc}") from None


def _policy(index: int, spec: Any, schedules: Mapping[str, BusinessHours]) -> Policy:
    where = f"policies[{index}]"
    if not isinstance(spec, dict):
        raise PolicyError(f"{where}: expected a mapping")
    _only(spec, {"name", "match", "schedule", "business_hours", "pause", "targets"}, where)
    name = spec.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_-]+", name):
        raise PolicyError(f"{where}.name: expected a lower-case identifier, got {name!r}")
    where = f"policies[{index}] ({name})"
    match = _match(spec.get("match") or {}, where)
    calendars = _calendars(spec.get("schedule"), spec.get("business_hours", []), schedules, where)
    pause = _pause(spec.get("pause") or {}, where)
    targets = _targets(spec.get("targets"), where)
    schedule = schedules.get(spec["schedule"]) if spec.get("schedule") is not None else None
    return Policy(name, match, targets, calendars, pause, schedule)


def _match(spec: dict[str, Any], where: str) -> dict[str, frozenset[str]]:
    """Which tickets the policy applies to: field -> allowed values, lower-case."""
    match: dict[str, frozenset[str]] = {}
    for key, values in spec.items():
        if key not in ("channel", "team", "category"):
            raise PolicyError(f"{where}.match: unknown field {key!r} (channel, team, category)")
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise PolicyError(f"{where}.match.{key}: expected a list of strings")
        match[key] = frozenset(v.lower() for v in values)
    return match


def _calendars(
    schedule_name: Any, business: Any, schedules: Mapping[str, BusinessHours], where: str
) -> dict[str, Calendar]:
    """The calendar of each SLA: the schedule's business hours for those that name it."""
    if business and schedule_name is None:
        raise PolicyError(f"{where}.business_hours: needs a 'schedule'")
    if schedule_name is not None and not isinstance(schedule_name, str):
        raise PolicyError(f"{where}.schedule: expected a schedule's name, got {schedule_name!r}")
    if schedule_name is not None and schedule_name not in schedules:
        raise PolicyError(
            f"{where}.schedule: unknown schedule {schedule_name!r} (defined: {sorted(schedules)})"
        )
    for sla in business:
        _known_sla(sla, f"{where}.business_hours")
    calendar = Calendar()
    business_calendar = schedules[schedule_name] if schedule_name is not None else calendar
    return {sla: business_calendar if sla in business else calendar for sla in SLAS}


def _pause(spec: dict[str, Any], where: str) -> dict[str, frozenset[str]]:
    """The statuses that stop each SLA's clock."""
    pause: dict[str, frozenset[str]] = {}
    for sla, statuses in spec.items():
        _known_sla(sla, f"{where}.pause")
        unknown = set(statuses) - set(STATUSES)
        if unknown:
            raise PolicyError(
                f"{where}.pause.{sla}: unknown statuses {sorted(unknown)} "
                f"(known: {', '.join(STATUSES)})"
            )
        pause[sla] = frozenset(statuses)
    return pause


def _targets(spec: Any, where: str) -> dict[str, dict[str, int]]:
    """Priority -> SLA -> target in milliseconds, each positive."""
    if not isinstance(spec, dict) or not spec:
        raise PolicyError(f"{where}.targets: expected priority -> {{sla: duration}}")
    targets: dict[str, dict[str, int]] = {}
    for priority, per_sla in spec.items():
        if not isinstance(per_sla, dict):
            raise PolicyError(f"{where}.targets.{priority}: expected {{sla: duration}}")
        targets[priority] = {
            sla: _target_ms(text, f"{where}.targets.{priority}", sla)
            for sla, text in per_sla.items()
        }
    return targets


def _target_ms(text: Any, where: str, sla: str) -> int:
    _known_sla(sla, where)
    try:
        target = parse_duration_ms(str(text))
    except ValueError as exc:
        raise PolicyError(f"{where}.{sla}: {exc}") from None
    if target <= 0:
        raise PolicyError(f"{where}.{sla}: must be positive")
    return target


def _known_sla(sla: str, where: str) -> None:
    if sla not in SLAS:
        raise PolicyError(f"{where}: unknown SLA {sla!r} (known: {', '.join(SLAS)})")


def _fraction(value: Any, where: str) -> float:
    if not isinstance(value, int | float) or not 0 < value < 1:
        raise PolicyError(f"{where}: expected a number between 0 and 1, got {value!r}")
    return float(value)


def _only(spec: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(spec) - allowed
    if unknown:
        raise PolicyError(f"{where or 'top level'}: unknown keys {sorted(unknown)}")
