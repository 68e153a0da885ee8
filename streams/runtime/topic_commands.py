"""The topic commands: ``supportkpi topics [--check]`` and ``supportkpi repartition``.

``streams.cli`` parses the flags; each function here runs one command and returns its exit code.
The Kafka clients are imported when a command runs, not when the command line is parsed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from streams.config import Settings


def topics(args: argparse.Namespace) -> int:
    """Create the missing topics; with ``--check``, only compare partition counts: exit 1 when
    a topic differs from the configuration or is missing (an init container's or CI's gate)."""
    from aiokafka.errors import KafkaError

    from streams.runtime.topics import check_lines, check_topics, ensure_topics

    settings = Settings.from_env()
    if not args.check:
        created = ensure_topics(settings)
        print("created: " + (", ".join(created) if created else "nothing (all topics exist)"))
        return 0
    try:
        checks = check_topics(settings)
    except KafkaError as exc:
        print(f"cannot read the broker's topics: {exc!r}", file=sys.stderr)
        return 2
    for line in check_lines(checks):
        print(line)
    bad = sum(1 for check in checks if check.status != "ok")
    if bad:
        print(f"{bad} of {len(checks)} topics differ from the configuration", file=sys.stderr)
    return 1 if bad else 0


def repartition(args: argparse.Namespace) -> int:
    """Rebuild the state of the deployment that ``SUPPORTKPI_*`` describe into ``--to``
    partitions under ``--app-id``; print what to switch. Exit 1 when refused (nothing is
    written then), 2 for bad arguments."""
    from streams.runtime import layout
    from streams.runtime.repartition import Refused, rebuild

    old = Settings.from_env()
    try:
        new = layout.target(old, args.to, args.app_id)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        summary = asyncio.run(rebuild(old, new, args.grow_source_topics, print))
    except Refused as exc:
        print("refused; nothing was written:", file=sys.stderr)
        for reason in exc.reasons:
            print(f"- {reason}", file=sys.stderr)
        return 1
    if summary.quarantined:
        print(f"{summary.quarantined} records could not be read and were left out (see the log)")
    print(
        f"rebuilt. Verify with SUPPORTKPI_APP_ID={new.app_id} SUPPORTKPI_PARTITIONS="
        f"{new.partitions} supportkpi topics --check, then start the workers with those two "
        f"settings (the old deployment's topics are untouched: rolling back is starting it)"
    )
    return 0
