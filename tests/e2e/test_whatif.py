"""`supportkpi sla whatif` against the worker: a month of simulated history, replayed into one
event-clock deployment per policy, decides every SLA clock as each worker does."""

from __future__ import annotations

import asyncio
import csv
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
import yaml

from streams.devtools.simulate import Simulator
from streams.publishing.replay import replay
from tests.conftest import Stack, isolated_env
from tests.support.builders import D
from tests.support.processes import Broker
from tests.support.scrape import Sample
from tests.support.tools import ROOT

pytestmark = pytest.mark.e2e
FAMILY = "support_sla_tickets"


def _month(path: Path) -> int:
    """Four weeks of a support floor (working hours, waves, reopens), ending an hour ago."""
    now = int(time.time() * 1000)
    simulator = Simulator(seed=8, tickets_per_s=0.003, speed=1, start_ms=now - 28 * D)
    end = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now / 1000 - 3600))
    lines = []
    for kind, payload in simulator.events():
        if str(payload["occurred_at"]) > end:
            break
        lines.append(orjson.dumps({"type": kind.value, **payload}))
    path.write_bytes(b"\n".join(lines) + b"\n")
    return len(lines)


def _candidate(path: Path) -> Path:
    """The shipped policy with tighter urgent first responses and looser high resolutions."""
    doc = yaml.safe_load((ROOT / "deploy/sla/policy.yaml").read_text())
    for entry in doc["policies"]:
        targets = entry["targets"]
        if "first_response" in targets.get("urgent", {}):
            targets["urgent"]["first_response"] = "20m"
        if "resolution" in targets.get("high", {}):
            targets["high"]["resolution"] = "3d"
    path.write_text(yaml.safe_dump(doc))
    return path


def _from_csv(path: Path, side: str) -> dict[Sample, float]:
    out: dict[Sample, float] = {}
    for row in csv.DictReader(path.open()):
        for outcome in ("met", "breached"):
            value = float(row[f"{side} {outcome}"])
            if value:
                labels = (("outcome", outcome), ("priority", row["priority"]),
                          ("sla", row["sla"]), ("window", "30d"))  # fmt: skip
                out[(FAMILY, labels)] = value
    return out


def _decided_in_scrape(scraped: dict[Sample, float]) -> dict[Sample, float]:
    return {
        k: v for k, v in scraped.items() if k[0] == FAMILY and dict(k[1])["window"] == "30d" and v
    }


def test_whatif_decides_every_clock_as_a_worker_under_each_policy(
    stack: Stack, broker: Broker, tmp_path: Path
) -> None:
    history = tmp_path / "month.jsonl"
    events = _month(history)
    current, candidate = ROOT / "deploy/sla/policy.yaml", _candidate(tmp_path / "candidate.yaml")
    out = subprocess.run(
        [sys.executable, "-m", "streams", "sla", "whatif", "--quiet", "--current", str(current),
         "--policy", str(candidate), "--csv", str(tmp_path / "whatif.csv"), str(history)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert f"{events:,} events (0 invalid skipped)" in out.stdout
    wanted = {side: _from_csv(tmp_path / "whatif.csv", side) for side in ("current", "candidate")}
    assert wanted["current"] != wanted["candidate"], "the candidate changes nothing: no test"

    env, settings = isolated_env(broker, tmp_path / "candidate-data")
    other = Stack(broker, env, settings, tmp_path / "candidate-logs")
    (tmp_path / "candidate-logs").mkdir()
    try:
        for deployment, policy in ((stack, current), (other, candidate)):
            deployment.worker(clock="event", sla_policy=str(policy)).wait_ready()
            copy = tmp_path / f"{policy.stem}.jsonl"  # replay resumes per file: one each
            copy.write_bytes(history.read_bytes())
            sent, invalid = asyncio.run(replay(deployment.settings, copy, quiet=True))
            assert (sent, invalid) == (events, 0)
        for deployment, side in ((stack, "current"), (other, "candidate")):
            problems = deployment.wait_for(
                lambda s=side: wanted[s], _decided_in_scrape, timeout=120
            )
            assert not problems, f"{side}:\n" + "\n".join(problems[:30])
    finally:
        other.stop()
