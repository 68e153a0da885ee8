"""A record's running SLA clocks packed into one ``bytes``, as the scan keeps them.

Why: a million open tickets may each hold running clocks. As a tuple of their fields (two
labels and three boxed ints per clock) they cost ~170 bytes a ticket; packed, 26 bytes a clock
behind one object header (~64 bytes for one clock). The two labels become the index of their
``(sla, priority)`` pair in a table the scan keeps, so reading a clock back builds no tuple of
labels either.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import NamedTuple

from streams.domain.sla.clocks import Clock

SlaKey = tuple[str, str]  # (sla, priority): the labels of the live SLA gauges
#: (sla, priority) index, start, deadline, at-risk time (``_NONE``: none)
_CLOCK = struct.Struct("<Hqqq")
_NONE = -(2**63)
#: where a clock's deadline starts, and the size of one clock
_DEADLINE_AT, CLOCK_SIZE = 10, _CLOCK.size
_DEADLINE = struct.Struct("<q")


class RunningClock(NamedTuple):
    """One running clock read back from its packed form."""

    dims: SlaKey
    start_ms: int
    deadline_ms: int
    at_risk_ms: int | None


class ClockPacker:
    """Packs running clocks, numbering each (sla, priority) pair the first time it is met."""

    __slots__ = ("_index", "dims")

    def __init__(self, dims: Sequence[SlaKey] = ()) -> None:
        self.dims: list[SlaKey] = [(sla, priority) for sla, priority in dims]
        self._index: dict[SlaKey, int] = {d: i for i, d in enumerate(self.dims)}

    def pack(self, clocks: Sequence[Clock]) -> bytes:
        """The clocks of ``clocks`` that are running (``b""``: none)."""
        parts = [
            _CLOCK.pack(
                self._number(c.sla, c.priority),
                c.start_ms,
                c.deadline_ms,
                _NONE if c.at_risk_ms is None else c.at_risk_ms,
            )
            for c in clocks
            if c.deadline_ms is not None and c.stop_ms is None  # ``Clock.running``
        ]
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def unpack(self, blob: bytes) -> list[RunningClock]:
        dims = self.dims
        return [
            RunningClock(dims[i], start, deadline, None if at_risk == _NONE else at_risk)
            for i, start, deadline, at_risk in _CLOCK.iter_unpack(blob)
        ]

    def _number(self, sla: str, priority: str) -> int:
        key = sla, priority
        number = self._index.get(key)
        if number is None:
            number = self._index[key] = len(self.dims)
            self.dims.append(key)
        return number


def deadline_in(blob: bytes, since_ms: int, now_ms: int) -> bool:
    """Whether a clock of ``blob`` has its deadline in (``since_ms``, ``now_ms``]."""
    for at in range(_DEADLINE_AT, len(blob), CLOCK_SIZE):
        deadline: int = _DEADLINE.unpack_from(blob, at)[0]
        if since_ms < deadline <= now_ms:
            return True
    return False
