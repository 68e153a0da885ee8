"""The cluster view as a table in the terminal, with what is missing said below it."""

from __future__ import annotations

from typing import Any

COLUMNS = (
    "time left",
    "ticket",
    "sla",
    "state",
    "priority",
    "team",
    "channel",
    "policy",
    "waiting since",
)


def duration(seconds: float) -> str:
    """``-12m05s``, ``3h04m``, ``2d05h``: short enough for a column, signed once breached."""
    sign, rest = ("-" if seconds < 0 else ""), int(abs(seconds))
    days, rest = divmod(rest, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days}d{hours:02}h"
    if hours:
        return f"{sign}{hours}h{minutes:02}m"
    return f"{sign}{minutes}m{secs:02}s"


def render(view: dict[str, Any]) -> str:
    rows = [
        (
            duration(t["time_left_seconds"]),
            t["ticket_id"],
            t["sla"],
            t["state"],
            t["priority"],
            t["team"] or "-",
            t["channel"],
            t["policy"],
            t["waiting_since"],
        )
        for t in view["tickets"]
    ]
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(COLUMNS)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(COLUMNS, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    lines.append(f"{len(rows)} of {view['matched']} running clocks")
    lines += problems(view)
    return "\n".join(line.rstrip() for line in lines)


def problems(view: dict[str, Any]) -> list[str]:
    """What makes the view incomplete, one line each (none: complete)."""
    out = [f"missing: {m['url']}: {m['error']}" for m in view["missing"]]
    if view["unowned_partitions"]:
        out.append(f"partitions no worker owns: {_numbers(view['unowned_partitions'])}")
    out += [
        f"not ready: {w['url']} (rebuilding its partitions)"
        for w in view["workers"]
        if not w["ready"]
    ]
    if view["shared_partitions"]:
        out.append(
            f"partitions two workers claim (a rebalance): {_numbers(view['shared_partitions'])}"
        )
    return out


def _numbers(values: list[int]) -> str:
    return ", ".join(str(v) for v in values)
