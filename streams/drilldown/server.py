"""The cluster view over HTTP, for Grafana (the Infinity datasource) and scripts.

``GET /tickets`` takes the worker's parameters and answers the merged view (``cluster``); it
asks for the same bearer token the workers do, and passes it on. ``GET /health`` says it runs.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson
from aiohttp import web

from streams.domain.sla.listing import QueryError
from streams.drilldown.cluster import cluster_view
from streams.secrets import bearer_matches


def _json(body: object, status: int = 200, **headers: str) -> web.Response:
    return web.Response(
        body=orjson.dumps(body), status=status, content_type="application/json", headers=headers
    )


def build_app(workers: Sequence[str], dns: str, token: str) -> web.Application:
    async def tickets(request: web.Request) -> web.Response:
        if not bearer_matches(request.headers.get("Authorization"), token):
            challenge = {"WWW-Authenticate": 'Bearer realm="supportkpi"'}
            return _json({"error": "a bearer token is required"}, 401, **challenge)
        try:
            answer = await cluster_view(workers, dns, token, dict(request.query))
        except QueryError as exc:
            return _json({"error": str(exc)}, 400)
        return _json(answer)

    async def health(request: web.Request) -> web.Response:
        return _json({"status": "ok"})

    app = web.Application()
    app.router.add_get("/tickets", tickets)
    app.router.add_get("/health", health)
    return app
