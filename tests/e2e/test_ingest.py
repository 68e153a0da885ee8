"""HTTP ingest on the real broker: status codes, all-or-nothing batches, auth, broker down."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from streams import devbroker
from tests.conftest import Stack
from tests.support.processes import IngestServer, stop_process

pytestmark = pytest.mark.e2e


def _created(ticket: str) -> dict:
    return {"type": "ticket-created", "ticket_id": ticket, "channel": "web",
            "priority": "normal", "occurred_at": datetime.now(UTC).isoformat()}


def test_ingest_accepts_rejects_and_authenticates(stack: Stack, tmp_path: Path) -> None:
    server = IngestServer(dict(stack.env, SUPPORTKPI_INGEST_TOKEN="t0ken"), tmp_path / "ingest.log")
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
    server = IngestServer(env, tmp_path / "ingest.log")
    try:
        assert server.post(_created("H-9"))[0] == 503
    finally:
        stop_process(server.proc)
