"""New partition states, as the settings describe them: the KPI model with its SLA policy, the
windows, the label policies and the horizons, shared by every partition of the worker."""

from __future__ import annotations

import logging

from streams.config import Settings
from streams.domain import CORE
from streams.domain.contributions import DEFAULT_DURATION_BUCKETS_S, KpiModel
from streams.domain.customers import RepeatModel
from streams.domain.labels import CategoryLabels, LabelPolicy, TeamLabels
from streams.domain.partition import Horizons, PartitionState
from streams.domain.sla.calendar import BusinessHours
from streams.domain.sla.objectives import Exports
from streams.domain.sla.policy import SlaPolicy, load_policy
from streams.domain.timeparse import parse_duration_ms
from streams.domain.windows import SlidingWindows
from streams.runtime.clock import EventClock

log = logging.getLogger(__name__)


class StateFactory:
    """Calling it makes an empty state, starting at the clock's now."""

    def __init__(self, settings: Settings, clock: EventClock, with_sla: bool = True) -> None:
        """``with_sla=False``: no SLA policy whatever the settings say (records are the same
        facts under any policy: ``sla whatif`` decides clocks afterwards)."""
        self.settings = s = settings
        self.clock = clock
        policy_path = s.sla_policy_path if with_sla else None
        exports = Exports(s.windows, DEFAULT_DURATION_BUCKETS_S)  # what objectives may name
        policy = load_policy(policy_path, exports) if policy_path else None
        self.model = KpiModel(sla=policy, default_schedule=_default_schedule(policy, s.schedule))
        if policy_path:
            log.info("SLA policy: %s", policy_path)
        log.info("KPI core: %s (SUPPORTKPI_CORE; make core compiles it)", CORE)
        self.labels = LabelPolicy(frozenset(s.channels), frozenset(s.priorities))
        # shared by the worker's partitions: one set of team and of category labels per worker
        self.teams = TeamLabels(s.max_teams, frozenset(s.teams))
        self.categories = CategoryLabels(s.max_categories, frozenset(s.categories))
        self.repeats = RepeatModel(horizon_ms=s.repeat_horizon_ms)
        self.horizons = Horizons(parse_duration_ms(s.grace), parse_duration_ms(s.orphan_horizon))

    def __call__(self) -> PartitionState:
        return PartitionState(
            self.model,
            SlidingWindows(self.settings.window_widths_ms),
            self.labels,
            self.horizons,
            self.clock.now_ms(),
            self.teams,
            self.settings.max_ticket_events,
            self.categories,
            self.repeats,
            self.settings.hot_records,
        )


def _default_schedule(policy: SlaPolicy | None, name: str) -> BusinessHours | None:
    """The schedule SUPPORTKPI_SCHEDULE names, checked against the policy at start-up."""
    if not name:
        return None
    if policy is None:
        raise ValueError(f"SUPPORTKPI_SCHEDULE={name!r} needs an SLA policy that defines it")
    if name not in policy.schedules:
        raise ValueError(
            f"SUPPORTKPI_SCHEDULE={name!r}: no such schedule in the SLA policy "
            f"(defined: {sorted(policy.schedules)})"
        )
    return policy.schedules[name]
