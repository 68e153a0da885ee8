"""Which send an answer answers, and the method it is counted under."""

from __future__ import annotations

from streams.domain.surveys import UNKNOWN_METHOD, SurveyAnswer, SurveySend, match
from tests.support.builders import H

SENDS = (
    SurveySend(1 * H, "csat", "email"),
    SurveySend(2 * H, "nps", "sms"),
    SurveySend(3 * H, "csat", "in_app"),
)


def _answer(at: int, survey: str = "csat", method: str = "") -> SurveyAnswer:
    return SurveyAnswer(survey, 5, at, "chat", method)


def test_an_answer_answers_the_latest_send_of_its_survey_before_it() -> None:
    assert match(_answer(4 * H), SENDS) == (("in_app", SENDS[2]))
    assert match(_answer(2 * H), SENDS) == ("email", SENDS[0])
    assert match(_answer(2 * H + 1, "nps"), SENDS) == ("sms", SENDS[1])


def test_an_answer_stamped_before_every_send_takes_the_earliest_after_it() -> None:
    assert match(_answer(0), SENDS) == ("email", SENDS[0])  # clock skew between publishers


def test_the_answers_own_method_wins_and_no_send_means_unknown() -> None:
    assert match(_answer(4 * H, method="phone"), SENDS) == ("phone", SENDS[2])
    assert match(_answer(4 * H, "ces"), SENDS) == (UNKNOWN_METHOD, None)
    assert match(_answer(4 * H, "ces", method="web"), ()) == ("web", None)
