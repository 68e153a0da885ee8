"""Survey facts of a ticket record: answers, the sends that asked for them, and how they match.

A ``survey-sent`` says a survey went out, and how (its method); a ``survey-answered`` may name
its method too. Response rates per method need both: an answer without a method takes the one
of its ticket's send of the same survey, so a publisher that knows the method only when sending
still gets exact rates, and the time from send to answer.
"""

from __future__ import annotations

from typing import NamedTuple

#: the method label of an answer that names none and matches no send
UNKNOWN_METHOD = "unknown"


class SurveyAnswer(NamedTuple):
    """One ``survey-answered`` (kept in arrival order)."""

    survey: str
    score: int
    at_ms: int
    channel: str  # its own channel label: used while the ticket is unknown
    method: str = ""  # as the answer named it; "" when it named none
    scale: int = 0  # its scale when not the survey's default (0); see ``survey_scales``


class SurveySend(NamedTuple):
    """One ``survey-sent`` (kept sorted by time)."""

    at_ms: int
    survey: str
    method: str


class Matched(NamedTuple):
    """An answer's method label, and the send it answers (None: no send of that survey)."""

    method: str
    send: SurveySend | None


def match(answer: SurveyAnswer, sends: tuple[SurveySend, ...]) -> Matched:
    """The send an answer answers: the latest of the same survey at or before it, else (clock
    skew between publishers) the earliest after it. Its method is the answer's own, else the
    send's, else ``unknown``."""
    send: SurveySend | None = None
    for candidate in sends:  # sorted by time
        if candidate.survey != answer.survey:
            continue
        if candidate.at_ms <= answer.at_ms or send is None:
            send = candidate
        if candidate.at_ms > answer.at_ms:
            break
    method = answer.method or (send.method if send is not None else UNKNOWN_METHOD)
    return Matched(method, send)
