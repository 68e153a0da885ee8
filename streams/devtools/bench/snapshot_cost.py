"""What a snapshot costs per open ticket, in process, with the worker's model and settings:
taking one (exporting the state as plain data, encoding it) and taking it back (decoding,
rebuilding the state), beside ``PartitionState.load`` of the same records from changelog bytes,
the rebuild a snapshot spares. Medians of ``--repeat`` runs, with the collector off as in a
worker's rebuild.

    python -m streams.devtools.bench.snapshot_cost --tickets 100000 --shape "in progress"
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from streams.config import Settings
from streams.devtools.bench.footprint import SHAPES, fill
from streams.domain.partition import PartitionState
from streams.runtime.clock import EventClock
from streams.runtime.snapshots import Covered, SnapshotStore
from streams.runtime.states import StateFactory


def measure(tickets: int, shape: str, repeat: int) -> dict[str, float]:
    """Microseconds per open ticket of each step, and the file's bytes per ticket."""
    new_state = StateFactory(Settings.from_env(), EventClock())
    state = new_state()
    fill(state, tickets, shape)
    store = SnapshotStore(Path(Settings.from_env().data_dir), "bench")  # encodes, writes nothing
    blobs = [(key, record.to_bytes()) for key, record in state.records.items()]
    rounds = [_round(store, state, new_state, blobs) for _ in range(repeat)]
    result = {name: statistics.median(r[name] for r in rounds) for name in rounds[0]}
    result = {name: seconds * 1e6 / tickets for name, seconds in result.items()}
    result["file bytes per ticket"] = len(_encode(store, state)) / tickets
    return result


def _round(
    store: SnapshotStore,
    state: PartitionState,
    new_state: Callable[[], PartitionState],
    blobs: list[tuple[str, bytes]],
) -> dict[str, float]:
    """Seconds of each step, once, with the collector off as in a worker's rebuild."""
    gc.disable()
    try:
        started = time.perf_counter()
        blob = _encode(store, state)
        encoded = time.perf_counter()
        snapshot = store.decode(blob)
        decoded = time.perf_counter()
        new_state().restore(snapshot.saved)
        restored = time.perf_counter()
        rebuilt = new_state()
        for key, record in blobs:
            rebuilt.load(key, record)
        loaded = time.perf_counter()
    finally:
        gc.enable()
    return {
        "take: export and encode": encoded - started,
        "back: decode": decoded - encoded,
        "back: restore": restored - decoded,
        "rebuild: load every record": loaded - restored,
    }


def _encode(store: SnapshotStore, state: PartitionState) -> bytes:
    return store.encode(state.export(), Covered(0, 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--shape", choices=SHAPES, default="new")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for name, value in measure(args.tickets, args.shape, args.repeat).items():
        unit = "" if "bytes" in name else " µs per ticket"
        print(f"{name:>28}: {value:8.2f}{unit}")


if __name__ == "__main__":
    main()
