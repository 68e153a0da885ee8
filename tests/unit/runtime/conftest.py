"""Fixtures of the runtime tests: a processor as the worker builds it, without a broker."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.runtime import liveness
from streams.runtime.app import Processor
from tests.support.builders import worker_settings


@pytest.fixture
def processor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Processor:
    """A processor writing under ``tmp_path``, with no SLA policy, whose retries come quickly."""
    monkeypatch.setattr(liveness, "RETRY_SECONDS", 0.0005)
    return Processor(worker_settings(tmp_path))
