"""Which files are generated from which source, for ``supportkpi generate [--check]``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from streams.config import Settings
from streams.domain.contributions import DEFAULT_DURATION_BUCKETS_S
from streams.domain.sla.objectives import Exports
from streams.domain.sla.policy import load_policy
from streams.generate import (
    cardinality,
    dashboards,
    kpi_docs,
    objectives_rules,
    openapi,
    prometheus_rules,
    quality_rules,
    surge_rules,
)

POLICY = Path("deploy/sla/policy.yaml")
METRICS_DOC = Path("docs/metrics.md")  # only its KPI and cardinality tables are generated


def exports() -> Exports:
    """What the worker exports with the default settings: all that objectives may name."""
    return Exports(Settings().windows, DEFAULT_DURATION_BUCKETS_S)


def outputs(root: Path) -> dict[Path, Callable[[], str]]:
    policy = load_policy(str(root / POLICY), exports())
    out: dict[Path, Callable[[], str]] = {
        root / "deploy/prometheus/rules/supportkpi-sla.rules.yml": lambda: prometheus_rules.render(
            policy
        ),
        root / "deploy/prometheus/rules/supportkpi-quality.rules.yml": quality_rules.render,
        root / "deploy/prometheus/rules/supportkpi-objectives.rules.yml": (
            lambda: objectives_rules.render(policy)
        ),
        root / "deploy/prometheus/rules/supportkpi-surge.rules.yml": (
            lambda: surge_rules.render(policy)
        ),
    }
    out[root / "streams/publishing/ingest_openapi.json"] = lambda: openapi.render(root / "schemas")
    out[root / METRICS_DOC] = lambda: cardinality.render(
        kpi_docs.render((root / METRICS_DOC).read_text()), root / POLICY
    )
    for name in dashboards.DASHBOARDS:
        out[root / f"grafana/dashboards/supportkpi-{name}.json"] = lambda name=name: (
            dashboards.render(name, policy)
        )  # type: ignore[misc]
    return out


def stale(root: Path) -> list[Path]:
    """Generated files that differ from what the current sources produce."""
    return [
        path
        for path, make in outputs(root).items()
        if not path.exists() or path.read_text() != make()
    ]


def write(root: Path) -> list[Path]:
    written = []
    for path, make in outputs(root).items():
        text = make()
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            written.append(path)
    return written
