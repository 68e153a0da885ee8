"""HTTP ingest for services that cannot speak Kafka: ``POST /events``, validated, then produced.

A request carries one event (an object) or a batch (an array); each names its ``type``. A batch
is all or nothing: if any item is invalid nothing is produced and the 400 lists every reason by
index, so a client can fix and resend the whole batch (event ids make resending safe).

202 accepted (acknowledged by Kafka) · 400 invalid (per-item reasons) · 401 missing/wrong
bearer token (when ``SUPPORTKPI_INGEST_TOKEN`` is set) · 413 body too large · 503 broker
unavailable (retry later with the same event ids).
"""

from __future__ import annotations

import asyncio
import hmac
import json
from importlib import resources
from typing import Any, cast

import orjson
from aiohttp import web

from streams.config import Settings
from streams.domain.events import InvalidEvent
from streams.generate.openapi import MAX_BATCH, MAX_BODY
from streams.publish import AsyncPublisher, OutgoingEvent, make_event
from streams.runtime.security import client_options

SEND_TIMEOUT_S = 10.0


def openapi() -> dict[str, Any]:
    """The OpenAPI description served at /openapi.json (generated from schemas/)."""
    return cast(dict[str, Any], json.loads(
        resources.files("streams").joinpath("ingest_openapi.json").read_text()))


class Ingest:
    def __init__(self, settings: Settings, token: str | None = None) -> None:
        self.settings = settings
        self.token = token
        self._publisher: AsyncPublisher | None = None
        self._lock = asyncio.Lock()

    async def publisher(self) -> AsyncPublisher:
        async with self._lock:
            if self._publisher is None:
                publisher = AsyncPublisher(self.settings.bootstrap_servers,
                                           self.settings.topic_prefix, retries=0,
                                           request_timeout_ms=int(SEND_TIMEOUT_S * 1000),
                                           **client_options(self.settings))
                await asyncio.wait_for(publisher.start(), SEND_TIMEOUT_S)
                self._publisher = publisher
            return self._publisher

    async def post_events(self, request: web.Request) -> web.Response:
        if self.token is not None:
            given = request.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode()):
                return web.json_response({"errors": [{"index": -1, "reason": "unauthorized"}]},
                                         status=401)
        if (request.content_length or 0) > MAX_BODY:
            return web.Response(status=413)
        body = await request.content.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            return web.Response(status=413)
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return _bad([(-1, f"body is not JSON: {exc}")])
        items = doc if isinstance(doc, list) else [doc]
        if len(items) > MAX_BATCH:
            return web.Response(status=413)
        if not items:
            return _bad([(-1, "empty batch")])
        events: list[OutgoingEvent] = []
        errors: list[tuple[int, str]] = []
        for index, item in enumerate(items):
            try:
                if not isinstance(item, dict):
                    raise InvalidEvent("expected a JSON object")
                events.append(make_event(str(item.get("type")), item, none_is_absent=False))
            except ValueError as exc:  # InvalidEvent, or an unknown type
                errors.append((index, str(exc)))
        if errors:
            return _bad(errors)
        try:
            publisher = await self.publisher()
            await asyncio.wait_for(publisher.send_many(events), SEND_TIMEOUT_S)
        except Exception:  # any client failure means: not stored; the client retries
            return web.json_response({"errors": [{"index": -1, "reason": "Kafka unavailable"}]},
                                     status=503)
        return web.json_response({"accepted": len(events),
                                  "event_ids": [e.payload["event_id"] for e in events]},
                                 status=202)

    async def close(self, app: web.Application) -> None:
        if self._publisher is not None:
            await self._publisher.stop()


def _bad(errors: list[tuple[int, str]]) -> web.Response:
    return web.json_response({"errors": [{"index": i, "reason": r} for i, r in errors]},
                             status=400)


def build_app(settings: Settings, token: str | None = None) -> web.Application:
    ingest = Ingest(settings, token)
    app = web.Application(client_max_size=MAX_BODY + 1024)
    app.router.add_post("/events", ingest.post_events)
    spec = openapi()
    app.router.add_get("/openapi.json", lambda _: _json(spec))
    app.router.add_get("/health", lambda _: _json({"status": "ok"}))
    app.on_cleanup.append(ingest.close)
    return app


async def _json(doc: dict[str, Any]) -> web.Response:
    return web.json_response(doc)
