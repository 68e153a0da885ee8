"""A worker's state factory refuses settings that contradict its SLA policy, at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.config import Settings
from streams.domain.sla.policy import PolicyError
from streams.runtime.clock import EventClock
from streams.runtime.states import StateFactory

POLICY = """
version: 1
schedules:
  office: {timezone: Europe/Berlin, hours: {mon-fri: ["09:00-17:00"]}}
policies:
  - {name: all, targets: {high: {first_response: 1h}}}
objectives:
  - {kpi: nps, at_least: 30, window: 7d}
"""


def _factory(tmp_path: Path, policy: str, **settings: object) -> StateFactory:
    path = tmp_path / "policy.yaml"
    path.write_text(policy)
    return StateFactory(Settings(sla_policy=str(path), **settings), EventClock())  # type: ignore[arg-type]


def test_the_default_schedule_is_one_the_policy_defines(tmp_path: Path) -> None:
    factory = _factory(tmp_path, POLICY, schedule="office")
    assert factory.model.default_schedule is not None
    assert factory.model.default_schedule.timezone == "Europe/Berlin"
    assert _factory(tmp_path, POLICY).model.default_schedule is None
    with pytest.raises(ValueError, match=r"SUPPORTKPI_SCHEDULE='night'.*defined: \['office'\]"):
        _factory(tmp_path, POLICY, schedule="night")


def test_a_schedule_without_a_policy_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no deploy/sla/policy.yaml here: no policy at all
    with pytest.raises(ValueError, match="needs an SLA policy"):
        StateFactory(Settings(schedule="x"), EventClock())


def test_an_objective_over_a_window_the_worker_does_not_export_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"objectives\[0\].*window"):
        _factory(tmp_path, POLICY, windows=("1h", "24h"))
    _factory(tmp_path, POLICY, windows=("1h", "7d"))  # the objective's window is exported
