"""Where the worker spends its time: py-spy samples one worker through a preloaded backlog.

    python -m streams.devtools.bench.profile [--events N] [--source CHECKOUT]

prints the functions with the most samples on top of the stack (self time) and the raw
collapsed stacks' path (for flame graphs). ``--source`` profiles another checkout (e.g. a
``git worktree`` of an older commit) against the same broker and events, for before/after.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from pathlib import Path

from streams.devtools import devbroker
from streams.devtools.bench.harness import Run, preload
from streams.devtools.bench.worker import wait_for_total, wait_until

_LINE = re.compile(r":\d+\)$")


def top_functions(collapsed: str, limit: int = 15) -> list[tuple[str, float]]:
    """(function, share of samples) with the most self time, from py-spy's raw output."""
    self_time: Counter[str] = Counter()
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack:
            self_time[_LINE.sub(")", stack.rsplit(";", 1)[-1])] += int(count)
    total = sum(self_time.values()) or 1
    return [(frame, n / total) for frame, n in self_time.most_common(limit)]


def profile(events: int, source: Path | None) -> str:
    py_spy = shutil.which("py-spy", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    if py_spy is None:
        raise SystemExit("py-spy is not installed (pip install py-spy)")
    logs = Path(tempfile.mkdtemp(prefix="supportkpi-profile-"))
    port = devbroker.free_port()
    broker = devbroker.start(port, log_path=logs / "broker.log")
    run = Run(f"127.0.0.1:{port}", events, 4, f"prof{uuid.uuid4().hex[:6]}-", "tansu", logs)
    try:
        asyncio.run(preload(run))
        worker = run.worker(f"profile-{uuid.uuid4().hex[:6]}", source=source)
        out = logs / "worker.collapsed"
        try:
            wait_until(lambda: worker.consumed() > 0, "the first event", 300)
            spy = subprocess.Popen(
                [
                    py_spy,
                    "record",
                    "--pid",
                    str(worker.proc.pid),
                    "--rate",
                    "200",
                    "--threads",
                    "--format",
                    "raw",
                    "--output",
                    str(out),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            wait_for_total(worker.consumed, events, "the last event")
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
        finally:
            worker.stop()
    finally:
        broker.terminate()
        broker.wait(timeout=10)
    rows = [f"{share:6.1%}  {frame}" for frame, share in top_functions(out.read_text())]
    text = "\n".join([f"self time, {events:,} events ({out}):", *rows])
    print(text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--source", type=Path, help="profile the worker of this checkout")
    args = parser.parse_args()
    profile(args.events, args.source)


if __name__ == "__main__":
    main()
