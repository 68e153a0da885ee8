"""The windows the generated files are written for: the defaults, and a clear error when a rule
or panel names a window that is not configured."""

from __future__ import annotations

import pytest

from streams.config import Settings
from streams.generate.windows import ExportedWindows, configured


def test_the_generated_files_use_the_default_windows_not_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SUPPORTKPI_WINDOWS", "5m,2h")
    assert configured().names == Settings().windows == ("1h", "24h", "7d", "30d")


def test_the_longest_window_is_the_widest_not_the_last_in_text_order() -> None:
    assert configured().longest == "30d"
    assert ExportedWindows.of(("90m", "2h", "1h")).longest == "2h"


def test_a_window_named_by_a_rule_or_panel_must_be_configured() -> None:
    windows = ExportedWindows.of(("24h", "7d"))
    assert windows.require("7d", "the wall display") == "7d"
    with pytest.raises(ValueError, match=r"the wall display needs the 1h window.*24h, 7d"):
        windows.require("1h", "the wall display")


def test_no_windows_is_refused() -> None:
    with pytest.raises(ValueError, match="no windows configured"):
        ExportedWindows.of(())
