"""Survey scales: CSAT on 5 or 10 points, CES on 7 or 5, NPS always 0-10.

An answer keeps its own score; what is compared across scales is decided here: whether it is
*satisfied* (CSAT 4-5 of 5, 8-10 of 10) or *easy* (CES 5-7 of 7, 4-5 of 5), and its score
on the survey's default scale for averages (a linear map that keeps both ends: 10/10 is 5 of
5, 1/10 is 1 of 5). A score on a non-default scale is labelled ``score/scale`` (``"8/10"``), so
a ``score`` label never means two things.
"""

from __future__ import annotations

#: the scales each survey may use; the first is the default (an answer without ``scale``)
SCALES: dict[str, tuple[int, ...]] = {"csat": (5, 10), "nps": (10,), "ces": (7, 5)}
#: the lowest score of each survey (the highest is its scale)
LOWEST = {"csat": 1, "nps": 0, "ces": 1}
#: the lowest satisfied (CSAT) or easy (CES) score per scale
SATISFIED_FROM = {("csat", 5): 4, ("csat", 10): 8, ("ces", 7): 5, ("ces", 5): 4}
#: points are kept in thousandths, so that a normalised average stays exact to 0.001
POINT = 1000


def default_scale(survey: str) -> int:
    return SCALES[survey][0]


def score_range(survey: str, scale: int) -> tuple[int, int]:
    return LOWEST[survey], scale


def score_label(score: int, scale: int) -> str:
    """``"8"`` on the survey's default scale (``scale`` 0), ``"8/10"`` on another."""
    return str(score) if not scale else f"{score}/{scale}"


def satisfied(survey: str, score: int, scale: int) -> bool:
    """A satisfied CSAT or an easy CES answer (an NPS answer is neither: NPS has its own)."""
    floor = SATISFIED_FROM.get((survey, scale or default_scale(survey)))
    return floor is not None and score >= floor


def milli_points(survey: str, score: int, scale: int) -> int:
    """The score on the survey's default scale, in thousandths of a point."""
    if not scale:
        return score * POINT
    low, default = LOWEST[survey], default_scale(survey)
    return round(POINT * (low + (score - low) * (default - low) / (scale - low)))


def satisfied_labels(survey: str) -> tuple[str, ...]:
    """The ``score`` labels of satisfied (CSAT) or easy (CES) answers, on every scale: for the
    breakdowns that keep scores (per team, per category) rather than a satisfied count."""
    return tuple(
        score_label(score, 0 if scale == default_scale(survey) else scale)
        for scale in SCALES[survey]
        for score in range(SATISFIED_FROM[(survey, scale)], scale + 1)
    )
