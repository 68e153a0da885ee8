"""The snapshot cost bench (streams/devtools/bench/snapshot_cost.py), on a small state: every
step is timed and the file holds the state (no timing is asserted)."""

from __future__ import annotations

import pytest

from streams.devtools.bench import snapshot_cost


@pytest.mark.parametrize("shape", ["new", "in progress"])
def test_each_step_is_measured_per_ticket(shape: str) -> None:
    result = snapshot_cost.measure(200, shape, repeat=1)
    assert set(result) == {
        "take: export and encode",
        "back: decode",
        "back: restore",
        "rebuild: load every record",
        "file bytes per ticket",
    }
    assert all(value > 0 for value in result.values())
    assert result["file bytes per ticket"] > 100  # a ticket's record and its index entries
