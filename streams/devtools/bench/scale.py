"""Throughput of two workers against one, on the same preloaded topics, in the same run.

Each round starts a fresh consumer group of 1 or 2 workers and times it from the moment the
group is stable (every partition owned, each worker owning some) to the last event; events
handled before that are left out of the rate, so the startup rebalance does not count.
"""

from __future__ import annotations

import time
import uuid

from streams.devtools.bench.harness import Run
from streams.devtools.bench.worker import BenchWorker, wait_for_total, wait_until


def throughput(run: Run, workers: int) -> float:
    app_id = f"scale{workers}-{uuid.uuid4().hex[:8]}"
    group = [run.worker(app_id) for _ in range(workers)]
    try:
        wait_until(
            lambda: _stable(group, run.partitions),
            f"{workers} workers to share the partitions",
            timeout=300,
            interval=0.5,
        )
        started, before = time.perf_counter(), _consumed(group)
        finished = wait_for_total(lambda: _consumed(group), run.events, "the last event")
        return (run.events - before) / (finished - started)
    finally:
        for worker in group:
            worker.stop()


def _consumed(group: list[BenchWorker]) -> int:
    return sum(worker.consumed() for worker in group)


def _stable(group: list[BenchWorker], partitions: int) -> bool:
    owned = [worker.ready() for worker in group]
    if any(not parts for parts in owned):
        return False
    flat = [p for parts in owned if parts for p in parts]
    return sorted(flat) == list(range(partitions))


def measure(run: Run, repeat: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {"1 worker": [], "2 workers": [], "2 / 1": []}
    for n in range(repeat):
        one, two = throughput(run, 1), throughput(run, 2)
        results["1 worker"].append(one)
        results["2 workers"].append(two)
        # at a tiny --events the backlog can be gone before the group is stable: no rate
        results["2 / 1"].append(two / one if one else float("nan"))
        print(
            f"  round {n + 1}/{repeat} 1 worker {one:,.0f}, 2 workers {two:,.0f} events/s "
            f"({results['2 / 1'][-1]:.2f}x)"
        )
    return results
