"""Every SLA clock of every ticket, decided under one policy at the history's end.

The same evaluation as the worker's: ``KpiModel.clocks`` (first matching policy, business
hours, pauses) and ``Clock.outcome`` at the newest event, when a worker's last SLA tick of
that history would have decided the clocks whose deadline had passed. Clocks still running
then have no outcome and are left out, as the worker leaves them out of
``support_sla_tickets``.
"""

from __future__ import annotations

from dataclasses import dataclass

from streams.domain.contributions import KpiModel
from streams.domain.record_store import Records
from streams.domain.sla.policy import SlaPolicy


@dataclass(frozen=True, slots=True)
class Decided:
    """One decided clock: its ticket, the policy entry that timed it, and how it ended."""

    ticket_id: str
    policy: str
    sla: str
    priority: str
    outcome: str  # met or breached
    at_ms: int  # what decided it: the stop when met, the deadline when breached


def decided(records: Records, policy: SlaPolicy, now_ms: int) -> list[Decided]:
    model = KpiModel(sla=policy)
    out: list[Decided] = []
    for key, record in records.items():
        entry = model.policy(record)
        if entry is None:
            continue
        for clock in model.clocks(record):
            result = clock.outcome(now_ms)
            if result is not None:
                outcome, at_ms = result
                out.append(Decided(key, entry.name, clock.sla, clock.priority, outcome, at_ms))
    return out
