"""``supportkpi`` command line: broker, topics, worker, simulate, demo."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

from streams.config import Settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="supportkpi", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    broker = sub.add_parser("broker", help="embedded Kafka-protocol broker (development only)")
    broker.add_argument("--host", default="127.0.0.1")
    broker.add_argument("--port", type=int, default=9092)

    sub.add_parser("topics", help="create the topics with SUPPORTKPI_PARTITIONS partitions")

    worker = sub.add_parser("worker", help="run a processor worker (Faust)")
    worker.add_argument("--loglevel", default="info")

    simulate = sub.add_parser("simulate", help="publish realistic synthetic helpdesk traffic")
    _simulation_flags(simulate)
    simulate.add_argument("--duration", type=float, help="seconds to run (default: forever)")
    simulate.add_argument("--count", type=int, help="stop after this many events")

    bench = sub.add_parser(
        "bench",
        help="throughput against raw aiokafka and Faust baselines, "
        "latency, 2 workers vs 1, memory, recovery",
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
        "--ingest",
        type=int,
        default=0,
        metavar="N",
        help="also measure HTTP ingest against direct produce with N events",
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

    generate = sub.add_parser("generate", help="regenerate rules from deploy/sla/policy.yaml")
    generate.add_argument("--check", action="store_true", help="fail if a generated file is stale")

    demo = sub.add_parser("demo", help="broker + topics + worker + simulator until Ctrl-C")
    demo.add_argument("--port", type=int, default=9092, help="broker port")
    _simulation_flags(demo)

    args = parser.parse_args(argv)
    return int(COMMANDS[args.command](args) or 0)


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
    from streams import devbroker

    def ready() -> None:
        print(
            f"embedded broker (Tansu, memory-only) on {args.host}:{args.port};"
            " Ctrl-C or SIGTERM stops it",
            flush=True,
        )

    return devbroker.run(args.port, args.host, on_ready=ready)


def cmd_topics(args: argparse.Namespace) -> int:
    from streams.topics import ensure_topics

    settings = Settings.from_env()
    created = ensure_topics(settings)
    print("created: " + (", ".join(created) if created else "nothing (all topics exist)"))
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from streams.topics import ensure_topics, with_broker_limit

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

    from streams.runtime.app import Processor

    worker = faust.Worker(Processor(settings).app, loglevel=loglevel)
    # Faust's terminal spinner sets the root logger to DEBUG whenever the level is WARNING or
    # above, so every debug call of aiokafka (one per produced record) builds a LogRecord:
    # 6% of the worker's time at --loglevel warning. No spinner, no DEBUG.
    worker.spinner = None
    return worker


def cmd_simulate(args: argparse.Namespace) -> int:
    from streams.simulate import publish

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
    from streams.bench.run import BASELINE, VARIANTS, Plan, footprint_report
    from streams.bench.run import main as bench

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
    )
    if plan.variants or plan.latency_s or plan.scale or plan.recovery_tickets:
        bench(plan)
    if args.open_tickets:
        footprint_report(args.open_tickets, args.repeat)
    if args.ingest:
        from streams.bench.ingest import main as bench_ingest

        bench_ingest(args.ingest, args.repeat)
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    import orjson

    from streams.domain.events import InvalidEvent
    from streams.publish import Publisher, make_event
    from streams.runtime.security import client_options

    fields = orjson.loads(args.json) if args.json else {}
    for item in args.field:
        name, _, raw = item.partition("=")
        try:
            fields[name] = orjson.loads(raw)
        except orjson.JSONDecodeError:
            fields[name] = raw
    settings = Settings.from_env()
    try:
        event = make_event(args.type, fields)
    except (InvalidEvent, ValueError) as exc:
        print(f"invalid: {exc}", file=sys.stderr)
        return 2
    with Publisher.connect(
        settings.bootstrap_servers, settings.topic_prefix, **client_options(settings)
    ) as publisher:
        publisher.send(event)
    print(event.value.decode())
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from streams import eventfile

    path, total, bad = Path(args.file), 0, 0
    for line in eventfile.read(path):
        total += 1
        reason = eventfile.problem(line)
        if reason:
            bad += 1
            print(f"{path}:{line.number}: {reason}")
    print(f"{total - bad} valid, {bad} invalid")
    return 1 if bad else 0


def cmd_replay(args: argparse.Namespace) -> int:
    from pathlib import Path

    from streams.replay import replay

    _, invalid = asyncio.run(replay(Settings.from_env(), Path(args.file), args.rate))
    return 1 if invalid else 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from aiohttp import web

    from streams.ingest import TokenFileError, build_app, ingest_token

    settings = Settings.from_env()
    try:
        token = ingest_token(settings)
    except TokenFileError as exc:  # never start open when a token was meant
        print(f"supportkpi ingest: {exc}", file=sys.stderr)
        return 2
    web.run_app(build_app(settings, token), host=args.host, port=args.port)
    return 0


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
    from streams import devbroker
    from streams.topics import ensure_topics

    children: list[subprocess.Popen[bytes]] = []  # started in this order, stopped in reverse

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)  # SIGTERM, SIGHUP: as Ctrl-C

    def hurry(signum: int, frame: Any) -> None:  # a second signal while stopping: kill them
        for child in children:
            if child.poll() is None:
                child.kill()

    # `kill`, systemd or a closed terminal signal this process only: it stops its children
    previous = {sig: signal.signal(sig, interrupt) for sig in devbroker.STOP_SIGNALS}
    env = dict(
        os.environ,
        SUPPORTKPI_BROKER=f"kafka://127.0.0.1:{args.port}",
        SUPPORTKPI_BROKER_QUIRKS="tansu",
    )
    env.setdefault("SUPPORTKPI_SESSION_TIMEOUT", "3")
    try:
        settings = Settings.from_env(env)
        children.append(devbroker.start(args.port))
        ensure_topics(settings)
        children.append(
            subprocess.Popen(
                [sys.executable, "-m", "streams", "worker", "--loglevel", "warning"], env=env
            )
        )
        children.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "streams",
                    "simulate",
                    "--rate",
                    str(args.rate),
                    "--seed",
                    str(args.seed),
                    "--speed",
                    str(args.speed),
                ],
                env=env,
            )
        )
        url = f"http://localhost:{settings.web_port}/metrics"
        print(
            f"\nsupportkpi demo running: broker 127.0.0.1:{args.port}, metrics at {url}\n"
            "Ctrl-C (or SIGTERM) stops everything.\n",
            flush=True,
        )
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        failed = [c.args for c in children if c.poll() is not None]
        print(f"a demo process exited: {failed}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for sig in devbroker.STOP_SIGNALS:
            signal.signal(sig, hurry)
        try:
            for child in reversed(children):  # the simulator, the worker, then the broker
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in reversed(children):
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


COMMANDS = {
    "broker": cmd_broker,
    "topics": cmd_topics,
    "worker": cmd_worker,
    "simulate": cmd_simulate,
    "bench": cmd_bench,
    "generate": cmd_generate,
    "publish": cmd_publish,
    "ingest": cmd_ingest,
    "validate": cmd_validate,
    "replay": cmd_replay,
    "demo": cmd_demo,
}
