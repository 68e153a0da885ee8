"""The JSON of ``GET /tickets``, the same from a worker and from the cluster view.

Times are RFC 3339 in UTC with milliseconds, and ``time_left_seconds`` is negative once
breached: a Grafana table shows them as they come, and a merge orders rows without parsing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from streams.config import Settings
from streams.domain.sla.listing import ClockRow
from streams.secrets import read_secret


def tickets_token(settings: Settings) -> str | None:
    """The drill-down's bearer token (the file wins), or None: the drill-down is off."""
    return read_secret(
        settings.tickets_token, settings.tickets_token_file, "SUPPORTKPI_TICKETS_TOKEN_FILE"
    )


def rfc3339(ms: int) -> str:
    return (
        datetime.fromtimestamp(ms / 1000, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def row_json(row: ClockRow) -> dict[str, Any]:
    return {
        "ticket_id": row.ticket_id,
        "sla": row.sla,
        "state": row.state,
        "policy": row.policy,
        "priority": row.priority,
        "team": row.team,
        "channel": row.channel,
        "waiting_since": rfc3339(row.waiting_since_ms),
        "deadline": rfc3339(row.deadline_ms),
        "time_left_seconds": row.time_left_ms / 1000,
    }


def order(row: dict[str, Any]) -> tuple[float, str, str]:
    """The listing's total order, on rows as JSON: time left, then ticket id and SLA."""
    return row["time_left_seconds"], row["ticket_id"], row["sla"]
