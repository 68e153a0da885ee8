"""Daily compliance under both policies, as a PNG (matplotlib: the ``chart`` extra)."""

from __future__ import annotations

from pathlib import Path

from streams.whatif.compare import Comparison

INSTALL = "pip install 'supportkpi[chart]'"


def available() -> bool:
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


def write_png(comparison: Comparison, path: Path, current: str, candidate: str) -> None:
    """One line per policy: the share of SLA clocks met among those decided each UTC day."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    from matplotlib import pyplot
    from matplotlib.dates import date2num

    days = [date2num(day) for day in comparison.daily]
    figure, axes = pyplot.subplots(figsize=(10, 4), dpi=100)
    for side, label in enumerate((current, candidate)):
        shares = [tallies[side].compliance for tallies in comparison.daily.values()]
        axes.plot(days, [100 * s if s is not None else float("nan") for s in shares],
                  marker="o", markersize=3, label=label)  # fmt: skip
    axes.xaxis_date()
    axes.set_ylabel("SLA clocks met (%)")
    axes.set_ylim(0, 100)
    axes.set_title("Daily SLA compliance: current policy and candidate")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.autofmt_xdate()
    figure.tight_layout()
    figure.savefig(path, format="png")
    pyplot.close(figure)
