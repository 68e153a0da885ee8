"""The worker's collector settings: a dropped partition state needs no cyclic collection, and
dropping states unfreezes what a rebuild froze."""

from __future__ import annotations

import gc
import sys

from streams.config import Settings
from streams.runtime import collection
from streams.runtime.clock import EventClock
from streams.runtime.states import StateFactory
from tests.support.builders import created


def test_a_dropped_partition_state_is_freed_by_reference_counting_alone() -> None:
    state = StateFactory(Settings(), EventClock())()
    state.apply(created("T1", state.now_ms - 60_000))
    records = state.records
    enabled = gc.isenabled()
    gc.disable()
    try:
        del state  # a cycle through the state would keep it, and its records, alive here
        assert sys.getrefcount(records) == 2  # ``records`` and the call's argument
    finally:
        if enabled:
            gc.enable()


def test_a_rebuild_freezes_what_it_loaded_and_dropping_states_unfreezes_it() -> None:
    try:
        with collection.bulk_load():
            assert not gc.isenabled()
            loaded = [{"record": n} for n in range(100)]
        assert gc.isenabled() and gc.get_freeze_count() >= len(loaded)
        collection.dropped_states()
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()
