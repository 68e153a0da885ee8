"""The wall display's "Objectives" row: one stat per objective of the policy, coloured red on
the wrong side of its target and green on the right one."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from streams.domain.sla.objectives import Comparison, Objective
from streams.generate import objectives_rules as rules
from streams.generate.dashboards import panels as p
from streams.generate.dashboards.panels import GREEN, RED

PER_ROW = 8  # stats of width 3: a row of 24 columns
HEIGHT = 4


class Row(NamedTuple):
    panels: list[Any]
    height: int  # grid rows taken, 0 without objectives


def title(objective: Objective) -> str:
    """E.g. "Resolved in 24h ≥ 80% · 7d"."""
    target = rules.target_text(objective).replace(">=", "≥").replace("<=", "≤")
    return f"{rules.words(objective, short=True)} {target} · {objective.window}"


def steps(objective: Objective) -> tuple[tuple[float | None, str], ...]:
    """Red while missed: below an at-least target; above an at-most one (the target is met)."""
    if objective.comparison is Comparison.AT_LEAST:
        return ((None, RED), (objective.target, GREEN))
    return ((None, GREEN), (math.nextafter(objective.target, math.inf), RED))


def objectives_row(objectives: tuple[Objective, ...], y: int) -> Row:
    if not objectives:
        return Row([], 0)
    width = 24 // min(len(objectives), PER_ROW)
    panels = []
    for index, objective in enumerate(objectives):
        display = rules.DISPLAYS[objective.kpi]
        row, column = divmod(index, PER_ROW)
        panels.append(
            p.stat(
                title(objective),
                rules.selector(objective),
                display.unit,
                steps(objective),
                column * width,
                y + row * HEIGHT,
                w=width,
                h=HEIGHT,
                decimals=display.decimals,
            )
        )
    return Row(panels, HEIGHT * math.ceil(len(objectives) / PER_ROW))
