"""Panel and query builders shared by the dashboards (grafana-foundation-sdk)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grafana_foundation_sdk.builders import dashboard, table, timeseries
from grafana_foundation_sdk.builders import stat as stat_builder
from grafana_foundation_sdk.builders.prometheus import Dataquery
from grafana_foundation_sdk.models.common import BigValueColorMode, BigValueGraphMode
from grafana_foundation_sdk.models.dashboard import (
    DataSourceRef,
    DataTransformerConfig,
    DynamicConfigValue,
    GridPos,
    Threshold,
    ThresholdsMode,
    VariableRefresh,
)
from grafana_foundation_sdk.models.prometheus import PromQueryFormat

from streams.metrics.kpis import KPIS, WINDOW

DATASOURCE = DataSourceRef(type_val="prometheus", uid="supportkpi-prometheus")
GREEN, AMBER, RED, BLUE = "green", "#EAB839", "red", "blue"


def query(expr: str, legend: str = "", heatmap_format: bool = False, ref: str = "A") -> Dataquery:
    built = Dataquery().expr(expr).datasource(DATASOURCE).ref_id(ref)
    if legend:
        built = built.legend_format(legend)
    if heatmap_format:
        built = built.format(PromQueryFormat.HEATMAP)
    return built


def label_variable(label: str) -> dashboard.QueryVariable:
    """A variable over a label's values, read from the first windowed family that has it;
    ``window`` takes one value at a time (the panels' figures are per window)."""
    family = next(row.name for row in KPIS if label in row.family.labels)
    variable = (
        dashboard.QueryVariable(label)
        .label(label.capitalize())
        .query(f"label_values({family}, {label})")
        .datasource(DATASOURCE)
        .multi(True)
        .include_all(True)
        .all_value(".*")
        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
    )
    if label == WINDOW:
        variable = variable.multi(False).include_all(False)
    return variable


def thresholds(*steps: tuple[float | None, str]) -> dashboard.ThresholdsConfig:
    return (
        dashboard.ThresholdsConfig()
        .mode(ThresholdsMode.ABSOLUTE)
        .steps([Threshold(value=v, color=c) for v, c in steps])
    )


def place(panel: Any, x: int, y: int, w: int, h: int) -> Any:
    return panel.grid_pos(GridPos(h=h, w=w, x=x, y=y)).datasource(DATASOURCE)


def stat(
    title: str,
    expr: str,
    unit: str,
    steps: tuple[tuple[float | None, str], ...],
    x: int,
    y: int,
    w: int = 4,
    h: int = 5,
    decimals: int = 0,
) -> stat_builder.Panel:
    panel = (
        stat_builder.Panel()
        .title(title)
        .with_target(query(expr))
        .unit(unit)
        .decimals(decimals)
        .thresholds(thresholds(*steps))
        .color_mode(BigValueColorMode.BACKGROUND)
        .graph_mode(BigValueGraphMode.NONE)
    )
    return place(panel, x, y, w, h)


def series(
    title: str, queries: list[Dataquery], unit: str, x: int, y: int, w: int, h: int
) -> timeseries.Panel:
    panel = timeseries.Panel().title(title).unit(unit)
    for index, query in enumerate(queries):
        panel = panel.with_target(query.ref_id(chr(ord("A") + index)))
    return place(panel, x, y, w, h)


@dataclass(frozen=True)
class Column:
    """One column of a table panel: an instant query with one series per row, named."""

    title: str
    expr: str
    unit: str = "none"
    decimals: int = 0


def joined_table(title: str, columns: list[Column], x: int, y: int, w: int, h: int) -> table.Panel:
    """Instant queries side by side, joined on their labels (Grafana's ``merge``)."""
    panel = table.Panel().title(title)
    for index, column in enumerate(columns):
        ref = chr(ord("A") + index)
        panel = panel.with_target(
            query(column.expr, ref=ref).format(PromQueryFormat.TABLE).instant()
        ).override_by_name(
            f"Value #{ref}",
            [
                DynamicConfigValue(id_val="displayName", value=column.title),
                DynamicConfigValue(id_val="unit", value=column.unit),
                DynamicConfigValue(id_val="decimals", value=column.decimals),
            ],
        )
    panel = panel.with_transformation(DataTransformerConfig(id_val="merge", options={}))
    panel = panel.with_transformation(
        DataTransformerConfig(id_val="organize", options={"excludeByName": {"Time": True}})
    )
    return place(panel, x, y, w, h)


def quantile(q: float, family: str, window: str, by: str = "", match: str = "") -> str:
    group = f"{by}, le" if by else "le"
    return (
        f'histogram_quantile({q}, sum by ({group}) ({family}_bucket{{window="{window}"{match}}}))'
    )


def category_first_response_p90(x: int, y: int, w: int) -> timeseries.Panel:
    """First response p90 per current category, filtered by ``$category`` (two boards show it)."""
    p90 = quantile(
        0.9,
        "support_category_first_response_seconds",
        "$window",
        "category",
        ',category=~"$category"',
    )
    return series("First response p90 by category", [query(p90, "{{category}}")], "s", x, y, w, 8)


def count(expr: str) -> str:
    return f"sum({expr}) or vector(0)"


def with_panels(board: dashboard.Dashboard, panels: list[Any]) -> dashboard.Dashboard:
    for number, panel in enumerate(panels, start=1):
        board = board.with_panel(panel.id(number))
    return board
