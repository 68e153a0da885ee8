"""The comparison as a table in the terminal, and as CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from streams.whatif.compare import Comparison, Row, Tally

HEADER = (
    "sla", "priority", "current met", "current breached", "current compliance",
    "candidate met", "candidate breached", "candidate compliance", "difference",
    "breaches appear", "breaches disappear",
)  # fmt: skip


def share(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def points(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:+.1f} pp"


def render(comparison: Comparison, current: str, candidate: str, sample: int = 5) -> str:
    lines = [f"current: {current}", f"candidate: {candidate}", ""]
    total = Row("all", "", _summed(r.current for r in comparison.rows),
                _summed(r.candidate for r in comparison.rows))  # fmt: skip
    table = [("sla", "priority", "current", "candidate", "difference", "appear", "disappear")]
    table += [
        (
            row.sla,
            row.priority,
            _cell(row.current),
            _cell(row.candidate),
            points(row.difference),
            str(len(row.appear)) if row is not total else "",
            str(len(row.disappear)) if row is not total else "",
        )
        for row in (*comparison.rows, total)
    ]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in table]
    changed = [r for r in comparison.rows if r.appear or r.disappear]
    if changed:
        lines += ["", "breaches that change (tickets; a sample of ids):"]
    for row in changed:
        for verb, tickets in (("appear", row.appear), ("disappear", row.disappear)):
            if tickets:
                ids = ", ".join(tickets[:sample]) + (", ..." if len(tickets) > sample else "")
                lines.append(f"  {row.sla} {row.priority}: {len(tickets)} {verb}: {ids}")
    return "\n".join(lines)


def _cell(tally: Tally) -> str:
    return f"{share(tally.compliance)} ({tally.met}/{tally.met + tally.breached})"


def _summed(tallies: Iterable[Tally]) -> Tally:
    total = Tally()
    for tally in tallies:
        total.met += tally.met
        total.breached += tally.breached
    return total


def write_csv(comparison: Comparison, path: Path) -> None:
    """One line per SLA and priority; compliance as a share (0..1), empty when undecided."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for row in comparison.rows:
            out.writerow(
                (
                    row.sla,
                    row.priority,
                    row.current.met,
                    row.current.breached,
                    _number(row.current.compliance),
                    row.candidate.met,
                    row.candidate.breached,
                    _number(row.candidate.compliance),
                    _number(row.difference),
                    len(row.appear),
                    len(row.disappear),
                )
            )


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}"
