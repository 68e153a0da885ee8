"""The windowed KPI table of docs/metrics.md, written from ``streams.metrics.kpis``.

Only the part between the two markers is generated; the prose around it is written by hand.
"""

from __future__ import annotations

from streams.generate.markers import splice
from streams.metrics.kpis import KPIS

BEGIN = "<!-- generated from streams/metrics/kpis.py by `supportkpi generate`: edit it there -->"
END = "<!-- end of the generated table -->"


def table() -> str:
    lines = ["| metric | type | labels | meaning |", "|---|---|---|---|"]
    for row in KPIS:
        kind = row.shape.value
        labels = ", ".join(row.family.labels)
        lines.append(f"| `{row.name}` | {kind} | {labels} | {row.meaning} |")
    return "\n".join(lines) + "\n"


def render(document: str) -> str:
    """``document`` with the text between the markers replaced by the current table."""
    return splice(document, BEGIN, END, table())
