"""The cluster view's merge and discovery, and asking real HTTP servers (local aiohttp)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

from streams.drilldown.cluster import Answer, ask, discover, merge
from tests.support.builders import run

TOKEN = "t0ken"


def _row(ticket: str, left: float, sla: str = "first_response") -> dict[str, Any]:
    return {"ticket_id": ticket, "sla": sla, "time_left_seconds": left}


def _body(partitions: list[int], rows: list[dict[str, Any]], ready: bool = True) -> dict:
    return {
        "now": "2026-10-28T15:00:00.000Z",
        "ready": ready,
        "partitions": partitions,
        "partition_count": 4,
        "matched": len(rows),
        "tickets": rows,
    }


def test_the_merge_is_the_first_rows_of_the_union_in_the_total_order() -> None:
    a = _body([0, 1], [_row("A", -5), _row("C", 10)])
    b = _body([2, 3], [_row("B", -5), _row("D", 3)])
    view = merge([Answer("http://a", a), Answer("http://b", b)], limit=3)
    assert [r["ticket_id"] for r in view["tickets"]] == ["A", "B", "D"]
    assert view["complete"] is True and view["matched"] == 4
    assert view["missing"] == [] and view["unowned_partitions"] == []


def test_what_is_missing_is_said_never_dropped() -> None:
    a = _body([0, 1], [_row("A", 1)], ready=False)
    view = merge([Answer("http://a", a), Answer("http://b", error="refused")], limit=10)
    assert view["complete"] is False
    assert view["missing"] == [{"url": "http://b", "error": "refused"}]
    assert view["unowned_partitions"] == [2, 3]
    assert view["workers"][0]["ready"] is False


def test_a_partition_claimed_twice_during_a_rebalance_gives_its_rows_once() -> None:
    a = _body([0, 1, 2], [_row("A", 1), _row("X", 4)])
    b = _body([2, 3], [_row("X", 4), _row("B", 2)])
    view = merge([Answer("http://a", a), Answer("http://b", b)], limit=10)
    assert [r["ticket_id"] for r in view["tickets"]] == ["A", "B", "X"]
    assert view["shared_partitions"] == [2]


def test_a_list_and_a_dns_name_both_give_workers_and_an_unresolvable_name_is_missing() -> None:
    urls, unresolved = run(discover(["http://w1:6066/"], "127.0.0.1:6066"))
    assert urls == ["http://w1:6066", "http://127.0.0.1:6066"] and unresolved == []
    urls, unresolved = run(discover([], "no-such-worker.invalid:6066"))
    assert urls == [] and unresolved[0].url == "dns:no-such-worker.invalid:6066"
    assert "does not resolve" in (unresolved[0].error or "")
    _, bad = run(discover([], "supportkpi"))
    assert "expected name:port" in (bad[0].error or "")


@asynccontextmanager
async def _server(handler: Callable[[web.Request], Any]) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/tickets", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def test_asking_passes_the_token_and_the_parameters_and_reports_each_failure() -> None:
    seen: list[tuple[str | None, dict[str, str]]] = []

    async def good(request: web.Request) -> web.Response:
        seen.append((request.headers.get("Authorization"), dict(request.query)))
        return web.json_response(_body([0], [_row("A", 1)]))

    async def refuses(request: web.Request) -> web.Response:
        return web.json_response({"error": "a bearer token is required"}, status=401)

    async def garbage(request: web.Request) -> web.Response:
        return web.Response(text="<html>proxy error</html>", content_type="text/html")

    async def odd_rows(request: web.Request) -> web.Response:
        body = _body([0], [_row("A", 1)])
        body["tickets"][0]["time_left_seconds"] = "soon"
        return web.json_response(body)

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.json_response(_body([0], []))

    async def scenario() -> list[Answer]:
        async with (
            _server(good) as a,
            _server(refuses) as b,
            _server(garbage) as c,
            _server(slow) as d,
            _server(odd_rows) as e,
        ):
            return await ask([a, b, c, d, e], {"state": "breached"}, TOKEN, wait_s=1.0)

    answers = run(scenario())
    assert seen == [(f"Bearer {TOKEN}", {"state": "breached"})]
    assert answers[0].body is not None and answers[0].body["tickets"] == [_row("A", 1)]
    assert answers[1].error is not None and answers[1].error.startswith("HTTP 401")
    assert answers[2].error is not None and "JSONDecodeError" in answers[2].error
    assert answers[3].error is not None and "Timeout" in answers[3].error
    assert answers[4].error == "not a worker's /tickets answer"
    view = merge(answers, limit=10)
    assert len(view["missing"]) == 4 and view["complete"] is False
