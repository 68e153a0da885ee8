"""Dead letters: what goes to the dead-letter topic instead of a message that cannot be used.

The router dead-letters what a publisher sent (undecodable, invalid, refused by the broker);
the agent, an internal message it cannot read or an event it cannot apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiokafka.structs import ConsumerRecord

from streams.runtime.sending import RECORD_OVERHEAD

DLQ_HEADER = "supportkpi."
REASON_MAX = 1000  # characters of a dead-letter reason


@dataclass
class DeadLetter:
    """What goes to the dead-letter topic: always writable (a key, a bounded value)."""

    key: bytes
    value: bytes | None
    headers: list[tuple[str, bytes]]


def dead_letter(
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    value: bytes | None,
    reason: str,
    max_bytes: int,
) -> DeadLetter:
    """The original bytes (cut to fit ``max_bytes``), where they came from, and why.

    The key is the original one, or ``topic/partition/offset`` when there was none: a Kafka
    record needs a key or a value, and a keyless tombstone has neither.
    """
    headers = [
        (DLQ_HEADER + "reason", reason[:REASON_MAX].encode()),
        (DLQ_HEADER + "topic", topic.encode()),
        (DLQ_HEADER + "partition", str(partition).encode()),
        (DLQ_HEADER + "offset", str(offset).encode()),
    ]
    key = key or f"{topic}/{partition}/{offset}".encode()
    room = max(0, max_bytes - RECORD_OVERHEAD - len(key) - sum(len(k) + len(v) for k, v in headers))
    if value is not None and len(value) > room:
        truncated = (DLQ_HEADER + "truncated", str(len(value)).encode())
        headers.append(truncated)
        value = value[: max(0, room - len(truncated[0]) - len(truncated[1]))]
    return DeadLetter(key, value, headers)


def dead_letter_of(record: ConsumerRecord[Any, Any], reason: str, max_bytes: int) -> DeadLetter:
    return dead_letter(
        record.topic, record.partition, record.offset, record.key, record.value, reason, max_bytes
    )
