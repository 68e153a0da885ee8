"""What a ticket record contributes to the windowed KPIs, each at the event time that decides it.

A contribution adds an amount to one windowed series: a KPI id (declared below, next to the
code that computes it), the label values, and for a duration histogram the bucket. The KPI
table in ``streams.metrics.kpis`` turns each KPI id into a metric family and names its labels;
nothing else reads a series. Adding a KPI: compute it here, add its row there.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from mypy_extensions import mypyc_attr

from streams.domain import survey_contributions as surveys
from streams.domain import ticket_times
from streams.domain.series import SUM, Buckets, Contribution, Series, SeriesMemo, Sums
from streams.domain.sla.calendar import Calendar
from streams.domain.sla.clocks import Clock, clocks, next_reply_cycles
from streams.domain.sla.policy import Policy, SlaPolicy
from streams.domain.survey_contributions import (
    ANSWER_TIME,
    CATEGORY_SURVEY,
    METHOD_RESPONSES,
    SURVEY,
    SURVEY_SATISFIED,
    SURVEY_SCORE_SUM,
    SURVEYS_SENT,
    TEAM_SURVEY,
)
from streams.domain.ticket import TicketRecord
from streams.domain.transfers import transfer_times

__all__ = [  # the re-exports: ``series``, and the survey KPI ids; the model
    "ANSWER_TIME",
    "CATEGORY_SURVEY",
    "METHOD_RESPONSES",
    "SUM",
    "SURVEY",
    "SURVEYS_SENT",
    "SURVEY_SATISFIED",
    "SURVEY_SCORE_SUM",
    "TEAM_SURVEY",
    "Contribution",
    "KpiModel",
    "Series",
]

# The KPI ids (``streams.metrics.kpis`` names each one's labels, in the order emitted here).
CREATED = "created"  # tickets created
RESOLVED = "resolved"  # tickets resolved (the first resolution)
ONE_TOUCH = "one_touch"  # of those, resolved after exactly one public human reply
REOPENED = "reopened"  # reopens
TEAM_CREATED = "team_created"  # tickets created, per team
TEAM_RESOLVED = "team_resolved"  # tickets resolved, per team
FIRST_RESPONSE = "first_response"  # histogram: created to the first reply
RESOLUTION = "resolution"  # histogram: created to the first resolution
NEXT_REPLY = "next_reply"  # histogram: oldest unanswered customer message to the next reply
SLA = "sla"  # SLA clocks decided (met or breached)
BOT_FIRST_RESPONSE = "bot_first_response"  # histogram: created to the first bot reply
CONTAINED = "contained"  # resolved with no public human reply (nor resolved_by human)
RESOLUTION_TOUCHES = "resolution_touches"  # histogram of public human replies to a resolution
CATEGORY_CREATED = "category_created"  # tickets created, per current category
CATEGORY_RESOLVED = "category_resolved"  # tickets resolved, per current category
CATEGORY_FIRST_RESPONSE = "category_first_response"  # histogram: FIRST_RESPONSE per category
CATEGORY_RESOLUTION = "category_resolution"  # histogram: RESOLUTION per category
TRANSFERS = "transfers"  # moves of a ticket from one team to another
TEAM_FIRST_RESPONSE = "team_first_response"  # histogram: FIRST_RESPONSE per current team
TEAM_RESOLUTION = "team_resolution"  # histogram: RESOLUTION per current team
TEAM_SLA = "team_sla"  # SLA clocks decided, per current team


class _GroupKpis(NamedTuple):
    """The KPI ids of one breakdown (per category, per team) of the lifecycle KPIs."""

    created: str
    resolved: str
    first_response: str
    resolution: str


_CATEGORY_KPIS = _GroupKpis(
    CATEGORY_CREATED, CATEGORY_RESOLVED, CATEGORY_FIRST_RESPONSE, CATEGORY_RESOLUTION
)
_TEAM_KPIS = _GroupKpis(TEAM_CREATED, TEAM_RESOLVED, TEAM_FIRST_RESPONSE, TEAM_RESOLUTION)

#: public human replies up to a resolution: one-, two- and multi-touch rates are exact at these
TOUCH_BUCKETS: tuple[int, ...] = (0, 1, 2, 3, 5, 10)

#: The usual SLA targets, so ``histogram_quantile`` and "share under target" are exact at them.
DEFAULT_DURATION_BUCKETS_S: tuple[int, ...] = (
    60,
    300,
    600,
    900,
    1800,
    3600,
    7200,
    14400,
    28800,
    43200,
    86400,
    172800,
    259200,
    604800,
)


@mypyc_attr(allow_interpreted_subclasses=True)  # tests give it a bug, compiled or not
@dataclass(frozen=True, slots=True)
class KpiModel:
    """Derives contributions from records; ``buckets_ms`` are the histogram upper bounds."""

    buckets_ms: tuple[int, ...] = tuple(s * 1000 for s in DEFAULT_DURATION_BUCKETS_S)
    sla: SlaPolicy | None = None
    # the business-hours KPIs' schedule for tickets whose policy names none (SUPPORTKPI_SCHEDULE)
    default_schedule: Calendar | None = None
    _series: SeriesMemo = field(init=False, repr=False, compare=False)
    _touches: SeriesMemo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_series", SeriesMemo(len(self.buckets_ms) + 1))  # with +Inf
        object.__setattr__(self, "_touches", SeriesMemo(len(TOUCH_BUCKETS) + 1))

    def bucket_index(self, duration_ms: int) -> int:
        """Index of the smallest bucket whose upper bound (inclusive, ``le``) holds the value."""
        return bisect_left(self.buckets_ms, duration_ms)

    def policy(self, record: TicketRecord) -> Policy | None:
        """The first SLA policy that matches the ticket now (None: no SLA)."""
        if self.sla is None or record.created_ms is None:
            return None
        return self.sla.policy_for(record.channel, record.team_name_now, record.category)

    def clocks(self, record: TicketRecord) -> list[Clock]:
        """The ticket's SLA clocks under the first policy that matches it (none: no SLA)."""
        policy = self.policy(record)
        if policy is None or self.sla is None:
            return []
        return clocks(record, policy, self.sla.at_risk)

    def schedule(self, record: TicketRecord) -> Calendar | None:
        """The business hours of the ticket's policy, else the default schedule (or None)."""
        policy = self.policy(record)
        if policy is not None and policy.schedule is not None:
            return policy.schedule
        return self.default_schedule

    def contributions(
        self, record: TicketRecord, record_clocks: list[Clock] | None = None
    ) -> list[Contribution]:
        """Everything the record contributes now, in a stable order (callers diff the lists)."""
        out: list[Contribution] = []
        created = record.created_ms
        if created is not None:
            dims = (record.channel, record.priority)
            sums, buckets = self._series.sums[dims], self._series.buckets[dims]
            self._lifecycle(out, record, created, sums, buckets)
            schedule = self.schedule(record)
            ticket_times.contribute(out, record, created, schedule, (sums, buckets), self._observe)
            if record.replies:
                self._replies(out, record, created, sums, buckets)
            bot = record.first_bot_reply_ms
            if bot is not None:
                channel = (record.channel,)
                bot_sums, bot_buckets = self._series.sums[channel], self._series.buckets[channel]
                self._observe(out, bot, BOT_FIRST_RESPONSE, bot_sums, bot_buckets, bot - created)
            self._per_group(out, record, created, (record.category_now,), _CATEGORY_KPIS)
            self._per_group(out, record, created, (record.team_now,), _TEAM_KPIS)
            if record.team_changes:
                transfers = self._series.sums[()][TRANSFERS]
                moves = transfer_times(record.team_name, record.team_changes, created)
                out.extend((at_ms, transfers, 1) for at_ms in moves)
            if record_clocks is None:
                record_clocks = self.clocks(record)
            self._sla_outcomes(out, record_clocks, record.evaluated_ms, record.team_now)
        if record.surveys or record.sends:
            surveys.contribute(out, record, self._series, self._observe)
        return out

    def _lifecycle(
        self,
        out: list[Contribution],
        record: TicketRecord,
        created: int,
        sums: Sums,
        buckets: Buckets,
    ) -> None:
        """Created, resolved (with its duration and one-touch) and reopened, per dims."""
        out.append((created, sums[CREATED], 1))
        resolved = record.resolved_ms
        if resolved is not None:
            out.append((resolved, sums[RESOLVED], 1))
            self._observe(out, resolved, RESOLUTION, sums, buckets, resolved - created)
            touches = _replies_until(record.replies, resolved)
            if touches == 1:
                out.append((resolved, sums[ONE_TOUCH], 1))
            self._touched(out, record, resolved, touches)
        if record.reopens:
            reopened = sums[REOPENED]
            out.extend((at_ms, reopened, 1) for at_ms in record.reopens)

    def _touched(
        self, out: list[Contribution], record: TicketRecord, resolved: int, touches: int
    ) -> None:
        """The resolution's touches (public human replies up to it), and whether it was
        contained: no public human reply, and not resolved by a human."""
        labels = (record.channel, record.priority)
        index = bisect_left(TOUCH_BUCKETS, touches)
        out.append((resolved, self._touches.buckets[labels][RESOLUTION_TOUCHES][index], 1))
        if touches:
            out.append((resolved, self._touches.sums[labels][RESOLUTION_TOUCHES], touches))
        elif record.human_resolved_ms != resolved:
            out.append((resolved, self._series.sums[(record.channel,)][CONTAINED], 1))

    def _replies(
        self,
        out: list[Contribution],
        record: TicketRecord,
        created: int,
        sums: Sums,
        buckets: Buckets,
    ) -> None:
        """First response time, and next reply time of each answered customer message."""
        replies = record.replies
        first = replies[0]
        self._observe(out, first, FIRST_RESPONSE, sums, buckets, first - created)
        if record.customer:
            for start, stop in next_reply_cycles(replies, record.customer):
                if stop is not None:
                    self._observe(out, stop, NEXT_REPLY, sums, buckets, stop - start)

    def _per_group(
        self,
        out: list[Contribution],
        record: TicketRecord,
        created: int,
        labels: tuple[str, ...],
        kpis: _GroupKpis,
    ) -> None:
        """Created, resolved, first response and resolution times, per current category or
        team (each in its own families: no product with channel and priority)."""
        sums, buckets = self._series.sums[labels], self._series.buckets[labels]
        out.append((created, sums[kpis.created], 1))
        if record.replies:
            first = record.replies[0]
            self._observe(out, first, kpis.first_response, sums, buckets, first - created)
        resolved = record.resolved_ms
        if resolved is not None:
            out.append((resolved, sums[kpis.resolved], 1))
            self._observe(out, resolved, kpis.resolution, sums, buckets, resolved - created)

    def _observe(
        self,
        out: list[Contribution],
        at_ms: int,
        kpi: str,
        sums: Sums,
        buckets: Buckets,
        duration_ms: int,
    ) -> None:
        """One observation of a duration histogram: its bucket, and its sum."""
        duration_ms = max(0, duration_ms)  # clock skew between publishers never makes it negative
        out.append((at_ms, buckets[kpi][self.bucket_index(duration_ms)], 1))
        out.append((at_ms, sums[kpi], duration_ms))

    def _sla_outcomes(
        self, out: list[Contribution], record_clocks: list[Clock], evaluated_ms: int, team: str
    ) -> None:
        """Each decided SLA clock, once, at the time that decided it (also per current team)."""
        sums = self._series.sums
        for clock in record_clocks:
            decided = clock.outcome(evaluated_ms)
            if decided is not None:
                outcome, at_ms = decided
                out.append((at_ms, sums[(clock.sla, clock.priority, outcome)][SLA], 1))
                out.append((at_ms, sums[(team, clock.sla, outcome)][TEAM_SLA], 1))


def _replies_until(replies: Sequence[int], until_ms: int) -> int:
    return bisect_right(replies, until_ms)
