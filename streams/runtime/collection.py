"""Garbage collection for a worker whose heap is mostly long-lived ticket records.

CPython's cyclic collector walks every tracked object of the generations it collects. A worker
holds up to millions of records, none of them in a reference cycle (a partition state is not in
one either: ``streams.domain.windows.diff_into``), so each walk over them is pure cost:
reference counting frees a record the moment it is replaced, and a state once it is dropped.
Measured on the compiled core (docs/benchmarks.md): loading 100,000 records took 131.6 µs per
record with the collector on and 56.8 µs with it off.

- A rebuild loads with the collector off, then freezes what is alive (``gc.freeze``): later
  collections skip those objects, and reference counting still frees each as it is replaced.
- Whatever else was alive then is frozen too, so a reference cycle among those objects that
  became garbage later would outlive its collection. When a rebalance drops partition states,
  everything is unfrozen (``dropped_states``): the next full collection walks it all once and
  frees such cycles, and the next rebuild freezes again.
- Young collections run every ``YOUNG_OBJECTS`` allocations instead of CPython's 700, so the
  full collections that follow them walk the records created since the last rebuild less often.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_OBJECTS = 20_000


def configure() -> None:
    """Once, at worker start."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS, middle, old)


@contextmanager
def bulk_load() -> Iterator[None]:
    """No cyclic collection while loading; what is alive afterwards is left out of later ones."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.freeze()


def dropped_states() -> None:
    """Partition states were dropped: let the collector see everything again."""
    gc.unfreeze()
