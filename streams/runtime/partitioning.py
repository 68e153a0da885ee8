"""Which partition of the internal topic owns a record key: Kafka's default (murmur2) partitioner.

The router sets the partition explicitly, so every event of a ticket meets in one place whatever
key and partitioner the publisher used, and recovered changelog keys map back to their partition.
"""

from __future__ import annotations

from aiokafka.partitioner import murmur2


def partition_for(key: bytes, partitions: int) -> int:
    return (murmur2(key) & 0x7FFFFFFF) % partitions
