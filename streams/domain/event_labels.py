"""The bounded label values an event brings to its record, and their re-admission on restore."""

from __future__ import annotations

from typing import NamedTuple

from streams.domain.events import Event, Kind
from streams.domain.labels import UNKNOWN, CategoryLabels, LabelPolicy, TeamLabels
from streams.domain.record_format import UNDECIDED
from streams.domain.ticket import TicketRecord


class EventLabels(NamedTuple):
    """What ``TicketRecord.apply`` takes besides the event ("" and None: the event has none)."""

    channel: str = ""
    priority: str = ""
    team: str | None = None
    category: str = UNKNOWN


#: the labels of an event that brings none (most do): built once, a NamedTuple is not free
NO_LABELS = EventLabels()


class Labelling:
    """Turns an event's free-form values into labels: channel and priority by allow-list, teams
    and categories first come, first served (shared by a worker's partitions)."""

    __slots__ = ("categories", "policy", "teams")

    def __init__(self, policy: LabelPolicy, teams: TeamLabels, categories: CategoryLabels) -> None:
        self.policy = policy
        self.teams = teams
        self.categories = categories

    def of(self, event: Event) -> EventLabels:
        kind = event.kind
        if kind is Kind.CREATED:
            return EventLabels(
                self.policy.channel(event.channel),
                self.policy.priority(event.priority),
                self.teams.label(event.team),
                self.categories.label(event.category),
            )
        if kind is Kind.SURVEY:
            return EventLabels(self.policy.channel(event.channel))
        if kind is Kind.UPDATED:
            return EventLabels(
                "",
                "" if event.priority is None else self.policy.priority(event.priority),
                None if event.team is None else self.teams.label(event.team),
                UNKNOWN if event.category is None else self.categories.label(event.category),
            )
        return NO_LABELS

    def readmit(self, record: TicketRecord) -> None:
        """A restored record's labels keep their place (a record of a format older than the
        category labels has its label decided now, from the category it keeps)."""
        categories = self.categories
        if record.category_label == UNDECIDED:
            record.category_label = categories.label(record.category)
        categories.readmit(record.category_label)
        for _, label in record.category_changes:
            categories.readmit(label)
        self.teams.readmit(record.team)
        for change in record.team_changes:
            self.teams.readmit(change.label)
