"""External tools the tests drive (promtool, prometheus): skipped locally, required in CI."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]  # the repository: deploy/, grafana/, schemas/ ...


def require(tool: str) -> str:
    path = shutil.which(tool)
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail(f"{tool} is required in CI (.ci/run installs it)")
    pytest.skip(f"{tool} is not installed")
    raise AssertionError  # unreachable
