"""What a snapshot keeps of a partition's state: plain data that ``marshal`` can encode.

A restart without one rebuilds each partition by evaluating every record of its changelog
(~25 µs a record: SLA clocks, contributions, windows, backlog). A snapshot keeps what that
evaluation derives (the windows' sums, the backlog's index, the running SLA clocks) beside the
records and the customers (packed, as their stores keep them), so taking it back evaluates
nothing; the changelog's tail after it is loaded as usual (``PartitionState.load`` replaces
what it holds of a key).

Only tuples, lists, dicts, str, int, bytes and None go in: ``marshal`` encodes them fastest of
what the standard library has and can build nothing else. Named tuples are kept as plain
tuples and built again here. The caller stamps a snapshot with the source digest of this
package: one taken by other code is never read.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from streams.domain.backlog import Backlog, BacklogData
from streams.domain.customer_store import CustomerRecords
from streams.domain.record_store import Records
from streams.domain.series import Series
from streams.domain.sla.scan import SlaScan
from streams.domain.windows import SlidingWindows

#: the layout of ``Saved``; a snapshot of another layout is not read
#: 3: records packed (``record_store``); 4: SLA clocks and customers packed too
LAYOUT = 4
Saved = dict[str, Any]


def export(
    now_ms: int,
    records: Records,
    windows: SlidingWindows,
    backlog: Backlog,
    sla: SlaScan,
    customers: CustomerRecords,
) -> Saved:
    """A partition's state as plain data. It shares the live dicts of the windows, backlog and
    clocks: encode it before anything else runs."""
    return {
        "layout": LAYOUT,
        "now_ms": now_ms,
        "records": records.packed(),
        "windows": [
            (name, step, cutoff, _plain_buckets(buckets), _plain_sums(totals))
            for name, step, cutoff, buckets, totals in windows.export()
        ],
        "backlog": backlog.export(),
        "sla": sla.export(),
        "customers": customers.packed(),
    }


def restore(
    saved: Saved,
    windows: SlidingWindows,
    backlog: Backlog,
    sla: SlaScan,
) -> tuple[int, dict[str, bytes], CustomerRecords]:
    """Put the derived parts of ``saved`` into a fresh state's windows, backlog and clocks;
    return its clock, records and customer records. Raises on anything but ``export``'s
    layout, before it changes anything."""
    if saved.get("layout") != LAYOUT:
        raise ValueError(f"snapshot layout {saved.get('layout')!r} is not {LAYOUT}")
    records: dict[str, bytes] = saved["records"]  # packed (``Records.packed``)
    customers = CustomerRecords(saved["customers"])  # packed (``CustomerRecords.packed``)
    series: dict[tuple[Any, ...], Series] = {}  # one object per series, as the memo has it
    windows.restore(
        [
            (name, step, cutoff, _buckets(buckets, series), _sums(totals, series))
            for name, step, cutoff, buckets, totals in saved["windows"]
        ]
    )
    restored: BacklogData = saved["backlog"]
    backlog.restore(restored)
    sla.restore(saved["sla"])
    return int(saved["now_ms"]), records, customers


def _plain_sums(sums: Mapping[Hashable, int]) -> dict[tuple[Any, ...], int]:
    return {tuple(key): amount for key, amount in sums.items()}  # type: ignore[arg-type]


def _plain_buckets(buckets: Mapping[int, Mapping[Hashable, int]]) -> dict[int, dict[Any, int]]:
    return {index: _plain_sums(sums) for index, sums in buckets.items()}


def _sums(sums: dict[Any, int], series: dict[tuple[Any, ...], Series]) -> dict[Hashable, int]:
    out: dict[Hashable, int] = {}
    for key, amount in sums.items():
        one = series.get(key)
        if one is None:
            one = series[key] = Series(*key)
        out[one] = amount
    return out


def _buckets(
    buckets: dict[int, dict[Any, int]], series: dict[tuple[Any, ...], Series]
) -> dict[int, dict[Hashable, int]]:
    return {index: _sums(sums, series) for index, sums in buckets.items()}
