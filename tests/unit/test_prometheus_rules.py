"""The shipped recording rules are valid and compute the documented KPIs (promtool)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.tools import require

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"


def _promtool(*args: str) -> None:
    result = subprocess.run([require("promtool"), *args], capture_output=True, text=True,
                            check=False, cwd=DEPLOY)
    assert result.returncode == 0, result.stdout + result.stderr


def test_rules_pass_promtool_check() -> None:
    _promtool("check", "rules", *[str(p) for p in sorted((DEPLOY / "rules").glob("*.yml"))])


def test_rules_pass_their_promtool_unit_tests() -> None:
    _promtool("test", "rules", *[str(p) for p in sorted((DEPLOY / "tests").glob("*.yml"))])
