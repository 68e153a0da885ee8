"""Throughput of supportkpi against baselines measured in the same run, on the same topics.

1. raw          aiokafka consumer + orjson decode, nothing else (the Python limit here)
2. faust-floor  Faust agent updating a plain dict (the framework's ceiling)
3. faust-naive  Faust agent writing one Table key per event (the usual Faust app)
4. supportkpi   the real worker, every KPI, dedupe and the exporter live; timed from the first
                event to the moment /metrics accounts for the last one
Ratios are what matter: these machines are noisy, absolute numbers are not comparable across runs.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import orjson

from streams.devtools import devbroker
from streams.devtools.bench.harness import Run
from streams.devtools.bench.worker import wait_for_total, wait_until
from streams.domain.events import Kind

VARIANTS = ("raw", "faust-floor", "faust-naive", "supportkpi")
# "baseline": the worker of another checkout (``--baseline PATH``), on the same topics and in
# the same run, to show what a change costs: supportkpi / baseline
BASELINE = "baseline"


async def raw(run: Run) -> float:
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        *run.topics(),
        bootstrap_servers=run.bootstrap,
        group_id=f"raw-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        max_poll_records=5000,
    )
    await consumer.start()
    try:
        seen, first = 0, 0.0
        loads = orjson.loads
        while seen < run.events:
            batches = await consumer.getmany(timeout_ms=500, max_records=5000)
            for records in batches.values():
                if not first:
                    first = time.perf_counter()
                for record in records:
                    loads(record.value)
                seen += len(records)
        return seen / (time.perf_counter() - first)
    finally:
        await consumer.stop()


def faust_baseline(run: Run, variant: str) -> float:
    result_path = run.logs / f"{variant}-{uuid.uuid4().hex[:6]}.json"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "streams.devtools.bench.baselines",
            variant,
            "--broker",
            f"kafka://{run.bootstrap}",
            "--app-id",
            f"bench-{uuid.uuid4().hex[:8]}",
            "--topics",
            ",".join(run.topics()),
            "--events",
            str(run.events),
            "--partitions",
            str(run.partitions),
            "--web-port",
            str(devbroker.free_port()),
            "--result",
            str(result_path),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if not result_path.exists():
        raise RuntimeError(f"faust-{variant} failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    result = orjson.loads(result_path.read_bytes())
    return float(result["events"] / (result["last"] - result["first"]))


def supportkpi(run: Run, source: Path | None = None) -> float:
    worker = run.worker(f"bench-{uuid.uuid4().hex[:8]}", source=source)
    try:
        first = wait_until(lambda: worker.consumed() > 0, "the first event")
        # an older checkout (--baseline) may not read every topic of today's simulator
        known = worker.topics()
        expected = sum(1 for kind, _ in run.published if run.settings.topic(Kind(kind)) in known)
        last = wait_for_total(worker.consumed, expected, "the last event")
        seen = worker.consumed()
        if seen != expected:
            raise AssertionError(f"supportkpi accounted {seen} events, published {expected}")
        if worker.contacts() is not None:  # the contacts of the customers' state come after
            contacts = sum(
                1
                for kind, payload in run.published
                if kind == Kind.CREATED.value and payload.get("customer_id") is not None
            )
            last = wait_for_total(lambda: worker.contacts() or 0, contacts, "the last contact")
        run.final_metrics = worker.metrics()
        return expected / (last - first)
    finally:
        worker.stop()


def measure(
    run: Run, variants: tuple[str, ...], repeat: int, progress: Callable[[str], None] = print
) -> dict[str, list[float]]:
    for n in range(repeat):
        # rotate the order each round: the first variant of a round runs slower (an A/A test of
        # one checkout against itself, docs/benchmarks.md), so a fixed order biases ratios
        for variant in variants[n % len(variants) :] + variants[: n % len(variants)]:
            if variant == "raw":
                rate = asyncio.run(raw(run))
            elif variant == "supportkpi":
                rate = supportkpi(run)
            elif variant == BASELINE:
                rate = supportkpi(run, source=Path(os.environ["SUPPORTKPI_BENCH_BASELINE"]))
            else:
                rate = faust_baseline(run, variant.removeprefix("faust-"))
            run.results.setdefault(variant, []).append(rate)
            progress(f"  round {n + 1}/{repeat} {variant:12s} {rate:10,.0f} events/s")
    return run.results


def report(run: Run) -> str:
    rows = ["| variant | min | median | max (events/s) |", "|---|---:|---:|---:|"]
    medians = {}
    for variant, rates in run.results.items():
        medians[variant] = statistics.median(rates)
        rows.append(
            f"| {variant} | {min(rates):,.0f} | {medians[variant]:,.0f} | {max(rates):,.0f} |"
        )
    if "supportkpi" in medians:
        rows.extend(
            f"| supportkpi / {base} | | {medians['supportkpi'] / medians[base]:.2f} | |"
            for base in (BASELINE, "faust-floor", "faust-naive", "raw")
            if base in medians
        )
    ours, theirs = run.results.get("supportkpi", []), run.results.get(BASELINE, [])
    if ours and len(ours) == len(theirs):  # pairs measured side by side: less noise
        paired = [a / b for a, b in zip(ours, theirs, strict=True)]
        rows.append(
            f"| supportkpi / {BASELINE}, per round | {min(paired):.2f} | "
            f"{statistics.median(paired):.2f} | {max(paired):.2f} |"
        )
    return "\n".join(rows)
