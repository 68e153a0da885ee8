"""The ingest endpoint's OpenAPI 3.1 description, generated from the event JSON Schemas.

One source for the shape of an event: ``schemas/<type>.schema.json``. The request schema of
each type is that schema with ``type`` fixed, and ``event_id``/``occurred_at`` optional because
the ingest endpoint fills them in (an id derived from the item's content, so a resent body gets
the same ids; the time of receipt).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from streams.domain.events import Kind
from streams.publishing.ingest import MAX_BATCH, MAX_BODY  # the ingest's limits, described here

FILLED_IN = ("event_id", "occurred_at")


def request_schema(event_schema: dict[str, Any], kind: str) -> dict[str, Any]:
    schema = {k: v for k, v in event_schema.items() if k not in ("$schema", "$id")}
    properties = dict(schema["properties"])
    properties["type"] = {"const": kind, "description": "The event type (selects the topic)."}
    schema["properties"] = properties
    schema["required"] = [
        "type",
        *(r for r in schema.get("required", ()) if r not in FILLED_IN and r != "type"),
    ]
    return schema


def build(schemas_dir: Path) -> dict[str, Any]:
    components: dict[str, Any] = {}
    for kind in Kind:
        doc = json.loads((schemas_dir / f"{kind.value}.schema.json").read_text())
        components[kind.value] = request_schema(doc, kind.value)
    one_event = {"oneOf": [{"$ref": f"#/components/schemas/{k}"} for k in components]}
    errors = {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["index", "reason"],
            "properties": {"index": {"type": "integer"}, "reason": {"type": "string"}},
        },
    }
    error = {"type": "object", "required": ["errors"], "properties": {"errors": errors}}
    reply = {"application/json": {"schema": error}}
    ids = {"type": "array", "items": {"type": "string"}}
    accepted = {
        "type": "object",
        "required": ["accepted", "event_ids"],
        "properties": {"accepted": {"type": "integer"}, "event_ids": ids},
    }
    unavailable = {
        "type": "object",
        "required": ["errors"],
        "properties": {"errors": errors, "event_ids": ids},
    }
    retry_after = {
        "Retry-After": {
            "required": True,
            "description": "seconds to wait",
            "schema": {"type": "integer", "minimum": 0},
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "supportkpi ingest",
            "version": "1.0.0",
            "description": "Publish support events over HTTP; generated from schemas/.",
        },
        "paths": {
            "/events": {
                "post": {
                    "summary": "Publish one event or a batch (all or nothing)",
                    "security": [{"bearer": []}, {}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "oneOf": [
                                        one_event,
                                        {
                                            "type": "array",
                                            "items": one_event,
                                            "minItems": 1,
                                            "maxItems": MAX_BATCH,
                                        },
                                    ]
                                }
                            }
                        },
                    },
                    "responses": {
                        "202": {
                            "description": "accepted by Kafka; event_ids in item order (derived "
                            "from the item's content where it had none)",
                            "content": {"application/json": {"schema": accepted}},
                        },
                        "400": {
                            "description": "invalid events, with a reason per item; nothing was "
                            "produced",
                            "content": reply,
                        },
                        "401": {"description": "missing or wrong bearer token", "content": reply},
                        "408": {"description": "body not received in time", "content": reply},
                        "413": {
                            "description": f"body larger than {MAX_BODY} bytes or batch larger "
                            f"than {MAX_BATCH}"
                        },
                        "415": {
                            "description": "Content-Type is not application/json (UTF-8)",
                            "content": reply,
                        },
                        "503": {
                            "description": "too many requests at once, or Kafka unavailable (then "
                            "with the event ids it assigned): resend the same body "
                            "after Retry-After seconds",
                            "headers": retry_after,
                            "content": {"application/json": {"schema": unavailable}},
                        },
                    },
                }
            }
        },
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def render(schemas_dir: Path) -> str:
    return json.dumps(build(schemas_dir), indent=2, sort_keys=False) + "\n"
