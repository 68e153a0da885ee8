"""The contributions of recently evaluated records, so the next event of a ticket need not
derive what the record contributed before it (a ticket's events come close together)."""

from __future__ import annotations

from collections import OrderedDict

from streams.domain.contributions import Contribution

RECENT_CONTRIBUTIONS = 20_000


class RecentContributions(OrderedDict[str, list[Contribution]]):
    """A bounded cache, least recently evaluated first: ``get`` reads, ``remember`` writes."""

    def __init__(self, limit: int = RECENT_CONTRIBUTIONS) -> None:
        super().__init__()
        self.limit = limit

    def remember(self, key: str, contributions: list[Contribution]) -> None:
        self[key] = contributions
        self.move_to_end(key)
        if len(self) > self.limit:
            self.popitem(last=False)
