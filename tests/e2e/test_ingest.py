"""HTTP ingest on the real broker: status codes, all-or-nothing batches, auth, broker down."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from streams.devtools import devbroker
from streams.publishing.ingest import content_id
from tests.conftest import Stack
from tests.support.builders import WINDOWS, ingest_created, wall_clock_ms
from tests.support.processes import IngestServer, stop_process

pytestmark = pytest.mark.e2e


def _outcomes(stack: Stack) -> dict[str, float]:
    """support_events_total by outcome, over all topics."""
    totals: dict[str, float] = {}
    for (name, labels), value in stack.scrape().items():
        if name == "support_events_total":
            outcome = dict(labels)["outcome"]
            totals[outcome] = totals.get(outcome, 0) + value
    return totals


def test_ingest_accepts_rejects_and_authenticates(stack: Stack, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("t0ken\n")  # the file wins over SUPPORTKPI_INGEST_TOKEN
    env = dict(
        stack.env, SUPPORTKPI_INGEST_TOKEN="other", SUPPORTKPI_INGEST_TOKEN_FILE=str(token_file)
    )
    server = IngestServer(env, tmp_path / "ingest.log")
    now = wall_clock_ms()
    try:
        assert server.post(ingest_created("H-1", now))[0] == 401
        assert server.post(ingest_created("H-1", now), token="other")[0] == 401
        # no event ids: the server derives them
        batch = [ingest_created("H-1", now), ingest_created("H-2", now)]
        status, body = server.post(batch, token="t0ken")
        assert status == 202 and body["accepted"] == 2 and len(set(body["event_ids"])) == 2
        assert server.post(batch, token="t0ken") == (status, body)  # a client's retry
        status, body = server.post(
            [
                ingest_created("H-3", now),
                {"type": "survey-answered", "survey": "csat", "score": 9},
            ],
            token="t0ken",
        )
        assert status == 400
        assert body["errors"] == [{"index": 1, "reason": "csat score 9 is outside 1..5"}]
        assert server.post(b"{not json", token="t0ken")[0] == 400
        assert server.post(b"[" + b"1," * 600_000 + b"1]", token="t0ken")[0] == 413
        stack.worker().wait_ready()
        deadline = time.monotonic() + 60
        while _outcomes(stack).get("duplicate", 0) < 2:  # the retry, counted once
            assert time.monotonic() < deadline, _outcomes(stack)
            time.sleep(0.3)
        assert _outcomes(stack).get("processed") == 2  # the invalid batch produced nothing
        created = sum(v for (n, _), v in stack.scrape().items() if n == "support_tickets_created")
        assert created == 2 * len(WINDOWS)  # two tickets, in each window
    finally:
        stop_process(server.proc)


def test_ingest_answers_503_when_the_broker_is_unreachable(stack: Stack, tmp_path: Path) -> None:
    env = dict(stack.env, SUPPORTKPI_BROKER=f"kafka://127.0.0.1:{devbroker.free_port()}")
    server = IngestServer(env, tmp_path / "ingest.log")
    try:
        event = ingest_created("H-9", wall_clock_ms())
        status, body = server.post(event)
        assert status == 503 and body["errors"][0]["reason"] == "Kafka unavailable"
        assert body["event_ids"] == [content_id(event)]  # resend it: the same id
    finally:
        stop_process(server.proc)
