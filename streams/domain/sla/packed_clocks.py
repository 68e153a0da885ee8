"""A record's running SLA clocks packed into one ``bytes``, as the scan keeps them.

Why: a million open tickets may each hold running clocks. As a tuple of their fields (two
labels and three boxed ints per clock) they cost ~170 bytes a ticket; packed, 26 bytes a clock
behind the evaluation time and one object header (~72 bytes for one clock). The two labels
become the index of their ``(sla, priority)`` pair in a table the scan keeps, so reading a
clock back builds no tuple of labels either. The evaluation time in front is the processor's
clock at the record's last evaluation: a tick asks whether a deadline passed since then, and
must not unpack the record to know.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from streams.domain.sla.clocks import Clock

SlaKey = tuple[str, str]  # (sla, priority): the labels of the live SLA gauges
#: one running clock read back: (its (sla, priority), start, deadline, at-risk time or None);
#: a plain tuple, as a tick reads ~100,000 of them (a ``NamedTuple``'s constructor stays
#: interpreted in the compiled core, ~250 ns each)
RunningClock = tuple[SlaKey, int, int, int | None]
#: in front: the last evaluation; then per clock: (sla, priority) index, start, deadline,
#: at-risk time (``_NONE``: none)
_EVALUATED = struct.Struct("<q")
_CLOCK = struct.Struct("<Hqqq")
_NONE = -(2**63)
#: where the first clock's deadline starts, and the size of one clock
_DEADLINE_AT, CLOCK_SIZE = _EVALUATED.size + 10, _CLOCK.size


class ClockPacker:
    """Packs running clocks, numbering each (sla, priority) pair the first time it is met."""

    __slots__ = ("_index", "dims")

    def __init__(self, dims: Sequence[SlaKey] = ()) -> None:
        self.dims: list[SlaKey] = [(sla, priority) for sla, priority in dims]
        self._index: dict[SlaKey, int] = {d: i for i, d in enumerate(self.dims)}

    def pack(self, clocks: Sequence[Clock], evaluated_ms: int) -> bytes:
        """The clocks of ``clocks`` that are running, evaluated at ``evaluated_ms``
        (``b""``: none is running)."""
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
        if not parts:
            return b""
        return b"".join([_EVALUATED.pack(evaluated_ms), *parts])

    def unpack(self, blob: bytes) -> list[RunningClock]:
        dims = self.dims
        return [
            (dims[i], start, deadline, None if at_risk == _NONE else at_risk)
            for i, start, deadline, at_risk in _CLOCK.iter_unpack(
                memoryview(blob)[_EVALUATED.size :]
            )
        ]

    def _number(self, sla: str, priority: str) -> int:
        key = sla, priority
        number = self._index.get(key)
        if number is None:
            number = self._index[key] = len(self.dims)
            self.dims.append(key)
        return number


def deadline_in(blob: bytes, now_ms: int) -> bool:
    """Whether a clock of ``blob`` has its deadline in (its evaluation, ``now_ms``]."""
    if not blob:
        return False
    since: int = _EVALUATED.unpack_from(blob)[0]
    for at in range(_DEADLINE_AT, len(blob), CLOCK_SIZE):
        deadline: int = _EVALUATED.unpack_from(blob, at)[0]  # an int64, as the evaluation
        if since < deadline <= now_ms:
            return True
    return False
