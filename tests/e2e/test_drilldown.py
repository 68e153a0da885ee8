"""The drill-down on real workers: exact against the oracle, closed without the token, merged
over two workers after a rebalance, and a worker that is down reported as missing."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import orjson
import pytest
import yaml

from streams.publishing.replay import replay
from tests.conftest import Stack
from tests.support import oracle, oracle_sla, trace
from tests.support.processes import Worker, stop_process
from tests.support.schedules import AFTER_DST, LIVE_POLICY
from tests.support.tools import ROOT

pytestmark = pytest.mark.e2e
TOKEN = "drill-down-test-token"
MARKERS = 24  # tickets at one last instant: each worker's event clock reaches it


def _get(url: str, token: str | None = TOKEN) -> tuple[int, dict]:
    request = urllib.request.Request(url)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _drilldown_rows(answer: dict) -> dict[tuple[str, str], dict]:
    """Rows by (ticket id, sla), with the fields the oracle predicts."""
    fields = ("policy", "priority", "team", "channel", "state")
    return {
        (t["ticket_id"], t["sla"]): {
            **{f: t[f] for f in fields},
            "waiting_since_ms": oracle.ms(t["waiting_since"]),
        }
        for t in answer["tickets"]
    }


def _cluster(env: dict[str, str], *workers: Worker, args: tuple[str, ...] = ()) -> tuple[int, dict]:
    urls = ",".join(w.url for w in workers)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "streams",
            "tickets",
            "--json",
            "--limit",
            "5000",
            "--workers",
            urls,
            *args,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.stdout, out.stderr
    return out.returncode, json.loads(out.stdout)


def _wait_now(workers: list[Worker], now_ms: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    nows: list[int] = []
    while time.monotonic() < deadline:
        nows = [oracle.ms(_get(f"{w.url}/tickets?limit=1")[1]["now"]) for w in workers]
        if nows == [now_ms] * len(workers):
            return
        time.sleep(0.5)
    raise AssertionError(f"the workers' clocks never reached {now_ms}: {nows}")


def test_drilldown_is_exact_closed_without_the_token_merged_and_says_who_is_missing(
    stack: Stack, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump(LIVE_POLICY))
    (tmp_path / "token").write_text(TOKEN + "\n")
    stack.env.update(
        SUPPORTKPI_CLOCK="event",
        SUPPORTKPI_SLA_POLICY=str(policy),
        SUPPORTKPI_TICKETS_TOKEN_FILE=str(tmp_path / "token"),
    )
    events = trace.build(seed=12, now_ms=AFTER_DST, tickets=150, customers=True).events
    newest = max(oracle.ms(e["occurred_at"]) for _, e in events)
    last = newest + 60_000
    events += [
        (
            "ticket-created",
            {
                "event_id": f"mark-{n}",
                "ticket_id": f"MARK-{n:02}",
                "occurred_at": trace.rfc3339(last),
                "channel": "chat",
                "priority": "urgent",
            },
        )
        for n in range(MARKERS)
    ]
    events.sort(key=lambda e: oracle.ms(e[1]["occurred_at"]))
    path = tmp_path / "week.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps({"type": t, **e}) for t, e in events) + b"\n")
    first = stack.worker()
    first.wait_ready()
    assert asyncio.run(replay(stack.settings, path, quiet=True)) == (len(events), 0)
    _wait_now([first], last)
    wanted = oracle_sla.drilldown(events, last, LIVE_POLICY)
    clocks = {
        (c["ticket_id"], c["sla"]): c for c in oracle_sla.live_clocks(events, last, LIVE_POLICY)
    }
    assert {row["state"] for row in wanted.values()} == {"breached", "at_risk", "on_track"}

    # closed without the token, or with another; a bad parameter is named
    assert _get(f"{first.url}/tickets", token=None)[0] == 401
    assert _get(f"{first.url}/tickets", token="guess")[0] == 401
    status, body = _get(f"{first.url}/tickets?state=late")
    assert status == 400 and "state: 'late'" in body["error"]

    # one worker: every running clock, as the oracle has it, sorted by time left
    status, alone = _get(f"{first.url}/tickets?limit=5000")
    assert status == 200 and alone["ready"] is True
    assert _drilldown_rows(alone) == wanted
    wrong = [
        (t["ticket_id"], t["sla"])
        for t in alone["tickets"]
        if not oracle_sla.deadline_is_right(
            clocks[(t["ticket_id"], t["sla"])], oracle.ms(t["deadline"])
        )
    ]
    assert wrong == []
    lefts = [t["time_left_seconds"] for t in alone["tickets"]]
    assert lefts == sorted(lefts)
    status, breached = _get(f"{first.url}/tickets?state=breached&sla=first_response")
    assert _drilldown_rows(breached) == {
        k: v for k, v in wanted.items() if v["state"] == "breached" and k[1] == "first_response"
    }

    # two workers after a rebalance: the merged view is the union, and equals the oracle
    second = stack.worker()
    second.wait_ready(timeout=90)
    stack.wait_owned(2)
    _wait_now([first, second], last)
    answers = [_get(f"{w.url}/tickets?limit=5000")[1] for w in (first, second)]
    owned = [set(a["partitions"]) for a in answers]
    assert not owned[0] & owned[1] and owned[0] | owned[1] == set(range(stack.settings.partitions))
    assert all(a["tickets"] for a in answers), "one worker holds every running clock"
    code, merged = _cluster(stack.env, first, second)
    assert code == 0 and merged["complete"] is True and merged["missing"] == []
    union = sorted(
        (t for a in answers for t in a["tickets"]),
        key=lambda t: (t["time_left_seconds"], t["ticket_id"], t["sla"]),
    )
    assert merged["tickets"] == union
    assert _drilldown_rows(merged) == wanted
    code, top = _cluster(stack.env, first, second, args=("--limit", "7"))
    assert top["tickets"] == union[:7] and top["matched"] == len(union)

    # the wall's "closest to breach" table, its request as Infinity sends it, to the cluster
    # view over HTTP in front of both workers
    _the_wall_table_is_answered(stack, tmp_path, first, second, union)

    # a worker that is down: reported as missing, with its partitions, never dropped in silence
    second.kill()
    code, partial = _cluster(stack.env, first, second)
    assert code == 1 and partial["complete"] is False
    assert [m["url"] for m in partial["missing"]] == [second.url]
    assert set(partial["unowned_partitions"]) <= owned[1]  # until the group moves them
    table = subprocess.run(
        [sys.executable, "-m", "streams", "tickets", "--workers", f"{first.url},{second.url}"],
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert table.returncode == 1
    assert f"missing: {second.url}" in table.stdout
    assert "TIME LEFT" in table.stdout.splitlines()[0]


def _the_wall_table_is_answered(
    stack: Stack, tmp_path: Path, first: Worker, second: Worker, union: list[dict]
) -> None:
    from streams.devtools.devbroker import free_port
    from streams.generate.dashboards.drilldown import DATASOURCE

    board = json.loads((ROOT / "grafana/dashboards/supportkpi-wall.json").read_text())
    panel = next(p for p in board["panels"] if p["datasource"]["uid"] == DATASOURCE.uid)
    (target,) = panel["targets"]
    port = free_port()
    workers = f"{first.url},{second.url}"
    command = [sys.executable, "-m", "streams", "tickets", "--serve", "--host", "127.0.0.1"]
    with open(tmp_path / "tickets.log", "wb") as log:
        server = subprocess.Popen(
            [*command, "--port", str(port), "--workers", workers],
            env=stack.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if _get(f"{base}/health", token=None)[0] == 200:
                    break
            except OSError:
                time.sleep(0.3)
        assert _get(base + target["url"], token=None)[0] == 401
        status, answer = _get(base + target["url"])
        assert status == 200 and answer["complete"] is True
        rows = answer[target["root_selector"]]
        upcoming = [t for t in union if t["state"] != "breached"]
        assert rows == upcoming[:10] and len(rows) == 10
        assert all(c["selector"] in row for row in rows for c in target["columns"])
    finally:
        stop_process(server)  # type: ignore[arg-type]
