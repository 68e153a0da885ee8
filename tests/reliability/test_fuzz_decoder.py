"""A bounded fuzz run of the decoder: any bytes, any JSON, never anything but InvalidEvent."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.domain.events import InvalidEvent, Kind, decode

pytestmark = pytest.mark.reliability

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)
FIELDS = [
    "event_id",
    "occurred_at",
    "ticket_id",
    "channel",
    "priority",
    "agent_id",
    "public",
    "author",
    "survey",
    "score",
    "status",
    "team",
    "category",
    "type",
    "customer_id",
    "method",
]
plausible = st.dictionaries(
    st.sampled_from(FIELDS),
    json_values
    | st.sampled_from(["2026-11-23T10:00:00Z", "csat", "urgent", "human", "pending", "email"]),
    max_size=len(FIELDS),
)
FUZZ = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _decode_or_reject(raw: bytes, kind: Kind) -> None:
    try:
        event = decode(raw, kind)
    except InvalidEvent as exc:
        assert str(exc)  # every rejection carries a reason
        return
    assert event.kind is kind and event.event_id and isinstance(event.at_ms, int)


@FUZZ
@given(st.binary(max_size=300), st.sampled_from(list(Kind)))
def test_arbitrary_bytes(raw: bytes, kind: Kind) -> None:
    _decode_or_reject(raw, kind)


@FUZZ
@given(json_values, st.sampled_from(list(Kind)))
def test_arbitrary_json(value: object, kind: Kind) -> None:
    _decode_or_reject(json.dumps(value).encode(), kind)


@FUZZ
@given(plausible, st.sampled_from(list(Kind)))
def test_plausible_events(doc: dict, kind: Kind) -> None:
    _decode_or_reject(json.dumps(doc).encode(), kind)
