"""The publishers' commands: ``supportkpi publish``, ``validate``, ``replay`` and ``ingest``.

``streams.cli`` parses the flags; each function here runs one command and returns its exit code.
Their heavier imports (aiohttp, tqdm, the Kafka client) wait until the command runs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from streams.config import Settings


def publish(args: argparse.Namespace) -> int:
    import orjson

    from streams.domain.events import InvalidEvent
    from streams.publishing.publish import Publisher, make_event
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


def validate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from streams.publishing import eventfile

    path, total, bad = Path(args.file), 0, 0
    for line in eventfile.read(path):
        total += 1
        reason = eventfile.problem(line)
        if reason:
            bad += 1
            print(f"{path}:{line.number}: {reason}")
    print(f"{total - bad} valid, {bad} invalid")
    return 1 if bad else 0


def replay(args: argparse.Namespace) -> int:
    from pathlib import Path

    from streams.publishing.replay import replay as backfill

    _, invalid = asyncio.run(backfill(Settings.from_env(), Path(args.file), args.rate))
    return 1 if invalid else 0


def ingest(args: argparse.Namespace) -> int:
    from aiohttp import web

    from streams.publishing.ingest import TokenFileError, build_app, ingest_token

    settings = Settings.from_env()
    try:
        token = ingest_token(settings)
    except TokenFileError as exc:  # never start open when a token was meant
        print(f"supportkpi ingest: {exc}", file=sys.stderr)
        return 2
    web.run_app(build_app(settings, token), host=args.host, port=args.port)
    return 0
