"""The decisions of a repartition (``repartition``), without I/O: the new layout's settings,
where each record and event goes in it, and what must hold before anything is written.

Where a key goes is ``partition_for(key, partitions)``, the partitioner the router uses for
events (by ticket) and contacts (by customer), which is also where a worker looks for the key's
changelog record: a record placed anywhere else would be invisible, or counted twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from streams.config import Settings
from streams.domain.contacts import Contact, is_contacts, pack_contacts, unpack_contacts
from streams.domain.events import Event, pack, unpack
from streams.runtime.partitioning import partition_for
from streams.runtime.sending import Outgoing
from streams.runtime.topics import expected_partitions


def target(settings: Settings, partitions: int, app_id: str) -> Settings:
    """The new deployment: ``settings`` with ``partitions`` under its own app id (its own
    internal topics and consumer groups; the old ones are only read, so rolling back is
    starting the old deployment again). Raises ValueError when it is not a new one."""
    if app_id == settings.app_id:
        raise ValueError(
            f"--app-id must differ from SUPPORTKPI_APP_ID={settings.app_id}: the new layout "
            "gets its own internal topics and consumer groups"
        )
    new = replace(settings, partitions=partitions, app_id=app_id)
    new.validate()
    return new


def placed(records: Mapping[bytes, bytes | None], topic: str, partitions: int) -> list[Outgoing]:
    """Changelog records (latest value per key, tombstones already dropped) as messages of the
    new layout's changelog ``topic``, each at its key's partition."""
    return [
        Outgoing(topic, key, value, partition_for(key, partitions), None)
        for key, value in records.items()
    ]


def rerouted(value: bytes | None, old_partition: int, partitions: int) -> list[tuple[int, bytes]]:
    """One internal message of the old layout as messages of the new one, by partition: its
    events by ticket, or its contacts by customer, in their order. One this version cannot read
    keeps its bytes (its new owner dead-letters it, as the old owner would have)."""
    if not value:
        return [] if value is None else [(old_partition % partitions, value)]
    try:
        if is_contacts(value):
            contacts: dict[int, list[Contact]] = {}
            for contact in unpack_contacts(value):
                owner = partition_for(contact.customer.encode(), partitions)
                contacts.setdefault(owner, []).append(contact)
            return [(p, pack_contacts(group)) for p, group in contacts.items()]
        unpacked = unpack(value)
    except Exception:
        return [(old_partition % partitions, value)]
    events: dict[int, list[Event]] = {}
    for event in unpacked:
        events.setdefault(partition_for(event.record_key.encode(), partitions), []).append(event)
    return [(p, pack(group)) for p, group in events.items()]


def growth(counts: Mapping[str, int], new: Settings) -> dict[str, int]:
    """Source topics with fewer partitions than the new layout wants, and that count."""
    want = new.source_partition_count
    return {name: want for name in new.source_topics if counts.get(name, want) < want}


def refusals(
    old: Settings,
    new: Settings,
    counts: Mapping[str, int],
    members: Mapping[str, int],
    new_in_use: bool,
    grow_sources: bool,
) -> list[str]:
    """Why the rebuild must not start (empty: it may). ``counts``: partitions per topic on the
    broker; ``members``: per consumer group; ``new_in_use``: the new stateful stage has
    committed offsets, so the new layout has state of its own that a rebuild would overwrite."""
    reasons = [
        f"consumer group {group} has {members[group]} member(s): stop every worker of "
        f"{old.app_id} first (a killed worker stays a member for up to "
        f"SUPPORTKPI_SESSION_TIMEOUT, {old.session_timeout:g} s)"
        for group in (old.app_id, old.router_group)
        if members.get(group)
    ]
    reasons += [
        f"consumer group {group} has members: the new layout is running"
        for group in (new.app_id, new.router_group)
        if members.get(group)
    ]
    if new_in_use:
        reasons.append(
            f"{new.app_id} has committed offsets on {new.events_topic}: the new layout has "
            "been in use, and a rebuild would overwrite its state"
        )
    if old.changelog_topic not in counts:
        reasons.append(
            f"{old.changelog_topic} does not exist: nothing to rebuild "
            "(is SUPPORTKPI_APP_ID the old deployment's?)"
        )
    reasons += [
        f"{name} exists with {counts[name]} partitions, not {n}"
        for name, n in expected_partitions(new).items()
        if name not in new.source_topics and counts.get(name, n) != n
    ]
    want = new.source_partition_count
    reasons += [
        f"{name} has {counts[name]} partitions, more than {want}, and a topic cannot "
        f"shrink: set SUPPORTKPI_SOURCE_PARTITIONS={counts[name]}"
        for name in new.source_topics
        if counts.get(name, want) > want
    ]
    fewer = growth(counts, new)
    if fewer and not grow_sources:
        have = sorted({counts[name] for name in fewer})
        reasons.append(
            f"{len(fewer)} source topics have {'/'.join(map(str, have))} partitions, not {want}: "
            "pass --grow-source-topics to grow them (publishers' keys then map to other "
            "partitions; the router re-keys every event, so the processor does not mind), or "
            f"keep them and set SUPPORTKPI_SOURCE_PARTITIONS={have[0]} for both layouts"
        )
    return reasons
