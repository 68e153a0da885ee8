"""The topic commands: ``supportkpi topics [--check]``.

``streams.cli`` parses the flags; each function here runs one command and returns its exit code.
The Kafka clients are imported when a command runs, not when the command line is parsed.
"""

from __future__ import annotations

import argparse
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
