"""Every query of every generated panel returns data from a real Prometheus scraping a live
worker fed with simulated traffic (template variables substituted)."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import orjson
import pytest

from streams.devtools.simulate import Simulator
from streams.domain.events import Kind
from tests.conftest import Stack
from tests.support.prometheus import Prometheus
from tests.support.tools import ROOT
from tests.support.trace import Message

pytestmark = pytest.mark.e2e
VARIABLES = {
    "$window": "24h",
    "$channel": ".*",
    "$priority": ".*",
    "$team": ".*",
    "$category": ".*",
    "$__rate_interval": "1m",
}


def _queries() -> list[tuple[str, str, str]]:
    out = []
    for path in sorted((ROOT / "grafana/dashboards").glob("*.json")):
        board = json.loads(path.read_text())
        for panel in board["panels"]:
            for target in panel["targets"]:
                if "expr" not in target:
                    continue  # the drill-down table: tests/e2e/test_drilldown.py asks its URL
                expr = target["expr"]
                for name, value in VARIABLES.items():
                    expr = expr.replace(name, value)
                out.append((path.stem, panel["title"], expr))
    return out


def _simulated_traffic(minutes: int = 40) -> list[Message]:
    now = int(time.time() * 1000)
    sim = Simulator(seed=3, tickets_per_s=0.5, speed=60, start_ms=now - minutes * 60_000)
    messages = []
    for kind, payload in itertools.islice(sim.events(), 20_000):
        if str(payload["occurred_at"]) > time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()):
            break
        messages.append(
            Message(kind.value, str(payload.get("ticket_id", "")).encode(), orjson.dumps(payload))
        )
    assert {m.topic for m in messages} == {k.value for k in Kind}
    return messages


def test_every_panel_query_returns_data(stack: Stack, tmp_path: Path) -> None:
    worker = stack.worker()
    worker.wait_ready()
    stack.publish(_simulated_traffic())
    prometheus = Prometheus.start([f"127.0.0.1:{worker.port}"], tmp_path)
    try:
        prometheus.wait_for('window:support_csat:percent{window="24h"}')
        time.sleep(3)  # a few scrapes, so rate() and increase() have two samples
        empty = []
        for board, title, expr in _queries():
            try:
                prometheus.wait_for(expr, timeout=20)
            except AssertionError:
                empty.append(f"{board} / {title}: {expr}")
        assert not empty, "panels without data:\n" + "\n".join(empty)
    finally:
        prometheus.stop()
