"""What a record's survey answers and sends contribute: answers by score (on their own scale),
satisfied and easy answers and normalised points (comparable across scales), answers per
method with the time from their send, and the sends themselves.

A survey takes its ticket's dims, category and team once the ticket is known, else its own
channel, and ``unknown`` for the rest.
"""

from __future__ import annotations

from streams.domain.labels import UNKNOWN
from streams.domain.series import Contribution, Observe, SeriesMemo
from streams.domain.survey_scales import milli_points, satisfied, score_label
from streams.domain.surveys import SurveyAnswer, SurveySend, match
from streams.domain.ticket import TicketRecord

# The KPI ids (``streams.metrics.kpis`` names each one's labels, in the order emitted here).
SURVEY = "survey"  # survey answers, by score
SURVEY_SCORE_SUM = "survey_score_sum"  # their scores on the default scale, in thousandths
SURVEY_SATISFIED = "survey_satisfied"  # satisfied CSAT and easy CES answers, any scale
CATEGORY_SURVEY = "category_survey"  # survey answers, by score, per category
TEAM_SURVEY = "team_survey"  # survey answers, by score, per current team
SURVEYS_SENT = "surveys_sent"  # survey-sent, per survey and method
METHOD_RESPONSES = "method_responses"  # survey answers, per survey and method
ANSWER_TIME = "answer_time"  # histogram: the matching survey-sent to the answer


def contribute(
    out: list[Contribution], record: TicketRecord, series: SeriesMemo, observe: Observe
) -> None:
    known, sums = record.created_ms is not None, series.sums
    category = record.category_now if known else UNKNOWN
    team = record.team_now if known else UNKNOWN
    for answer in record.surveys:
        survey, score, at_ms, hint, _, scale = answer
        channel, priority = (record.channel, record.priority) if known else (hint, UNKNOWN)
        label = score_label(score, scale)
        out.append((at_ms, sums[(survey, label, channel, priority)][SURVEY], 1))
        out.append((at_ms, sums[(category, survey, label)][CATEGORY_SURVEY], 1))
        out.append((at_ms, sums[(team, survey, label)][TEAM_SURVEY], 1))
        dims = sums[(survey, channel, priority)]
        points = milli_points(survey, score, scale)
        if points:
            out.append((at_ms, dims[SURVEY_SCORE_SUM], points))
        if satisfied(survey, score, scale):
            out.append((at_ms, dims[SURVEY_SATISFIED], 1))
        _by_method(out, answer, record.sends, series, observe)
    for send in record.sends:
        labels = (send.survey, send.method)
        out.append((send.at_ms, sums[labels][SURVEYS_SENT], 1))


def _by_method(
    out: list[Contribution],
    answer: SurveyAnswer,
    sends: tuple[SurveySend, ...],
    series: SeriesMemo,
    observe: Observe,
) -> None:
    """An answer per survey and method, and the time from its send (when it has one)."""
    method, send = match(answer, sends)
    labels = (answer.survey, method)
    sums = series.sums[labels]
    out.append((answer.at_ms, sums[METHOD_RESPONSES], 1))
    if send is not None:
        waited = answer.at_ms - send.at_ms
        observe(out, answer.at_ms, ANSWER_TIME, sums, series.buckets[labels], waited)
