"""The windows the generated rules and dashboards are written for.

They are the defaults of ``Settings.windows``, not ``SUPPORTKPI_WINDOWS`` at generate time, so
the committed files do not depend on the shell that ran ``supportkpi generate``. Most rules and
panels are per window (``sum by (window, ...)``, the ``$window`` variable reads the label's
values from Prometheus) and follow whatever windows a worker exports; the few that need one
window by name (a burn-rate alert over 1h, the wall's "today") ask for it here, and generation
fails when it is not configured.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from streams.config import Settings
from streams.domain.timeparse import parse_duration_ms


@dataclass(frozen=True)
class ExportedWindows:
    """The configured window names, in the order of the setting."""

    names: tuple[str, ...]

    @classmethod
    def of(cls, names: Sequence[str]) -> ExportedWindows:
        if not names:
            raise ValueError("no windows configured: SUPPORTKPI_WINDOWS names none")
        return cls(tuple(names))

    def require(self, name: str, used_by: str) -> str:
        """``name``, after checking a worker exports it: ``used_by`` reads it by name."""
        if name not in self.names:
            raise ValueError(
                f"{used_by} needs the {name} window, which is not configured "
                f"(windows: {', '.join(self.names)}): add it to Settings.windows"
            )
        return name

    @property
    def longest(self) -> str:
        """The widest window: the monthly figure at the defaults."""
        return max(self.names, key=parse_duration_ms)


def configured() -> ExportedWindows:
    """The default windows (``Settings.windows``)."""
    return ExportedWindows.of(Settings().windows)
