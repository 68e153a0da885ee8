"""Bounded label values: event fields become metric labels only through an allow-list."""

from __future__ import annotations

from dataclasses import dataclass

OTHER = "other"
UNKNOWN = "unknown"

DEFAULT_CHANNELS = ("email", "chat", "phone", "social", "web", "in_app")
DEFAULT_PRIORITIES = ("low", "normal", "high", "urgent")


@dataclass(frozen=True, slots=True)
class LabelPolicy:
    """Maps free-form event values onto a bounded set; anything else becomes ``other``."""

    channels: frozenset[str] = frozenset(DEFAULT_CHANNELS)
    priorities: frozenset[str] = frozenset(DEFAULT_PRIORITIES)

    def channel(self, value: str | None) -> str:
        if value is None:
            return UNKNOWN
        value = value.lower()
        return value if value in self.channels else OTHER

    def priority(self, value: str | None) -> str:
        if value is None:
            return UNKNOWN
        value = value.lower()
        return value if value in self.priorities else OTHER
