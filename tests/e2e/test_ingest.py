"""HTTP ingest on the real broker: status codes, all-or-nothing batches, auth, broker down."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from streams import devbroker
from tests.conftest import Stack
from tests.support.processes import stop_process

pytestmark = pytest.mark.e2e


class Server:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = devbroker.free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streams", "ingest", "--host", "127.0.0.1", "--port",
             str(self.port)], env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not devbroker.port_open("127.0.0.1", self.port):
            assert time.monotonic() < deadline and self.proc.poll() is None, log.read_text()
            time.sleep(0.1)

    def post(self, body: object | bytes, token: str | None = None) -> tuple[int, dict]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/events", data=data,
                                         headers={"Content-Type": "application/json"})
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as exc:
            text = exc.read()
            return exc.code, json.loads(text) if text else {}


def _created(ticket: str) -> dict:
    return {"type": "ticket-created", "ticket_id": ticket, "channel": "web",
            "priority": "normal", "occurred_at": datetime.now(UTC).isoformat()}


def test_ingest_accepts_rejects_and_authenticates(stack: Stack, tmp_path: Path) -> None:
    server = Server(dict(stack.env, SUPPORTKPI_INGEST_TOKEN="t0ken"), tmp_path / "ingest.log")
    try:
        assert server.post(_created("H-1"))[0] == 401
        status, body = server.post([_created("H-1"), _created("H-2")], token="t0ken")
        assert status == 202 and body["accepted"] == 2 and len(set(body["event_ids"])) == 2
        status, body = server.post([_created("H-3"), {"type": "survey-answered",
                                                      "survey": "csat", "score": 9}],
                                   token="t0ken")
        assert status == 400
        assert body["errors"] == [{"index": 1, "reason": "csat score 9 is outside 1..5"}]
        assert server.post(b"{not json", token="t0ken")[0] == 400
        assert server.post(b"[" + b"1," * 600_000 + b"1]", token="t0ken")[0] == 413
        stack.worker().wait_ready()
        stack.wait_processed(minimum=2)  # H-1 and H-2 only: the invalid batch produced nothing
        created = sum(v for (n, _), v in stack.scrape().items()
                      if n == "support_tickets_created")
        assert created == 2 * 3  # two tickets, in each of the three windows
    finally:
        stop_process(server.proc)


def test_ingest_answers_503_when_the_broker_is_unreachable(stack: Stack, tmp_path: Path) -> None:
    env = dict(stack.env, SUPPORTKPI_BROKER=f"kafka://127.0.0.1:{devbroker.free_port()}")
    server = Server(env, tmp_path / "ingest.log")
    try:
        assert server.post(_created("H-9"))[0] == 503
    finally:
        stop_process(server.proc)
