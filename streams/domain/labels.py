"""Bounded label values: event fields become metric labels only through an allow-list."""

from __future__ import annotations

import sys
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
        # interned: a million records then share one string per label, not a copy each
        return sys.intern(value) if value in self.channels else OTHER

    def priority(self, value: str | None) -> str:
        if value is None:
            return UNKNOWN
        value = value.lower()
        return sys.intern(value) if value in self.priorities else OTHER


class BoundedLabels:
    """Free-form values (teams, categories) become labels first come, first served, up to a
    cap, or only from an allow-list; the rest are ``other``, and counted.

    The label a record gets is stored in it, so a restart re-admits exactly the labels in use
    (``readmit``) instead of deciding again in the order the changelog happens to be read.
    """

    def __init__(self, cap: int, allowed: frozenset[str] = frozenset()) -> None:
        self.cap = cap
        self.allowed = allowed  # when set, only these values are ever admitted
        self.admitted: set[str] = set()
        self.folded = 0  # values mapped to ``other`` because of the cap or the allow-list

    def label(self, value: str | None) -> str:
        if value is None:
            return UNKNOWN
        value = sys.intern(value)  # records share the label instead of a copy each
        if value in self.admitted:
            return value
        if (self.allowed and value not in self.allowed) or len(self.admitted) >= self.cap:
            self.folded += 1
            return OTHER
        self.admitted.add(value)
        return value

    def readmit(self, label: str | None) -> None:
        """Re-admit a label found in a restored record."""
        if label is not None and label not in (OTHER, UNKNOWN):
            self.admitted.add(label)


#: a ticket's team label is decided when it is created and kept for life
TeamLabels = BoundedLabels
#: a ticket's category label is decided by each event that sets its category
CategoryLabels = BoundedLabels
