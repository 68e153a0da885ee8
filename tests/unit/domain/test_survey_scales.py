"""Survey scales: satisfied and easy answers, and scores on the default scale, across scales."""

from __future__ import annotations

import pytest

from streams.domain.survey_scales import milli_points, satisfied, score_label


@pytest.mark.parametrize(
    ("survey", "score", "scale", "is_satisfied"),
    [
        ("csat", 4, 0, True),
        ("csat", 3, 0, False),
        ("csat", 8, 10, True),
        ("csat", 7, 10, False),
        ("ces", 5, 0, True),  # 5-7 of 7 is easy
        ("ces", 4, 0, False),
        ("ces", 4, 5, True),  # 4-5 of 5
        ("ces", 3, 5, False),
        ("nps", 10, 0, False),  # NPS has its own promoters
    ],
)
def test_satisfied_and_easy_follow_the_scale(
    survey: str, score: int, scale: int, is_satisfied: bool
) -> None:
    assert satisfied(survey, score, scale) is is_satisfied


def test_scores_map_onto_the_default_scale_keeping_both_ends() -> None:
    assert milli_points("csat", 4, 0) == 4000
    assert (milli_points("csat", 1, 10), milli_points("csat", 10, 10)) == (1000, 5000)
    assert milli_points("csat", 8, 10) == 4111  # 1 + 7 * 4/9
    assert (milli_points("ces", 1, 5), milli_points("ces", 5, 5), milli_points("ces", 3, 5)) == (
        1000,
        7000,
        4000,
    )
    assert milli_points("nps", 0, 0) == 0


def test_a_score_on_another_scale_is_labelled_with_it() -> None:
    assert (score_label(4, 0), score_label(8, 10)) == ("4", "8/10")
