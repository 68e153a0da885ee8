"""The customers' store: a record reads back as it was written, and expiry reads the header
as the record would answer."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from streams.domain.customer_store import CustomerRecords, pack, unpack
from streams.domain.customers import CustomerRecord, CustomerTicket
from tests.support.builders import NOW, D

_times = st.integers(NOW - 400 * D, NOW + D)
_tickets = st.builds(
    CustomerTicket,
    created_ms=_times,
    ticket=st.binary(min_size=8, max_size=8),
    channel=st.sampled_from(["email", "chat", "phone", "ünï", "other"]),
)
_records = st.builds(
    CustomerRecord,
    tickets=st.lists(_tickets, min_size=1, max_size=5).map(lambda t: tuple(sorted(t))),
    floor_ms=st.none() | _times,
    forgotten_repeat_ms=st.none() | _times,
)


@given(_records)
def test_a_record_reads_back_as_it_was(record: CustomerRecord) -> None:
    back = unpack(pack(record))
    assert back == record
    assert all(type(t) is CustomerTicket for t in back.tickets)  # named again, not plain


@given(st.dictionaries(st.text(min_size=1, max_size=4), _records, max_size=8), _times)
def test_expiry_picks_the_records_that_say_they_expired(
    records: dict[str, CustomerRecord], cutoff_ms: int
) -> None:
    store = CustomerRecords()
    for key, record in records.items():
        store[key] = record
    assert set(store.older_than(cutoff_ms)) == {
        key for key, record in records.items() if record.expired(cutoff_ms)
    }
    assert store == records and len(store) == len(records)


def test_a_read_record_is_a_copy_until_written_back() -> None:
    store = CustomerRecords()
    store["c"] = CustomerRecord((CustomerTicket(NOW, b"\0" * 8, "email"),))
    read = store["c"]
    read.floor_ms = NOW - D
    assert store["c"].floor_ms is None
    store["c"] = read
    assert store["c"].floor_ms == NOW - D
    assert store.pop("c") == read and store.pop("c") is None and "c" not in store
