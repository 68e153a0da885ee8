"""Event files for ``supportkpi validate`` and ``replay``: JSON Lines or CSV, one event a line.

Each line names its event type in a ``type`` field (the topic name, e.g. ``ticket-created``).
CSV columns are event fields; empty cells are absent, and ``score`` and ``public`` are typed.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from streams.domain.events import InvalidEvent, Kind, decode

REPLAY_NAMESPACE = uuid.UUID("4f0a3a52-52a4-4e61-9a0e-6a1f6f3b9c11")


@dataclass(frozen=True)
class Line:
    number: int  # 1-based, as editors show it
    fields: dict[str, Any] | None
    error: str | None = None

    @property
    def kind(self) -> Kind:
        assert self.fields is not None
        return Kind(self.fields["type"])


def read(path: Path) -> Iterator[Line]:
    if path.suffix.lower() == ".csv":
        yield from _csv(path)
    else:
        yield from _jsonl(path)


def _jsonl(path: Path) -> Iterator[Line]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                doc = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                yield Line(number, None, f"not valid JSON: {exc}")
                continue
            yield _typed(number, doc)


def _csv(path: Path) -> Iterator[Line]:
    with path.open(newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            doc: dict[str, Any] = {k: v for k, v in row.items() if k and v not in ("", None)}
            if "score" in doc:
                with contextlib.suppress(ValueError):  # else reported by validation
                    doc["score"] = int(doc["score"])
            if "public" in doc:
                doc["public"] = {"true": True, "false": False}.get(
                    doc["public"].lower(), doc["public"]
                )
            yield _typed(number, doc)


KINDS = frozenset(k.value for k in Kind)


def _typed(number: int, doc: Any) -> Line:
    if not isinstance(doc, dict):
        return Line(number, None, "expected a JSON object")
    if doc.get("type") not in KINDS:
        kinds = ", ".join(k.value for k in Kind)
        return Line(number, None, f"'type' must name the event, one of {kinds}")
    return Line(number, doc)


def problem(line: Line) -> str | None:
    """Why the processor would reject this line as it is (None: valid)."""
    if line.error is not None:
        return line.error
    try:
        decode(orjson.dumps(line.fields), line.kind)
    except InvalidEvent as exc:
        return str(exc)
    return None


def stable_event_id(path: Path, line: Line) -> str:
    """An event id for a line that has none: the same on every replay of the same file."""
    digest = hashlib.sha256(orjson.dumps(line.fields, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return str(uuid.uuid5(REPLAY_NAMESPACE, f"{path.name}:{line.number}:{digest}"))
