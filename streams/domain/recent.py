"""The contributions of recently evaluated records, so the next event of a ticket need not
derive what the record contributed before it (a ticket's events come close together)."""

from __future__ import annotations

from collections.abc import Iterator

from streams.domain.contributions import Contribution

RECENT_CONTRIBUTIONS = 20_000


class RecentContributions:
    """A bounded cache, least recently evaluated first (a plain dict keeps insertion order)."""

    __slots__ = ("_entries", "limit")

    def __init__(self, limit: int = RECENT_CONTRIBUTIONS) -> None:
        self._entries: dict[str, list[Contribution]] = {}
        self.limit = limit

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def get(self, key: str) -> list[Contribution] | None:
        return self._entries.get(key)

    def remember(self, key: str, contributions: list[Contribution]) -> None:
        entries = self._entries
        entries.pop(key, None)  # re-inserted last: the most recently evaluated
        entries[key] = contributions
        if len(entries) > self.limit:
            del entries[next(iter(entries))]

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()
