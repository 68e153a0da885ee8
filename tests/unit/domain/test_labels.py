"""Bounded labels: allow-lists, first come first served up to a cap, folds counted, restarts."""

from __future__ import annotations

from streams.domain.labels import OTHER, UNKNOWN, CategoryLabels, LabelPolicy


def test_the_first_values_seen_are_admitted_up_to_the_cap_and_the_rest_fold() -> None:
    labels = CategoryLabels(cap=2)
    assert [labels.label(v) for v in ["refund", "bug", "payment", "refund", "bug", "outage"]] == [
        "refund",
        "bug",
        OTHER,
        "refund",
        "bug",
        OTHER,
    ]
    assert labels.admitted == {"refund", "bug"}
    assert labels.folded == 2  # each value mapped to ``other`` counts


def test_an_allow_list_admits_only_its_values_whatever_the_cap() -> None:
    labels = CategoryLabels(cap=30, allowed=frozenset({"refund", "bug"}))
    assert [labels.label(v) for v in ["payment", "bug", "Refund", "refund"]] == [
        OTHER,
        "bug",
        OTHER,  # values are taken as published: case matters
        "refund",
    ]
    assert labels.folded == 2


def test_no_value_is_unknown_and_not_a_fold() -> None:
    labels = CategoryLabels(cap=0)
    assert labels.label(None) == UNKNOWN
    assert labels.folded == 0
    assert LabelPolicy().channel(None) == UNKNOWN


def test_readmit_restores_a_label_even_past_the_cap_but_never_other_or_unknown() -> None:
    labels = CategoryLabels(cap=1)
    for label in ["refund", "bug", OTHER, UNKNOWN, None]:
        labels.readmit(label)
    assert labels.admitted == {"refund", "bug"}  # labels in use before a restart stay in use
    assert labels.label("bug") == "bug" and labels.label("payment") == OTHER
    assert labels.folded == 1
