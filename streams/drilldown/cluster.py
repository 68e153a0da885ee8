"""The cluster view: ask every worker's ``/tickets``, merge, and say what is missing.

Stateless: each request finds the workers (a list, or the DNS of a Kubernetes headless Service,
which answers one address per worker), asks them all at once and merges their first ``limit``
rows into the cluster's first ``limit`` (the order is total, see ``listing``). Nothing is
dropped in silence: a worker that does not answer is listed under ``missing``, partitions no
worker owns under ``unowned_partitions``, and ``complete`` is false for either, or while a
worker is still rebuilding its partitions.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from streams.domain.sla.listing import ClockQuery
from streams.drilldown.wire import order

TIMEOUT_S = 5.0
WORKER_FIELDS = {"now", "ready", "partitions", "partition_count", "matched", "tickets"}


@dataclass(frozen=True)
class Answer:
    """One worker's reply: its JSON, or why there is none."""

    url: str
    body: dict[str, Any] | None = None
    error: str | None = None


async def discover(workers: Sequence[str], dns: str) -> tuple[list[str], list[Answer]]:
    """Base URLs of the workers, and an unanswered entry when the DNS name does not resolve."""
    urls = [url.rstrip("/") for url in workers]
    if not dns:
        return urls, []
    host, _, port = dns.rpartition(":")
    if not host or not port.isdigit():
        return urls, [Answer(f"dns:{dns}", error="expected name:port, e.g. supportkpi:6066")]
    try:
        found = await asyncio.get_running_loop().getaddrinfo(
            host, int(port), type=socket.SOCK_STREAM
        )
    except OSError as exc:
        return urls, [Answer(f"dns:{dns}", error=f"does not resolve: {exc}")]
    for family, *_, address in found:
        ip = str(address[0])
        url = f"http://[{ip}]:{port}" if family == socket.AF_INET6 else f"http://{ip}:{port}"
        if url not in urls:
            urls.append(url)
    return urls, []


async def ask(
    urls: Sequence[str], params: Mapping[str, str], token: str, wait_s: float = TIMEOUT_S
) -> list[Answer]:
    """Every worker's ``/tickets`` answer to ``params``, asked at once."""
    headers = {"Authorization": f"Bearer {token}"}
    limits = aiohttp.ClientTimeout(total=wait_s)
    async with aiohttp.ClientSession(timeout=limits, headers=headers) as session:
        return list(await asyncio.gather(*(_ask_one(session, url, params) for url in urls)))


async def _ask_one(session: aiohttp.ClientSession, url: str, params: Mapping[str, str]) -> Answer:
    try:
        async with session.get(f"{url}/tickets", params=dict(params)) as response:
            if response.status != 200:
                text = (await response.text())[:200]
                return Answer(url, error=f"HTTP {response.status}: {text}")
            body = orjson.loads(await response.read())
    except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
        return Answer(url, error=f"{type(exc).__name__}: {exc}".rstrip(": "))
    if not _a_worker_answer(body):
        return Answer(url, error="not a worker's /tickets answer")
    return Answer(url, body=body)


def _a_worker_answer(body: Any) -> bool:
    """The fields the merge reads, of the types it reads them as (a proxy's error page, an
    older or a foreign server is reported, never merged)."""
    if not isinstance(body, dict) or not body.keys() >= WORKER_FIELDS:
        return False
    rows, partitions = body["tickets"], body["partitions"]
    return (
        isinstance(rows, list)
        and all(
            isinstance(row, dict)
            and isinstance(row.get("ticket_id"), str)
            and isinstance(row.get("sla"), str)
            and isinstance(row.get("time_left_seconds"), int | float)
            for row in rows
        )
        and isinstance(partitions, list)
        and all(isinstance(p, int) for p in partitions)
        and isinstance(body["partition_count"], int)
        and isinstance(body["matched"], int)
    )


def merge(answers: Sequence[Answer], limit: int) -> dict[str, Any]:
    """One answer for the cluster: the first ``limit`` rows of all, and what is missing
    (the partitions expected are those the workers report their layout has)."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    partition_count = 0
    owners: dict[int, list[str]] = {}
    workers, missing, matched = [], [], 0
    for answer in answers:
        body = answer.body
        if body is None:
            missing.append({"url": answer.url, "error": answer.error})
            continue
        workers.append(
            {
                "url": answer.url,
                "ready": body["ready"],
                "partitions": body["partitions"],
                "matched": body["matched"],
                "now": body["now"],
            }
        )
        matched += body["matched"]
        partition_count = max(partition_count, body["partition_count"])
        for partition in body["partitions"]:
            owners.setdefault(partition, []).append(answer.url)
        for row in body["tickets"]:  # one owner per ticket; two only while a rebalance settles
            key = (row["ticket_id"], row["sla"])
            if key not in rows or order(row) < order(rows[key]):
                rows[key] = row
    unowned = sorted(set(range(partition_count)) - set(owners))
    shared = sorted(p for p, urls in owners.items() if len(urls) > 1)
    return {
        "complete": not missing and not unowned and all(w["ready"] for w in workers),
        "workers": workers,
        "missing": missing,
        "unowned_partitions": unowned,
        "shared_partitions": shared,
        "matched": matched,
        "tickets": sorted(rows.values(), key=order)[:limit],
    }


async def cluster_view(
    workers: Sequence[str], dns: str, token: str, params: Mapping[str, str]
) -> dict[str, Any]:
    """The merged answer to ``params``; raises ``QueryError`` before asking anyone."""
    query = ClockQuery.parse(params)
    urls, unresolved = await discover(workers, dns)
    answers = await ask(urls, params, token) if urls else []
    return merge([*unresolved, *answers], query.limit)
