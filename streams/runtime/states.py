"""New partition states, as the settings describe them: the KPI model with its SLA policy, the
windows, the label policies and the horizons, shared by every partition of the worker."""

from __future__ import annotations

import logging

from streams.config import Settings
from streams.domain.contributions import KpiModel
from streams.domain.customers import RepeatModel
from streams.domain.labels import CategoryLabels, LabelPolicy, TeamLabels
from streams.domain.partition import Horizons, PartitionState
from streams.domain.sla.policy import load_policy
from streams.domain.timeparse import parse_duration_ms
from streams.domain.windows import SlidingWindows
from streams.runtime.clock import EventClock

log = logging.getLogger(__name__)


class StateFactory:
    """Calling it makes an empty state, starting at the clock's now."""

    def __init__(self, settings: Settings, clock: EventClock) -> None:
        self.settings = s = settings
        self.clock = clock
        policy_path = s.sla_policy_path
        self.model = KpiModel(sla=load_policy(policy_path) if policy_path else None)
        if policy_path:
            log.info("SLA policy: %s", policy_path)
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
        )
