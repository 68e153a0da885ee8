"""``supportkpi bench``: every figure of one run, on one broker and the same preloaded topics.

Throughput against baselines (``throughput``), latency at half load (``latency``), two workers
against one (``scale``), a restart with many tickets (``recovery``) and memory per open ticket
(``footprint``); each figure is measured ``--repeat`` times and printed as min / median / max.
Ratios are what matter: these machines are noisy, absolute numbers are not comparable across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from streams.devtools import devbroker
from streams.devtools.bench import backfill, core, latency, recovery, scale
from streams.devtools.bench.footprint import footprint_report
from streams.devtools.bench.harness import Run, preload
from streams.devtools.bench.ingest import main as bench_ingest
from streams.devtools.bench.throughput import BASELINE, VARIANTS, measure, report
from streams.domain import CORE


@dataclass(frozen=True)
class Plan:
    """What one ``supportkpi bench`` run measures (0/empty: skip that part)."""

    events: int = 200_000
    repeat: int = 3
    variants: tuple[str, ...] = VARIANTS
    partitions: int = 4
    latency_s: float = 20.0  # seconds of steady publishing per latency round
    latency_rate: float = 0.0  # events/s while measuring latency; 0: half the measured load
    scale: bool = True  # 2 workers against 1
    recovery_tickets: int = 0  # restart with this many tickets in the changelog
    core_events: int = 0  # the core in process on this many events (no broker)
    backfill_events: int = 0  # replay this many events of history into an event-clock worker


def main(plan: Plan) -> Run:
    """Run every part of ``plan`` on one broker (the embedded one unless
    ``SUPPORTKPI_BENCH_BROKER`` names another), print the tables and return the run."""
    logs = Path(tempfile.mkdtemp(prefix="supportkpi-bench-"))
    bootstrap = os.environ.get("SUPPORTKPI_BENCH_BROKER")
    broker = None
    if bootstrap is None:
        port = devbroker.free_port()
        broker = devbroker.start(port, log_path=logs / "broker.log")
        bootstrap = f"127.0.0.1:{port}"
    quirks = "tansu" if broker is not None else os.environ.get("SUPPORTKPI_BROKER_QUIRKS", "")
    run = Run(
        bootstrap, plan.events, plan.partitions, f"bench{uuid.uuid4().hex[:6]}-", quirks, logs
    )
    try:
        run.summary = "\n\n".join(_sections(run, plan))
    finally:
        if broker is not None:
            broker.terminate()
            broker.wait(timeout=10)
    print(run.summary)
    return run


def _sections(run: Run, plan: Plan) -> list[str]:
    sections = []
    if plan.core_events:
        figures = core.measure(plan.core_events, plan.repeat)
        rates = {name: v for name, v in figures.items() if name.endswith("(events/s)")}
        ratios = {name: v for name, v in figures.items() if name not in rates}
        title = f"the core ({CORE}, no broker), {plan.core_events:,} events"
        sections.append(spread_table(title, rates, "", 0))
        sections.append(
            spread_table("the core against orjson alone (and the pure core)", ratios, "", 3)
        )
    if plan.variants or plan.scale:
        started = time.perf_counter()
        asyncio.run(preload(run))
        print(
            f"preloaded {plan.events:,} events in {time.perf_counter() - started:.1f}s "
            f"({run.bootstrap}, {plan.partitions} partitions; logs in {run.logs})"
        )
    if plan.variants:
        measure(run, plan.variants, plan.repeat)
        sections.append(report(run))
    if plan.latency_s:
        rate = plan.latency_rate or 0.5 * statistics.median(
            run.results.get("supportkpi") or [ASSUMED_RATE]
        )
        latencies = latency.measure(run, rate, plan.latency_s, plan.repeat)
        sections.append(
            spread_table(f"latency at {rate:,.0f} events/s (half load)", latencies, " ms", 0)
        )
    if plan.scale:
        sections.append(spread_table("workers (events/s)", scale.measure(run, plan.repeat), "", 2))
    if plan.backfill_events:
        backfills = backfill.measure(run, plan.backfill_events, plan.repeat)
        title = f"backfill of {plan.backfill_events:,} events (replay, then an event-clock worker)"
        sections.append(spread_table(title, backfills, "", 1))
    if plan.recovery_tickets:
        restarts = recovery.measure(run, plan.recovery_tickets, plan.repeat)
        sections.append(
            spread_table(f"restart with {plan.recovery_tickets:,} tickets", restarts, "", 1)
        )
    return sections


# the latency rounds' rate (events/s) when throughput was not measured in the same run: a
# guess, so pass --latency-rate to choose one
ASSUMED_RATE = 9_000.0


def spread_table(title: str, results: dict[str, list[float]], unit: str, digits: int) -> str:
    """One row per figure: min / median / max over the repetitions."""
    rows = [f"| {title} | min | median | max |", "|---|---:|---:|---:|"]
    for name, values in results.items():
        cells = (
            f"{v:,.{digits}f}{unit}" for v in (min(values), statistics.median(values), max(values))
        )
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def command(args: argparse.Namespace) -> int:
    """``supportkpi bench`` with the flags ``streams.cli`` parsed."""
    variants = tuple(v.strip() for v in args.variants.split(",") if v.strip())
    if args.baseline:
        os.environ["SUPPORTKPI_BENCH_BASELINE"] = os.path.abspath(args.baseline)
        variants = (*variants, BASELINE)
    unknown = set(variants) - {*VARIANTS, BASELINE}
    if unknown:
        raise SystemExit(f"unknown variants {sorted(unknown)}; choose from {VARIANTS}")
    plan = Plan(
        events=args.events,
        repeat=args.repeat,
        variants=variants,
        latency_s=args.latency_seconds,
        latency_rate=args.latency_rate,
        scale=not args.no_scale,
        recovery_tickets=args.recovery_tickets,
        core_events=args.core_events,
        backfill_events=args.backfill_events,
    )
    parts = (plan.variants, plan.latency_s, plan.scale, plan.recovery_tickets, plan.core_events)
    if any(parts) or plan.backfill_events:
        main(plan)
    if args.open_tickets:
        footprint_report(args.open_tickets, args.repeat)
    if args.ingest:
        bench_ingest(args.ingest, args.repeat)
    if args.whatif_events:
        from streams.devtools.bench import whatif

        title = f"sla whatif on {args.whatif_events:,} events of history (two policies)"
        print(spread_table(title, whatif.measure(args.whatif_events, args.repeat), "", 1))
    return 0
