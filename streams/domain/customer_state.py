"""The customer records of one partition of the contacts topic, and their windows' diffs.

One record per customer key (the keyed digest of the customer id), persisted to the customers'
own compacted changelog (key: the customer key, value: ``CustomerRecord.to_bytes``) and rebuilt
from it on restart. Each contact changes one key, and a redelivered contact is a duplicate (the
record knows its ticket), so replaying any suffix of the input is harmless.

The windows are the partition's own: ``diff`` applies a contributions diff to them, as
``PartitionState._diff`` does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from streams.domain.contacts import Contact
from streams.domain.customer_store import CustomerRecords
from streams.domain.customers import (
    MAX_CUSTOMER_TICKETS_KEPT,
    Admission,
    CustomerRecord,
    CustomerTicket,
    RepeatModel,
)
from streams.domain.digests import event_digest
from streams.domain.labels import LabelPolicy
from streams.domain.outcome import Outcome
from streams.domain.series import Contribution

#: applies ``after`` minus ``before`` (None: nothing before) to the windows
Diff = Callable[[list[Contribution] | None, list[Contribution]], None]


class Customers:
    """Applies contacts to customer records, keeps their contributions in the windows, and
    tracks the keys to persist."""

    def __init__(
        self,
        model: RepeatModel,
        labels: LabelPolicy,
        diff: Diff,
        max_tickets: int = MAX_CUSTOMER_TICKETS_KEPT,
    ) -> None:
        self.model = model
        self.labels = labels
        self.max_tickets = max_tickets
        self._diff = diff
        self.records = CustomerRecords()
        self.dirty: set[str] = set()

    def apply(self, contact: Contact, late_before_ms: int) -> Outcome:
        """Apply one contact; if that raises, the record is left as it was, and it re-raises.

        A contact older than ``late_before_ms`` minus the horizon for a customer without a record
        is late and kept nowhere: it is in no window, and no predecessor of a ticket that is.
        """
        key = contact.customer
        record = self.records.get(key)
        if record is None:
            if contact.created_ms < late_before_ms - self.model.horizon_ms:
                return Outcome.LATE
            snapshot, record = None, CustomerRecord()
        else:
            snapshot = record.copy()
        ticket = CustomerTicket(
            contact.created_ms,
            event_digest(contact.ticket_id),
            self.labels.channel(contact.channel),
        )
        try:
            admission, frozen = self.model.apply(record, ticket, self.max_tickets)
            if admission is Admission.DUPLICATE:
                return Outcome.DUPLICATE
            if admission is Admission.CAPPED:
                return Outcome.CAPPED
            # the record's contributions before, from its snapshot: none are built for duplicates
            before = None if snapshot is None else self.model.contributions(snapshot)
            after = self.model.contributions(record)
            if frozen:
                after.extend(frozen)
            self.records[key] = record
            self.dirty.add(key)
            self._diff(before, after)
        except Exception:
            if snapshot is None:
                self.records.pop(key, None)
            else:
                self.records[key] = snapshot
            raise
        return Outcome.PROCESSED

    def load(self, key: str, blob: bytes | None) -> None:
        """Restore one record from the changelog (None: its tombstone) and add its
        contributions, replacing what is held of the key (a snapshot's tail is loaded so).

        Raises if the record cannot be read, and then leaves no trace of the key: the caller
        quarantines it. (Frozen contributions of forgotten tickets are in no record: a restart
        counts a customer past the cap by its kept tickets; one from a snapshot keeps them.)
        """
        held = self.records.pop(key)
        if held is not None:
            self._diff(self.model.contributions(held), [])
        if blob is None:
            return
        record = CustomerRecord.from_bytes(blob)
        contributions = self.model.contributions(record)
        self.records[key] = record
        self._diff(None, contributions)

    def expire(self, cutoff_ms: int) -> int:
        """Forget the customers whose newest ticket is older than ``cutoff_ms`` (the caller
        passes ``late_before_ms - horizon_ms``); return how many. Retracting their
        contributions is harmless: they lie outside every window."""
        expired = self.records.older_than(cutoff_ms)  # ``CustomerRecord.expired``
        for key in expired:
            record = self.records.pop(key)
            if record is not None:
                self._diff(self.model.contributions(record), [])
            self.dirty.add(key)
        return len(expired)

    def drain_dirty(self) -> Iterator[tuple[str, bytes | None]]:
        """Changed keys with their new value (None: deleted), each once since the last drain."""
        dirty, self.dirty = self.dirty, set()
        for key in dirty:
            record = self.records.get(key)
            yield key, None if record is None else record.to_bytes()
