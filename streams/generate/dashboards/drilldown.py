"""The wall's "closest to breach" table: the drill-down's rows through the Infinity datasource.

The panel asks the cluster view (``supportkpi tickets --serve``) for the running clocks whose
deadline is still ahead, sorted by time left; docs/drilldown.md. The datasource's uid is pinned
in grafana/provisioning/datasources/tickets.yml, which also holds the bearer token.
"""

from __future__ import annotations

from typing import Any

from grafana_foundation_sdk.builders import table
from grafana_foundation_sdk.models.dashboard import DataSourceRef, DynamicConfigValue, GridPos

INFINITY = "yesoreyeram-infinity-datasource"
DATASOURCE = DataSourceRef(type_val=INFINITY, uid="supportkpi-tickets")
CLOSEST = "/tickets?state=upcoming&limit=10"
#: (selector in a row of GET /tickets, column title, Infinity column type)
COLUMNS = (
    ("ticket_id", "Ticket", "string"),
    ("priority", "Priority", "string"),
    ("sla", "SLA", "string"),
    ("team", "Team", "string"),
    ("time_left_seconds", "Time left", "number"),
    ("deadline", "Deadline", "timestamp"),
)


class InfinityQuery:
    """One Infinity JSON query (the SDK has no builder for this plugin's queries)."""

    def __init__(self, url: str, root: str, columns: tuple[tuple[str, str, str], ...]) -> None:
        self.url, self.root, self.columns = url, root, columns

    def build(self) -> dict[str, Any]:
        return {
            "refId": "A",
            "datasource": {"type": INFINITY, "uid": DATASOURCE.uid},
            "type": "json",
            "source": "url",
            "parser": "backend",
            "format": "table",
            "url": self.url,
            "url_options": {"method": "GET", "data": ""},
            "root_selector": self.root,
            "columns": [{"selector": s, "text": t, "type": k} for s, t, k in self.columns],
            "filters": [],
        }


def closest_to_breach(x: int, y: int, w: int, h: int) -> table.Panel:
    panel = (
        table.Panel()
        .title("Closest to breach")
        .with_target(InfinityQuery(CLOSEST, "tickets", COLUMNS))  # type: ignore[arg-type]
        .override_by_name("Time left", [DynamicConfigValue(id_val="unit", value="s")])
        .datasource(DATASOURCE)
    )
    return panel.grid_pos(GridPos(h=h, w=w, x=x, y=y))
