"""Which partition of the internal topic owns a record key: Kafka's default (murmur2) partitioner.

The router sets the partition explicitly, so every event of a ticket meets in one place whatever
key and partitioner the publisher used, and recovered changelog keys map back to their partition.

aiokafka's ``murmur2`` is pure Python, ~4 µs a key, once or twice per event routed (5.7 % of a
worker's samples); a ticket's events come close together, so the answers are cached.
"""

from __future__ import annotations

from functools import lru_cache

from aiokafka.partitioner import murmur2

#: keys remembered (~150 bytes each): the tickets and customers of the last few minutes' events
CACHED_KEYS = 65_536


@lru_cache(maxsize=CACHED_KEYS)
def partition_for(key: bytes, partitions: int) -> int:
    return (murmur2(key) & 0x7FFFFFFF) % partitions
