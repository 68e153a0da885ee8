"""Garbage collection for a worker whose heap is mostly long-lived ticket records.

CPython's cyclic collector walks every tracked object of the generations it collects. A worker
holds up to millions of records, none of them in a reference cycle, so each walk over them is
pure cost (reference counting frees a record the moment it is replaced). Measured on the
compiled core (docs/benchmarks.md): loading 100,000 records took 131.6 µs per record with the
collector on and 56.8 µs with it off.

- A rebuild loads with the collector off, then freezes what it holds (``gc.freeze``): later
  collections skip those objects, and reference counting still frees each as it is replaced.
  Anything else alive at that moment is frozen too, so a reference cycle among those objects
  that became garbage later would stay; a worker freezes once per rebuild, which bounds that.
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
    """No cyclic collection while loading; what was loaded is then left out of later ones."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.freeze()
