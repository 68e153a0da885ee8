"""The worker's only web views: ``/metrics``, ``/health`` and ``/ready``.

Faust's own views (``/router/``, ``/table/``, stats, graph) are turned off in
``faust_options``: they would answer on the metrics port for anyone who can reach it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import faust
from faust.web import Request, Response, View
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest


def add_views(
    app: faust.App,
    registry: CollectorRegistry,
    stalled: Callable[[], dict[str, str]],
    ready: Callable[[], bool],
    partitions: Callable[[], list[int]],
) -> None:
    """Serve ``registry`` on /metrics, ``stalled()`` on /health, ``ready()`` on /ready."""

    @app.page("/metrics")
    class Metrics(View):
        async def get(self, request: Request) -> Response:
            # ?name[]=support_events_total&name[]=...: only those families, and only the
            # collectors that serve them run (as in prometheus_client's own exposition)
            names = cast(Any, request.query).getall("name[]", [])  # a MultiDict
            body = generate_latest(registry.restricted_registry(names) if names else registry)
            return self.bytes(body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    @app.page("/health")
    class Health(View):
        async def get(self, request: Request) -> Response:
            # 503 while a stage is stuck, crash-looping or retrying (see liveness)
            stages = stalled()
            if stages:
                return self.json({"status": "stalled", "stalled": stages}, status=503)
            return self.json({"status": "ok"})

    @app.page("/ready")
    class Ready(View):
        async def get(self, request: Request) -> Response:
            is_ready = ready()
            return self.json(
                {"ready": is_ready, "partitions": partitions()}, status=200 if is_ready else 503
            )
