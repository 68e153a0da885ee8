"""``GET /tickets`` on the worker: the drill-down of the partitions it owns.

Off (404) unless a bearer token is set (``SUPPORTKPI_TICKETS_TOKEN_FILE``, else
``SUPPORTKPI_TICKETS_TOKEN``): ticket ids and teams are not for whoever can reach the metrics
port. A million running clocks are listed a slice at a time, yielding to the event loop
between slices, so the agent keeps processing while a request is answered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any, cast

import faust
from faust.web import Request, Response, View

from streams.domain.partition import PartitionState
from streams.domain.sla.listing import ClockQuery, Listing, QueryError
from streams.drilldown.wire import rfc3339, row_json
from streams.secrets import bearer_matches

SLICE = 5_000  # keys listed between two yields to the event loop (~12 ms compiled)


async def listing(
    owned: Callable[[], list[PartitionState]], query: ClockQuery, now_ms: int
) -> Listing:
    """The first rows of ``query`` over every partition owned, at ``now_ms``."""
    result = Listing(query, now_ms)
    for partition in owned():
        for keys in slices(partition):
            result.add(partition, keys)
            await asyncio.sleep(0)
    return result


def slices(partition: PartitionState) -> Iterator[list[str]]:
    """The keys with running clocks, ``SLICE`` at a time (taken at once: the agent may add
    or drop keys between two slices; a key gone is skipped)."""
    keys = list(partition.with_running_clocks())
    for start in range(0, len(keys), SLICE):
        yield keys[start : start + SLICE]


def add_tickets_view(
    app: faust.App,
    token: str | None,
    owned: Callable[[], list[PartitionState]],
    partitions: Callable[[], list[int]],
    partition_count: int,
    ready: Callable[[], bool],
    now_ms: Callable[[], int],
) -> None:
    """Serve ``/tickets`` (404 while ``token`` is None)."""

    @app.page("/tickets")
    class Tickets(View):
        async def get(self, request: Request) -> Response:
            if token is None:
                return self.json(
                    {"error": "the drill-down is off: set SUPPORTKPI_TICKETS_TOKEN_FILE"},
                    status=404,
                )
            headers = cast(Any, request.headers)
            if not bearer_matches(headers.get("Authorization"), token):
                return self.json(
                    {"error": "a bearer token is required"},
                    status=401,
                    headers={"WWW-Authenticate": 'Bearer realm="supportkpi"'},
                )
            try:
                query = ClockQuery.parse(dict(cast(Any, request.query)))
            except QueryError as exc:
                return self.json({"error": str(exc)}, status=400)
            now, owned_now, is_ready = now_ms(), partitions(), ready()
            found = await listing(owned, query, now)
            return self.json(
                {
                    "now": rfc3339(now),
                    "ready": is_ready,
                    "partitions": owned_now,
                    "partition_count": partition_count,
                    "matched": found.matched,
                    "tickets": [row_json(row) for row in found.rows()],
                }
            )
