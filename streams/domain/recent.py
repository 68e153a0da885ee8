"""The contributions of recently evaluated records, so the next event of a ticket need not
derive what the record contributed before it (a ticket's events come close together)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

from streams.domain.contributions import Contribution

RECENT_CONTRIBUTIONS = 20_000


class RecentContributions:
    """A bounded cache, least recently evaluated first. It holds an ``OrderedDict`` rather than
    being one (a compiled subclass crashed), and not a plain dict: evicting a dict's first key
    skips every deleted slot before it, 20x slower once the cache is full."""

    __slots__ = ("_entries", "limit")

    def __init__(self, limit: int = RECENT_CONTRIBUTIONS) -> None:
        self._entries: OrderedDict[str, list[Contribution]] = OrderedDict()
        self.limit = limit

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def get(self, key: str) -> list[Contribution] | None:
        return self._entries.get(key)

    def remember(self, key: str, contributions: list[Contribution]) -> None:
        entries = self._entries
        entries[key] = contributions
        entries.move_to_end(key)
        if len(entries) > self.limit:
            entries.popitem(last=False)

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()
