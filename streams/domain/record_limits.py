"""The caps on one ticket record, and the bound they put on its changelog value.

The caps keep the work per event and the size of a record flat however hot a ticket runs; the
bound is checked at start-up against the broker's message limit.
"""

from __future__ import annotations

from streams.domain.digests import DIGEST_SIZE
from streams.domain.fields import MAX_ID_LENGTH
from streams.domain.transfers import MAX_TEAM_CHANGES_KEPT

MAX_FACTS_KEPT = 200  # per sequence (replies, surveys, ...): far above real tickets
# event-id digests a record keeps for dedupe; past that, the digests of its newest events
# go to a ring of ``OVERFLOW_DIGESTS_KEPT`` (redeliveries come soon after the original: the
# replay after a crash starts at the last commit). Events still apply while their fact
# sequence has room, so a resolution after a flood of bot notes still resolves the ticket.
# With these caps a record stays far below 1 MB (see ``max_record_bytes``).
MAX_TICKET_EVENTS = 2_000
OVERFLOW_DIGESTS_KEPT = 1_000


def max_record_bytes(max_events: int = MAX_TICKET_EVENTS, label_json_bytes: int = 34) -> int:
    """An upper bound of a record's changelog value under the caps (checked at start-up
    against the broker's message limit): digests as hex, the fact sequences, and the strings
    (ids, team and category at most 256 characters, and so the category labels; channel and
    priority labels come from allow-lists, the longest of which is ``label_json_bytes`` as
    JSON)."""
    digests = 2 * DIGEST_SIZE * (max_events + OVERFLOW_DIGESTS_KEPT) + 16
    times = 4 * MAX_FACTS_KEPT * 21  # replies, customer, resolutions, reopens: "1795...,"
    statuses = MAX_FACTS_KEPT * 32  # [1795000000000,"on_hold"],
    priorities = MAX_FACTS_KEPT * (20 + label_json_bytes)
    surveys = MAX_FACTS_KEPT * (50 + label_json_bytes)  # with a method
    sends = MAX_FACTS_KEPT * 40  # [1795000000000,"csat","in_app"],
    category = 6 * MAX_ID_LENGTH + 2  # a category label: a published category, or a fold
    category_changes = 20 + category  # only the latest is kept
    team_changes = MAX_TEAM_CHANGES_KEPT * (20 + 2 * category)  # [at, label, name]
    strings = 5 * category + 3 * label_json_bytes + 200  # JSON escapes: <= 6x
    facts = times + statuses + priorities + surveys + sends + category_changes + team_changes
    return digests + facts + strings
