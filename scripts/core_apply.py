"""Decode + ``PartitionState.apply`` of simulator events in one process: the pure core alone.

Usage: ``PYTHONPATH=CHECKOUT python scripts/core_apply.py EVENTS [POLICY]``; prints events/s.
Only APIs that older checkouts have too are used, so two checkouts can be compared on the same
events (for instructions rather than seconds, run it under ``valgrind --tool=callgrind`` at two
event counts and take the difference). Issue 17 brings the full core benchmark.
"""

import itertools
import sys
import time

import orjson

try:
    from streams.devtools.simulate import Simulator
except ImportError:  # checkouts before the devtools package
    from streams.simulate import Simulator  # type: ignore[no-redef]
from streams.domain.contributions import KpiModel
from streams.domain.events import decode
from streams.domain.labels import LabelPolicy
from streams.domain.partition import Horizons, PartitionState
from streams.domain.sla.policy import load_policy
from streams.domain.windows import SlidingWindows

count, policy = int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None
now = int(time.time() * 1000)
simulated = Simulator(seed=1, start_ms=now - 3 * 3_600_000).events()
wire = [(kind, orjson.dumps(doc)) for kind, doc in itertools.islice(simulated, count)]
model = KpiModel(sla=load_policy(policy) if policy else None)
windows = SlidingWindows({"1h": 3_600_000, "24h": 86_400_000, "7d": 604_800_000})
state = PartitionState(model, windows, LabelPolicy(), Horizons(), now)
started = time.perf_counter()
for kind, raw in wire:
    state.apply(decode(raw, kind))
print(f"{count / (time.perf_counter() - started):.0f}")
