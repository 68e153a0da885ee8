"""What a ticket record contributes to the windowed KPIs, each at the event time that decides it.

Series keys are small tuples; ``streams.metrics`` turns them into metric families:

- ``(CREATED|RESOLVED|ONE_TOUCH, channel, priority)``: a count, and
  ``(TEAM_CREATED|TEAM_RESOLVED, team)`` the same per (bounded) team;
- ``(FRT|RESOLUTION, channel, priority, bucket_index)``: one observation in a duration bucket
  (index ``len(buckets)`` is +Inf), with ``(FRT_SUM|RESOLUTION_SUM, ...)`` adding milliseconds and
  ``(FRT_COUNT|RESOLUTION_COUNT, ...)`` adding one;
- ``(NRT|NRT_SUM|NRT_COUNT, ...)``: next reply time (customer message to the reply), likewise;
- ``(REOPENED, channel, priority)``: one reopen;
- ``(SLA, sla, priority, met|breached)``: one decided SLA clock, at the time that decided it;
- ``(SURVEY, survey, score, channel, priority)``: one answer, and
  ``(SURVEY_SCORE_SUM, survey, channel, priority)`` adding its score (averages need no label maths).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from streams.domain.labels import UNKNOWN
from streams.domain.sla.clocks import Clock, clocks, next_reply_cycles
from streams.domain.sla.policy import SlaPolicy
from streams.domain.ticket import TicketRecord

CREATED, RESOLVED, ONE_TOUCH = "created", "resolved", "one_touch"
TEAM_CREATED, TEAM_RESOLVED = "team_created", "team_resolved"
REOPENED = "reopened"
NRT, NRT_SUM, NRT_COUNT = "nrt", "nrt_sum", "nrt_count"
SLA = "sla"
SURVEY, SURVEY_SCORE_SUM = "survey", "survey_score_sum"
FRT, FRT_SUM, FRT_COUNT = "frt", "frt_sum", "frt_count"
RESOLUTION, RESOLUTION_SUM, RESOLUTION_COUNT = "res", "res_sum", "res_count"

Key = tuple[str | int, ...]
Contribution = tuple[int, Key, int]  # (event time ms, series key, amount)

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


@dataclass(frozen=True, slots=True)
class KpiModel:
    """Derives contributions from records; ``buckets_ms`` are the histogram upper bounds."""

    buckets_ms: tuple[int, ...] = tuple(s * 1000 for s in DEFAULT_DURATION_BUCKETS_S)
    sla: SlaPolicy | None = None

    def bucket_index(self, duration_ms: int) -> int:
        """Index of the smallest bucket whose upper bound (inclusive, ``le``) holds the value."""
        return bisect_left(self.buckets_ms, duration_ms)

    def clocks(self, record: TicketRecord) -> list[Clock]:
        """The ticket's SLA clocks under the first policy that matches it (none: no SLA)."""
        if self.sla is None or record.created_ms is None:
            return []
        policy = self.sla.policy_for(record.channel, record.team_name, record.category)
        if policy is None:
            return []
        return clocks(record, policy, self.sla.at_risk)

    def contributions(
        self, record: TicketRecord, record_clocks: list[Clock] | None = None
    ) -> list[Contribution]:
        out: list[Contribution] = []
        created = record.created_ms
        if created is not None:
            dims = (record.channel, record.priority)
            out.append((created, (CREATED, *dims), 1))
            team = record.team or UNKNOWN
            out.append((created, (TEAM_CREATED, team), 1))
            if record.replies:
                first = record.replies[0]
                self._observe(out, first, FRT, FRT_SUM, FRT_COUNT, dims, first - created)
            resolved = record.resolved_ms
            if resolved is not None:
                out.append((resolved, (RESOLVED, *dims), 1))
                out.append((resolved, (TEAM_RESOLVED, team), 1))
                self._observe(
                    out,
                    resolved,
                    RESOLUTION,
                    RESOLUTION_SUM,
                    RESOLUTION_COUNT,
                    dims,
                    resolved - created,
                )
                if _replies_until(record.replies, resolved) == 1:
                    out.append((resolved, (ONE_TOUCH, *dims), 1))
            out.extend((reopened, (REOPENED, *dims), 1) for reopened in record.reopens)
            if record.customer and record.replies:
                for start, stop in next_reply_cycles(record.replies, record.customer):
                    if stop is not None:
                        self._observe(out, stop, NRT, NRT_SUM, NRT_COUNT, dims, stop - start)
            if record_clocks is None:
                record_clocks = self.clocks(record)
            for clock in record_clocks:
                decided = clock.outcome(record.evaluated_ms)
                if decided is not None:
                    out.append((decided[1], (SLA, clock.sla, clock.priority, decided[0]), 1))
        for survey, score, at_ms, channel in record.surveys:
            if created is not None:
                channel, priority = record.channel, record.priority
            else:
                priority = UNKNOWN
            out.append((at_ms, (SURVEY, survey, score, channel, priority), 1))
            if score:
                out.append((at_ms, (SURVEY_SCORE_SUM, survey, channel, priority), score))
        return out

    def _observe(
        self,
        out: list[Contribution],
        at_ms: int,
        family: str,
        sum_family: str,
        count_family: str,
        dims: tuple[str, str],
        duration_ms: int,
    ) -> None:
        duration_ms = max(0, duration_ms)  # clock skew between publishers never makes it negative
        out.append((at_ms, (family, *dims, self.bucket_index(duration_ms)), 1))
        out.append((at_ms, (sum_family, *dims), duration_ms))
        out.append((at_ms, (count_family, *dims), 1))


def _replies_until(replies: Sequence[int], until_ms: int) -> int:
    return bisect_right(replies, until_ms)
