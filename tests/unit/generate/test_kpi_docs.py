"""The KPI table of docs/metrics.md is generated from the KPI table, and only that part."""

from __future__ import annotations

import pytest

from streams.generate import kpi_docs
from streams.metrics.kpis import KPIS
from tests.support.tools import ROOT


def test_every_row_of_the_kpi_table_is_a_row_of_the_docs_table() -> None:
    lines = kpi_docs.table().splitlines()
    assert len(lines) == 2 + len(KPIS)
    for row, line in zip(KPIS, lines[2:], strict=True):
        assert line.startswith(f"| `{row.name}` | {row.shape} | {', '.join(row.family.labels)} |")


def test_only_the_text_between_the_markers_is_replaced() -> None:
    document = f"before\n{kpi_docs.BEGIN}\nstale rows\n{kpi_docs.END}\nafter\n"
    rendered = kpi_docs.render(document)
    assert rendered == f"before\n{kpi_docs.BEGIN}\n{kpi_docs.table()}{kpi_docs.END}\nafter\n"
    assert kpi_docs.render(rendered) == rendered


def test_a_document_without_the_markers_is_refused() -> None:
    with pytest.raises(ValueError, match="markers"):
        kpi_docs.render("# Metrics\n")


def test_the_committed_docs_hold_the_current_table() -> None:
    text = (ROOT / "docs/metrics.md").read_text()
    assert kpi_docs.render(text) == text
