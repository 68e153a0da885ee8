"""Repeat contacts: one record per customer, and what it contributes to the windows.

A ticket is a *repeat contact* when the same customer has another ticket created within the
repeat horizon H before it or at the same instant (created at t' in [t - H, t]): two tickets
created at the same instant are both repeats. It is counted at its own creation time, labelled
with its own channel. A ticket's creation time is the earliest ticket-created seen for it.

``REPEAT_CUSTOMERS`` counts customers with at least one repeat contact in the window, additively:
a customer contributes 1 at the time of its latest repeat contact (it has a repeat in
(now - w, now] iff its latest one is there, as no event lies far in the future). When the latest
repeat moves, the diff retracts the old contribution and adds the new one.

A record keeps at most ``MAX_CUSTOMER_TICKETS_KEPT`` tickets. A full record forgets its oldest
ticket: ``floor_ms`` keeps that ticket's time (so the oldest kept ticket keeps its repeat status)
and ``forgotten_repeat_ms`` the customer's latest forgotten repeat. The forgotten ticket's own
repeat contact was final (every ticket that could change it is older, so capped): it is handed
to the caller as a *frozen* contribution, added once and never retracted.
"""

from __future__ import annotations

import sys
from bisect import insort
from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple

import orjson

from streams.domain.digests import DIGEST_SIZE
from streams.domain.series import Contribution, SeriesMemo

# The KPI ids (``streams.metrics.kpis`` names each one's labels, in the order emitted here).
REPEAT_CONTACTS = "repeat_contacts"  # tickets that are repeat contacts; labels: (channel,)
REPEAT_CUSTOMERS = "repeat_customers"  # customers with a repeat contact; labels: ()

MAX_CUSTOMER_TICKETS_KEPT = 100  # per customer: far above a real customer within the horizon
FORMAT = 1


class Admission(Enum):
    """What a customer record did with a ticket."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"  # a ticket it knows, at the same or a later time
    CAPPED = "capped"  # the record is full and the ticket is older than every kept one


class CustomerTicket(NamedTuple):
    """One ticket of a customer; records sort them by (created_ms, ticket)."""

    created_ms: int
    ticket: bytes  # ``digests.event_digest`` of the ticket id
    channel: str  # the bounded channel label


class Admitted(NamedTuple):
    """What ``CustomerRecord.apply`` did."""

    admission: Admission
    frozen: CustomerTicket | None = None  # a repeat contact forgotten for the cap


class Applied(NamedTuple):
    """What ``RepeatModel.apply`` did."""

    admission: Admission
    frozen: list[Contribution]  # add once to the after side of the diff; never retract


@dataclass(slots=True)
class CustomerRecord:
    """The tickets of one customer, oldest first."""

    tickets: tuple[CustomerTicket, ...] = ()
    floor_ms: int | None = None  # creation time of the newest ticket forgotten for the cap
    forgotten_repeat_ms: int | None = None  # the latest repeat contact among forgotten tickets

    @property
    def last_ms(self) -> int:
        """The newest ticket's creation time (forgotten tickets are older)."""
        return self.tickets[-1].created_ms

    def expired(self, cutoff_ms: int) -> bool:
        """Whether the newest ticket is older than ``cutoff_ms``. Given the late horizon minus the
        repeat horizon, such a customer contributes to no window and is no predecessor of a
        ticket that does."""
        return self.last_ms < cutoff_ms

    def apply(
        self, ticket: CustomerTicket, horizon_ms: int, cap: int = MAX_CUSTOMER_TICKETS_KEPT
    ) -> Admitted:
        """Add ``ticket``, or move a known ticket to an earlier creation time."""
        tickets = self.tickets
        for index, kept in enumerate(tickets):
            if kept.ticket == ticket.ticket:
                if ticket.created_ms >= kept.created_ms:
                    return Admitted(Admission.DUPLICATE)
                moved = [*tickets[:index], *tickets[index + 1 :]]
                insort(moved, ticket)
                self.tickets = tuple(moved)
                return Admitted(Admission.APPLIED)
        floor = self.floor_ms
        if len(tickets) >= cap and (
            ticket < tickets[0] or (floor is not None and ticket.created_ms <= floor)
        ):
            return Admitted(Admission.CAPPED)  # older than the kept span: maybe a forgotten one
        grown = list(tickets)
        insort(grown, ticket)
        if len(grown) <= cap:
            self.tickets = tuple(grown)
            return Admitted(Admission.APPLIED)
        oldest = grown[0]
        was_repeat = is_repeat(grown, 0, floor, horizon_ms)
        self.tickets = tuple(grown[1:])
        self.floor_ms = oldest.created_ms if floor is None else max(floor, oldest.created_ms)
        if not was_repeat:
            return Admitted(Admission.APPLIED)
        latest = self.forgotten_repeat_ms
        if latest is None or oldest.created_ms > latest:
            self.forgotten_repeat_ms = oldest.created_ms
        return Admitted(Admission.APPLIED, oldest)

    def copy(self) -> CustomerRecord:
        """A snapshot to roll back to: every field is immutable, so a shallow copy is enough."""
        return CustomerRecord(self.tickets, self.floor_ms, self.forgotten_repeat_ms)

    def to_bytes(self) -> bytes:
        """``[format, floor_ms, forgotten_repeat_ms, [[created_ms, ticket hex, channel], ...]]``"""
        rows = [[t.created_ms, t.ticket.hex(), t.channel] for t in self.tickets]
        return orjson.dumps([FORMAT, self.floor_ms, self.forgotten_repeat_ms, rows])

    @classmethod
    def from_bytes(cls, blob: bytes) -> CustomerRecord:
        """Read ``to_bytes``; raise ``ValueError`` naming the format it does not read."""
        fields = orjson.loads(blob)
        fmt = fields[0] if isinstance(fields, list) and fields else None
        if fmt != FORMAT or len(fields) != 4:
            raise ValueError(
                f"customer record format {fmt!r} is not one this version reads ({FORMAT})"
            )
        _, floor, forgotten_repeat, rows = fields
        tickets = tuple(
            CustomerTicket(at, bytes.fromhex(digest), sys.intern(channel))
            for at, digest, channel in rows
        )
        if not tickets:
            raise ValueError("a customer record without tickets")
        return cls(tuple(sorted(tickets)), floor, forgotten_repeat)


def is_repeat(
    tickets: tuple[CustomerTicket, ...] | list[CustomerTicket],
    index: int,
    floor_ms: int | None,
    horizon_ms: int,
) -> bool:
    """Whether ``tickets[index]`` (sorted) is a repeat contact: another ticket lies within the
    horizon before it or at the same instant. Forgotten tickets stand as one at ``floor_ms``."""
    at = tickets[index].created_ms
    if index and at - tickets[index - 1].created_ms <= horizon_ms:
        return True  # the nearest one before it (or at the same instant) is within the horizon
    if index + 1 < len(tickets) and tickets[index + 1].created_ms == at:
        return True
    return floor_ms is not None and at - horizon_ms <= floor_ms <= at


@dataclass(frozen=True, slots=True)
class RepeatModel:
    """Derives the repeat-contact contributions of customer records."""

    horizon_ms: int = 7 * 86_400_000  # ``SUPPORTKPI_REPEAT_HORIZON``
    _series: SeriesMemo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_series", SeriesMemo(0))  # plain sums only

    def apply(
        self, record: CustomerRecord, ticket: CustomerTicket, cap: int = MAX_CUSTOMER_TICKETS_KEPT
    ) -> Applied:
        """Apply ``ticket`` to ``record``: the admission, and the frozen contributions (those of
        a ticket forgotten for the cap) that the caller adds once to the after side of its
        diff, never to be retracted."""
        admitted = record.apply(ticket, self.horizon_ms, cap)
        frozen = admitted.frozen
        if frozen is None:
            return Applied(admitted.admission, [])
        return Applied(admitted.admission, [self._repeat_contact(frozen)])

    def contributions(self, record: CustomerRecord) -> list[Contribution]:
        """Each kept repeat contact, then the customer's latest repeat, in a stable order."""
        out: list[Contribution] = []
        tickets, floor, horizon = record.tickets, record.floor_ms, self.horizon_ms
        latest = record.forgotten_repeat_ms
        for index in range(len(tickets)):
            if is_repeat(tickets, index, floor, horizon):
                ticket = tickets[index]
                out.append(self._repeat_contact(ticket))
                if latest is None or ticket.created_ms > latest:
                    latest = ticket.created_ms
        if latest is not None:
            out.append((latest, self._series.sums[()][REPEAT_CUSTOMERS], 1))
        return out

    def _repeat_contact(self, ticket: CustomerTicket) -> Contribution:
        series = self._series.sums[(ticket.channel,)][REPEAT_CONTACTS]
        return (ticket.created_ms, series, 1)


def max_customer_record_bytes(
    cap: int = MAX_CUSTOMER_TICKETS_KEPT, label_json_bytes: int = 34
) -> int:
    """An upper bound of a record's changelog value (to check against the broker's message
    limit): per ticket ``[1795000000000,"<16 hex>","<channel>"],``, and the header."""
    per_ticket = 16 + 2 * DIGEST_SIZE + 4 + label_json_bytes
    return cap * per_ticket + 64
