"""The "data as of" stat: how far behind the newest event processed is, and the consumer lag,
each turning amber then red, so that nobody trusts a frozen screen.

A wall display that stops updating looks the same as a quiet floor. The age of the newest event
says the processor is keeping up with the helpdesks; the lag says whether the events not yet
read are piling up. A worker or Prometheus that is gone makes both read "No data".
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import stat
from grafana_foundation_sdk.models.common import BigValueColorMode, BigValueGraphMode
from grafana_foundation_sdk.models.dashboard import DynamicConfigValue

from streams.generate.dashboards import panels as p
from streams.generate.dashboards.panels import AMBER, GREEN, RED

#: seconds since the newest event's own time: a few minutes without any event is rare in
#: opening hours, a quarter of an hour means the helpdesks' events are not arriving
BEHIND_STEPS = ((None, GREEN), (300.0, AMBER), (900.0, RED))
#: messages not yet read, over all the workers' partitions
LAG_STEPS = ((None, GREEN), (1_000.0, AMBER), (10_000.0, RED))

BEHIND = "time() - max(support_last_event_timestamp_seconds)"
LAG = "sum(support_consumer_lag_messages)"


def data_as_of(x: int, y: int, w: int = 4, h: int = 5) -> stat.Panel:
    panel = (
        stat.Panel()
        .title("Data as of · behind / lag")
        .with_target(p.query(BEHIND, "behind", ref="A"))
        .with_target(p.query(LAG, "lag", ref="B"))
        .color_mode(BigValueColorMode.BACKGROUND)
        .graph_mode(BigValueGraphMode.NONE)
        .thresholds(p.thresholds(*BEHIND_STEPS))
        .unit("s")
        .decimals(0)
    )
    panel = panel.override_by_query(
        "B",
        [
            DynamicConfigValue(id_val="unit", value="short"),
            DynamicConfigValue(id_val="thresholds", value=_steps(LAG_STEPS)),
        ],
    )
    return p.place(panel, x, y, w, h)


def _steps(steps: tuple[tuple[float | None, str], ...]) -> dict[str, object]:
    return {"mode": "absolute", "steps": [{"value": v, "color": c} for v, c in steps]}
