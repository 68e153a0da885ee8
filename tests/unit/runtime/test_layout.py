"""A repartition's decisions (streams/runtime/layout.py): every record and event lands where a
worker of the new layout looks for it, and the rebuild refuses to start when it would be wrong.
The rebuild against the real broker, KPIs and all: tests/e2e/test_repartition.py."""

from __future__ import annotations

import pytest

from streams.config import Settings
from streams.domain.contacts import unpack_contacts
from streams.domain.events import pack, unpack
from streams.runtime import layout
from streams.runtime.partitioning import partition_for
from streams.runtime.routing import route
from tests.support.builders import consumer_record, created_payload, replied_payload

NOW_MS = 1_795_000_000_000
OLD = Settings(app_id="kpi", partitions=4)
NEW = layout.target(OLD, 12, "kpi-12")
TICKETS = [f"T-{n}" for n in range(40)]


def _routed(settings: Settings) -> dict[str, int]:
    """The partition the router sends each ticket's events to under ``settings``."""
    records = [
        consumer_record("ticket-created", n, created_payload(t, NOW_MS - 60_000, f"e{n}"))
        for n, t in enumerate(TICKETS)
    ]
    routed = route(records, settings, NOW_MS)
    return {e.record_key: p for p, events in routed.events.items() for e in events}


def test_a_ticket_record_lands_where_the_new_router_sends_its_events() -> None:
    records = {t.encode(): b"record of " + t.encode() for t in TICKETS}
    placed = layout.placed(records, NEW.changelog_topic, NEW.partitions)
    where = {m.key.decode(): m.partition for m in placed}
    assert where == _routed(NEW)
    assert {m.topic for m in placed} == {NEW.changelog_topic}
    assert {m.value for m in placed} == set(records.values())
    assert where != _routed(OLD)  # most tickets move: why a rebuild is needed at all
    assert len(set(where.values())) > 4


def test_an_old_internal_message_is_split_by_the_new_owners_in_order() -> None:
    records = [
        consumer_record("agent-replied", n, replied_payload(t, NOW_MS - 30_000, f"r{n}"))
        for n, t in enumerate(TICKETS)
    ]
    events = [e for group in route(records, OLD, NOW_MS).events.values() for e in group]
    messages = layout.rerouted(pack(events), 3, NEW.partitions)
    moved = {p: unpack(blob) for p, blob in messages}
    routed = _routed(NEW)
    assert all(routed[e.record_key] == p for p, group in moved.items() for e in group)
    order = [e.event_id for e in events]
    for group in moved.values():
        ids = [e.event_id for e in group]
        assert ids == sorted(ids, key=order.index)
    assert sorted(e.event_id for g in moved.values() for e in g) == sorted(order)


def test_contacts_follow_their_customer_and_unreadable_bytes_keep_their_place() -> None:
    created = [
        consumer_record(
            "ticket-created", n, created_payload(t, NOW_MS - 60_000, f"c{n}", customer_id=f"C{n}")
        )
        for n, t in enumerate(TICKETS)
    ]
    old = route(created, OLD, NOW_MS)
    blobs = [blob for _, blob in old.contact_messages(1_000_000)]
    moved = [
        (p, c)
        for blob in blobs
        for p, b in layout.rerouted(blob, 0, 12)
        for c in unpack_contacts(b)
    ]
    assert len(moved) == len(TICKETS)
    assert all(p == partition_for(c.customer.encode(), 12) for p, c in moved)
    assert layout.rerouted(b"not ours", 7, 12) == [(7, b"not ours")]
    assert layout.rerouted(b"not ours", 13, 12) == [(1, b"not ours")]
    assert layout.rerouted(None, 1, 12) == []


def test_the_new_layout_needs_its_own_app_id_and_a_valid_count() -> None:
    assert (NEW.partitions, NEW.app_id, NEW.topic_prefix) == (12, "kpi-12", OLD.topic_prefix)
    assert NEW.changelog_topic != OLD.changelog_topic and NEW.source_topics == OLD.source_topics
    with pytest.raises(ValueError, match="must differ"):
        layout.target(OLD, 12, "kpi")
    with pytest.raises(ValueError, match="at least 1"):
        layout.target(OLD, 0, "kpi-0")


def _counts(settings: Settings, sources: int) -> dict[str, int]:
    """The broker's topics of an old deployment: every topic, sources with ``sources``."""
    return {
        settings.changelog_topic: settings.partitions,
        settings.events_topic: settings.partitions,
        **dict.fromkeys(settings.source_topics, sources),
    }


def test_nothing_stops_a_rebuild_from_a_stopped_deployment_into_a_fresh_layout() -> None:
    kept = layout.target(Settings(app_id="kpi", partitions=4, source_partitions=4), 12, "kpi-12")
    assert layout.refusals(OLD, kept, _counts(OLD, 4), {}, False, False) == []
    assert layout.growth(_counts(OLD, 4), kept) == {}


def test_source_topics_are_grown_only_when_asked_and_never_shrunk() -> None:
    counts = _counts(OLD, 4)
    assert layout.growth(counts, NEW) == dict.fromkeys(NEW.source_topics, 12)
    (reason,) = layout.refusals(OLD, NEW, counts, {}, False, False)
    assert "--grow-source-topics" in reason and "SUPPORTKPI_SOURCE_PARTITIONS=4" in reason
    assert layout.refusals(OLD, NEW, counts, {}, False, True) == []
    fewer = layout.target(OLD, 2, "kpi-2")
    reasons = layout.refusals(OLD, fewer, counts, {}, False, True)
    assert len(reasons) == len(OLD.source_topics) and "cannot shrink" in reasons[0]


def test_running_workers_a_used_new_layout_or_no_old_state_refuse_with_a_reason_each() -> None:
    counts = {**_counts(OLD, 12), NEW.changelog_topic: 4}
    del counts[OLD.changelog_topic]
    members = {OLD.app_id: 2, OLD.router_group: 2, NEW.router_group: 1}
    reasons = layout.refusals(OLD, NEW, counts, members, True, False)
    assert len(reasons) == 6, reasons
    joined = "\n".join(reasons)
    for words in (
        "kpi has 2 member(s): stop every worker",
        "kpi-router has 2 member(s)",
        "kpi-12-router has members",
        "kpi-12 has committed offsets",
        "kpi-tickets-changelog does not exist",
        "kpi-12-tickets-changelog exists with 4 partitions, not 12",
    ):
        assert words in joined
