"""The topic check's comparison (streams/runtime/topics.py): what every topic should have, how
each differs. Against the real broker over TCP: tests/e2e/test_topics.py."""

from __future__ import annotations

from streams.config import Settings
from streams.runtime.topics import TopicCheck, check_lines, compare, expected_partitions


def test_every_topic_the_app_uses_is_expected_with_the_default_twelve_partitions() -> None:
    settings = Settings(app_id="kpi", topic_prefix="prod.")
    expected = expected_partitions(settings)
    internal = {
        "prod.kpi-events",
        "prod.kpi-dead-letter",
        "kpi-tickets-changelog",
        "kpi-customers-changelog",
    }
    assert set(expected) == set(settings.source_topics) | internal
    assert set(expected.values()) == {12}


def test_source_topics_may_keep_their_own_count() -> None:
    expected = expected_partitions(Settings(partitions=24, source_partitions=4))
    sources = Settings().source_topics
    assert {expected[name] for name in sources} == {4}
    assert {n for name, n in expected.items() if name not in sources} == {24}


def test_each_topic_is_ok_mismatched_or_missing_and_unexpected_topics_are_ignored() -> None:
    checks = compare({"a": 12, "b": 12, "c": 4}, {"a": 12, "b": 4, "other": 1})
    assert checks == [TopicCheck("a", 12, 12), TopicCheck("b", 12, 4), TopicCheck("c", 4, None)]
    assert [c.status for c in checks] == ["ok", "MISMATCH", "missing"]


def test_one_aligned_line_per_topic_names_both_counts_and_the_status() -> None:
    lines = check_lines([TopicCheck("ticket-created", 12, 4), TopicCheck("x", 12, None)])
    assert [line.split() for line in lines] == [
        ["ticket-created", "expected", "12", "actual", "4", "MISMATCH"],
        ["x", "expected", "12", "actual", "-", "missing"],
    ]
    assert len({line.index("expected") for line in lines}) == 1
