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
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from streams import devbroker
from streams.bench.worker import BenchWorker, wait_for_total, wait_until
from streams.config import Settings
from streams.domain.events import Kind
from streams.simulate import Simulator
from streams.topics import create_topics

VARIANTS = ("raw", "faust-floor", "faust-naive", "supportkpi")
# "baseline": the worker of another checkout (``--baseline PATH``), on the same topics and in
# the same run, to show what a change costs: supportkpi / baseline
BASELINE = "baseline"


@dataclass
class Run:
    bootstrap: str
    events: int
    partitions: int
    prefix: str
    quirks: str
    logs: Path
    results: dict[str, list[float]] = field(default_factory=dict)
    final_metrics: str = ""  # the last supportkpi worker's /metrics once it had every event
    published: list[tuple[str, dict]] = field(default_factory=list)  # (topic kind, payload)
    summary: str = ""  # the tables printed at the end

    def worker(
        self, app_id: str, prefix: str | None = None, source: Path | None = None
    ) -> BenchWorker:
        return BenchWorker.start(
            self.bootstrap,
            self.quirks,
            prefix or self.prefix,
            self.partitions,
            app_id,
            self.logs,
            source=source,
        )

    @property
    def settings(self) -> Settings:
        return self.settings_for(self.prefix)

    def settings_for(self, prefix: str) -> Settings:
        return Settings.from_env(
            {},
            broker=f"kafka://{self.bootstrap}",
            topic_prefix=prefix,
            partitions=self.partitions,
            app_id=f"{prefix}supportkpi",
        )

    def topics(self) -> list[str]:
        return list(self.settings.source_topics)


async def preload(run: Run, seed: int = 1) -> None:
    """Publish ``run.events`` simulated events (the simulator's mix, keyed by ticket)."""
    from aiokafka import AIOKafkaProducer

    await create_topics(run.settings)
    producer = AIOKafkaProducer(
        bootstrap_servers=run.bootstrap, linger_ms=20, max_batch_size=256 * 1024
    )
    await producer.start()
    try:
        start = int(time.time() * 1000) - 3 * 3_600_000  # three hours of history up to now
        sim = Simulator(seed=seed, tickets_per_s=50.0, speed=1.0, start_ms=start)
        pending = []
        for kind, payload in itertools.islice(sim.events(), run.events):
            run.published.append((kind.value, payload))
            pending.append(
                await producer.send(
                    run.settings.topic(kind),
                    orjson.dumps(payload),
                    key=str(payload["ticket_id"]).encode(),
                )
            )
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


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
            "streams.bench.baselines",
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
        last = wait_for_total(worker.consumed, run.events, "the last event")
        seen = worker.consumed()
        if seen != run.events:
            raise AssertionError(f"supportkpi accounted {seen} events, published {run.events}")
        run.final_metrics = worker.metrics()
        return run.events / (last - first)
    finally:
        worker.stop()


def measure(
    run: Run, variants: tuple[str, ...], repeat: int, progress: Callable[[str], None] = print
) -> dict[str, list[float]]:
    for n in range(repeat):
        # rotate the order each round: the first variant of a round ran ~16% slower in an A/A
        # test (the same checkout as supportkpi and baseline), so a fixed order biases ratios
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


def main(plan: Plan) -> Run:
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
    sections = []
    try:
        if plan.variants or plan.scale:
            started = time.perf_counter()
            asyncio.run(preload(run))
            print(
                f"preloaded {plan.events:,} events in {time.perf_counter() - started:.1f}s "
                f"({bootstrap}, {plan.partitions} partitions; logs in {logs})"
            )
        if plan.variants:
            measure(run, plan.variants, plan.repeat)
            sections.append(report(run))
        if plan.latency_s:
            from streams.bench import latency

            rate = plan.latency_rate or 0.5 * statistics.median(
                run.results.get("supportkpi") or [ASSUMED_RATE]
            )
            sections.append(
                spread_table(
                    f"latency at {rate:,.0f} events/s (half load)",
                    latency.measure(run, rate, plan.latency_s, plan.repeat),
                    " ms",
                    0,
                )
            )
        if plan.scale:
            from streams.bench import scale

            sections.append(
                spread_table("workers (events/s)", scale.measure(run, plan.repeat), "", 2)
            )
        if plan.recovery_tickets:
            from streams.bench import recovery

            sections.append(
                spread_table(
                    f"restart with {plan.recovery_tickets:,} tickets",
                    recovery.measure(run, plan.recovery_tickets, plan.repeat),
                    "",
                    1,
                )
            )
    finally:
        if broker is not None:
            broker.terminate()
            broker.wait(timeout=10)
    run.summary = "\n\n".join(sections)
    print(run.summary)
    return run


ASSUMED_RATE = 9_000.0  # events/s one worker sustains here, when throughput was not measured


def spread_table(title: str, results: dict[str, list[float]], unit: str, digits: int) -> str:
    """One row per figure: min / median / max over the repetitions."""
    rows = [f"| {title} | min | median | max |", "|---|---:|---:|---:|"]
    for name, values in results.items():
        cells = (
            f"{v:,.{digits}f}{unit}" for v in (min(values), statistics.median(values), max(values))
        )
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def footprint_report(open_tickets: int, repeat: int = 1) -> str:
    """Memory per open ticket (two ticket shapes) and /metrics render time, min/median/max."""
    rows = [
        "| open tickets | shape | bytes per open ticket (min / median / max) | "
        "/metrics render ms (min / median / max) | series |",
        "|---|---|---|---|---:|",
    ]
    for shape in SHAPES:
        runs = [_footprint_in_subprocess(open_tickets, shape) for _ in range(repeat)]
        per, render = ([r[k] for r in runs] for k in ("bytes_per_open_ticket", "metrics_render_ms"))
        rows.append(
            f"| {open_tickets:,} | {shape} | {_spread(per, '.0f')} | "
            f"{_spread(render, '.1f')} | {int(runs[0]['metrics_series']):,} |"
        )
    text = "\n".join(rows)
    print(text)
    return text


def _spread(values: list[float], fmt: str) -> str:
    return " / ".join(format(v, fmt) for v in (min(values), statistics.median(values), max(values)))


def _footprint_in_subprocess(open_tickets: int, shape: str) -> dict[str, float]:
    """A fresh process per measurement: peak RSS growth is only meaningful from a clean start."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, orjson; from streams.bench.run "
            "import state_footprint as f; sys.stdout.buffer.write(orjson.dumps("
            f"f({open_tickets}, {shape!r})))",
        ],
        capture_output=True,
        check=True,
        timeout=3600,
    )
    return dict(orjson.loads(out.stdout))


# "new": created, nothing else yet (the bulk of a backlog after a spike); "in progress":
# created, a bot acknowledgement, the first agent reply, a customer answer waiting for the next
# reply, and a status change -- five events, two running SLA clocks
SHAPES = ("new", "in progress")


def footprint_events(
    open_tickets: int, shape: str, now_ms: int, seed: int = 1
) -> Iterator[tuple[Kind, bytes]]:
    """Wire-format events (as publishers send them) that leave ``open_tickets`` tickets open."""
    import random

    from streams.simulate import CHANNELS, PRIORITIES, rfc3339

    rng = random.Random(seed)
    channels, priorities = list(CHANNELS), list(PRIORITIES)
    teams = ["billing", "tech", "accounts", "enterprise"]

    def event(kind: Kind, at_ms: int, **fields: object) -> tuple[Kind, bytes]:
        return kind, orjson.dumps(
            {
                "event_id": str(uuid.UUID(int=rng.getrandbits(128))),
                "occurred_at": rfc3339(at_ms),
                **fields,
            }
        )

    for n in range(open_tickets):
        ticket, at = f"T-{seed}-{n}", now_ms - rng.randrange(86_400_000)
        yield event(
            Kind.CREATED,
            at,
            ticket_id=ticket,
            channel=rng.choice(channels),
            priority=rng.choice(priorities),
            team=rng.choice(teams),
            customer_id=f"C-{rng.randrange(5000)}",
        )
        if shape == "in progress":
            agent = f"A-{rng.randrange(500)}"
            yield event(Kind.REPLIED, at + 100, ticket_id=ticket, agent_id="bot", author="bot")
            yield event(Kind.REPLIED, at + 60_000, ticket_id=ticket, agent_id=agent)
            yield event(Kind.UPDATED, at + 60_100, ticket_id=ticket, status="pending")
            yield event(Kind.CUSTOMER_REPLIED, at + 120_000, ticket_id=ticket)


def state_footprint(open_tickets: int, shape: str = "new") -> dict[str, float]:
    """Bytes per open ticket and /metrics render time, in process, with the real model.

    Events go through the real decoder, so every string is a fresh object as in the worker.
    """
    import gc
    import resource

    from prometheus_client import CollectorRegistry, generate_latest

    from streams.domain.contributions import KpiModel
    from streams.domain.events import decode
    from streams.domain.labels import LabelPolicy
    from streams.domain.partition import Horizons, PartitionState
    from streams.domain.sla.policy import load_policy
    from streams.domain.windows import SlidingWindows
    from streams.metrics.collectors import HealthCollector, KpiCollector
    from streams.runtime.stats import ProcessorStats

    policy_path = Settings.from_env().sla_policy_path
    model = KpiModel(sla=load_policy(policy_path) if policy_path else None)
    now = int(time.time() * 1000)
    state = PartitionState(
        model,
        SlidingWindows({"1h": 3_600_000, "24h": 86_400_000, "7d": 604_800_000}),
        LabelPolicy(),
        Horizons(),
        now,
    )
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for kind, raw in footprint_events(open_tickets, shape, now):
        state.apply(decode(raw, kind))
        if len(state.dirty) >= 1000:  # the worker drains after every batch
            for _ in state.drain_dirty():
                pass
    for _ in state.drain_dirty():
        pass
    state._recent.clear()  # the small recent-contributions cache is not per-ticket state
    gc.collect()
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    opened = sum(count for count, _ in state.backlog().values())
    if opened != open_tickets:
        raise AssertionError(f"{opened} tickets open, expected {open_tickets}")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(KpiCollector(lambda: [state], lambda: now, model.buckets_ms))
    registry.register(HealthCollector(ProcessorStats(), lambda: [state], ["t"]))
    renders = []
    for _ in range(5):
        started = time.perf_counter()
        body = generate_latest(registry)
        renders.append(time.perf_counter() - started)
    return {
        "open_tickets": open_tickets,
        "bytes_per_open_ticket": grown_kib * 1024 / open_tickets,
        "metrics_render_ms": statistics.median(renders) * 1000,
        "metrics_series": body.count(b"\n") - body.count(b"# "),
    }
