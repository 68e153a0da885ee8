"""HTTP ingest for services that cannot speak Kafka: ``POST /events``, validated, then produced.

A request carries one event (an object) or a batch (an array); each names its ``type``. A batch
is all or nothing: if any item is invalid nothing is produced and the 400 lists every reason by
index, so a client can fix and resend the whole batch.

Resending is safe: an item without ``event_id`` gets one derived from its content as received
(before ``occurred_at`` is filled in), so the same body gets the same ids and the processor's
dedupe counts it once. The flip side: identical id-less items are one event; give them an
``event_id`` or ``occurred_at`` to tell them apart.

Nothing a client does may stop the endpoint: each bad request gets its own 4xx, and the work in
progress is bounded (body size, body time, batch length, requests at once).

202 accepted (acknowledged by Kafka) · 400 invalid (per-item reasons) · 401 missing/wrong
bearer token (when one is set: ``SUPPORTKPI_INGEST_TOKEN_FILE``, else ``_INGEST_TOKEN``) · 408
body not received within ``BODY_TIMEOUT_S`` · 413 body or batch too large · 415 a body not
``application/json`` · 503 more than ``SUPPORTKPI_INGEST_MAX_CONCURRENCY`` requests at once, or
Kafka unavailable (with the event ids): resend the same body after ``Retry-After`` seconds.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from importlib import resources
from typing import Any, cast

import orjson
from aiohttp import web

from streams.config import Settings
from streams.domain.events import InvalidEvent
from streams.publishing.publish import AsyncPublisher, OutgoingEvent, make_event
from streams.runtime.security import client_options
from streams.secrets import SecretFileError, bearer_matches, read_secret

MAX_BODY = 1024 * 1024  # bytes of one request body
MAX_BATCH = 1000  # events in one request
SEND_TIMEOUT_S = 10.0
BODY_TIMEOUT_S = 30.0  # a client trickling its body must not hold a request slot for ever
BUSY_RETRY_S = 1
KAFKA_RETRY_S = 5
# fixed for ever: a retry must get the same id from any server of any release
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://supportkpi.dev/ingest/event_id")


TokenFileError = SecretFileError  # SUPPORTKPI_INGEST_TOKEN_FILE is set but gives no token


def ingest_token(settings: Settings) -> str | None:
    """The bearer token ``POST /events`` requires, or None for an open endpoint (the file wins
    over ``SUPPORTKPI_INGEST_TOKEN``; see ``streams.secrets``)."""
    return read_secret(
        settings.ingest_token, settings.ingest_token_file, "SUPPORTKPI_INGEST_TOKEN_FILE"
    )


def content_id(item: dict[str, Any]) -> str:
    """An event id from the item's canonical JSON (``type`` included), the same on a retry."""
    canonical = orjson.dumps(item, option=orjson.OPT_SORT_KEYS).decode()
    return str(uuid.uuid5(ID_NAMESPACE, canonical))


def openapi() -> dict[str, Any]:
    """The OpenAPI description served at /openapi.json (generated from schemas/)."""
    return cast(
        dict[str, Any],
        json.loads(
            resources.files("streams.publishing").joinpath("ingest_openapi.json").read_text()
        ),
    )


class Ingest:
    def __init__(self, settings: Settings, token: str | None = None) -> None:
        self.settings = settings
        self.token = token
        self.active = 0  # requests past the cheap checks, not yet answered
        self._publisher: AsyncPublisher | None = None
        self._lock = asyncio.Lock()

    async def publisher(self) -> AsyncPublisher:
        async with self._lock:
            if self._publisher is None:
                publisher = AsyncPublisher(
                    self.settings.bootstrap_servers,
                    self.settings.topic_prefix,
                    retries=0,
                    request_timeout_ms=int(SEND_TIMEOUT_S * 1000),
                    **client_options(self.settings),
                )
                try:
                    await asyncio.wait_for(publisher.start(), SEND_TIMEOUT_S)
                except BaseException:
                    await publisher.stop()  # else every failed start leaks a client
                    raise
                self._publisher = publisher
            return self._publisher

    def authorized(self, request: web.Request) -> bool:
        """The token, if one is set (``secrets.bearer_matches``)."""
        token = self.token
        return token is None or bearer_matches(request.headers.get("Authorization"), token)

    async def post_events(self, request: web.Request) -> web.Response:
        if not self.authorized(request):
            return _errors(401, "unauthorized")
        if request.body_exists and not _is_json(request):  # no body: 400, like an empty one
            return _errors(415, "Content-Type must be application/json (UTF-8)")
        if self.active >= self.settings.ingest_max_concurrency:  # answer now, never queue
            return _errors(503, "too many requests at once", retry_after=BUSY_RETRY_S)
        self.active += 1
        try:
            return await self._events(request)
        finally:
            self.active -= 1

    async def _events(self, request: web.Request) -> web.Response:
        if (request.content_length or 0) > MAX_BODY:
            return web.Response(status=413)
        try:  # to EOF: a body may come in many segments, chunked ones with no length at all
            async with asyncio.timeout(BODY_TIMEOUT_S):
                body = await request.read()  # bounded by client_max_size
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413)
        except TimeoutError:
            return _errors(408, f"body not received within {BODY_TIMEOUT_S:g} s")
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return _errors(400, f"body is not JSON: {exc}")
        items = doc if isinstance(doc, list) else [doc]
        if len(items) > MAX_BATCH:
            return web.Response(status=413)
        if not items:
            return _errors(400, "empty batch")
        events: list[OutgoingEvent] = []
        errors: list[tuple[int, str]] = []
        for index, item in enumerate(items):
            try:
                if not isinstance(item, dict):
                    raise InvalidEvent("expected a JSON object")
                if "event_id" not in item:
                    item = {**item, "event_id": content_id(item)}
                events.append(make_event(str(item.get("type")), item, none_is_absent=False))
            except ValueError as exc:  # InvalidEvent, or an unknown type
                errors.append((index, str(exc)))
        if errors:
            return _bad(errors)
        ids = [e.payload["event_id"] for e in events]
        try:
            publisher = await self.publisher()
            await asyncio.wait_for(publisher.send_many(events), SEND_TIMEOUT_S)
        except Exception:  # any client failure means: maybe not stored; the client resends
            return _errors(503, "Kafka unavailable", retry_after=KAFKA_RETRY_S, event_ids=ids)
        return web.json_response({"accepted": len(events), "event_ids": ids}, status=202)

    async def close(self, app: web.Application) -> None:
        if self._publisher is not None:
            await self._publisher.stop()


def _is_json(request: web.Request) -> bool:
    """application/json, in UTF-8 (the only encoding JSON has, RFC 8259), parameters allowed."""
    return request.content_type == "application/json" and (
        (request.charset or "utf-8").lower() in ("utf-8", "utf8")
    )


def _bad(errors: list[tuple[int, str]]) -> web.Response:
    return web.json_response({"errors": [{"index": i, "reason": r} for i, r in errors]}, status=400)


def _errors(
    status: int, reason: str, retry_after: int | None = None, **fields: Any
) -> web.Response:
    """One error about the whole request (index -1), the documented shape of every 4xx/5xx."""
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    return web.json_response(
        {"errors": [{"index": -1, "reason": reason}], **fields}, status=status, headers=headers
    )


def build_app(settings: Settings, token: str | None = None) -> web.Application:
    ingest = Ingest(settings, token)
    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post("/events", ingest.post_events)
    spec = openapi()

    async def description(_: web.Request) -> web.Response:
        return web.json_response(spec)

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.router.add_get("/openapi.json", description)
    app.router.add_get("/health", health)
    app.on_cleanup.append(ingest.close)
    return app
