"""``supportkpi sla whatif`` on a month of history: the whole command, as an operator runs it.

The history is the backfill benchmark's (the simulator over about 28 days); the candidate is
the shipped policy with tighter urgent first responses, so the comparison has changes to find.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from streams.devtools.bench.backfill import history

POLICY = Path("deploy/sla/policy.yaml")


def measure(events: int, repeat: int) -> dict[str, list[float]]:
    folder = Path(tempfile.mkdtemp(prefix="supportkpi-whatif-"))
    path, candidate = folder / "history.jsonl", folder / "candidate.yaml"
    history(path, events)
    doc = yaml.safe_load(POLICY.read_text())
    for entry in doc["policies"]:
        if "first_response" in entry["targets"].get("urgent", {}):
            entry["targets"]["urgent"]["first_response"] = "20m"
    candidate.write_text(yaml.safe_dump(doc))
    command = [sys.executable, "-m", "streams", "sla", "whatif", "--quiet", "--current",
               str(POLICY), "--policy", str(candidate), str(path)]  # fmt: skip
    seconds: list[float] = []
    for n in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, timeout=3600)
        seconds.append(time.perf_counter() - started)
        print(f"  round {n + 1}/{repeat} sla whatif: {seconds[-1]:.1f}s")
    return {"whole command s": seconds}
