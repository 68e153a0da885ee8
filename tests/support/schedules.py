"""A policy with business hours across a weekend, a holiday and a DST change, and the moment a
trace ending then covers all three: the in-process and end-to-end oracle checks share it."""

from __future__ import annotations

from datetime import UTC, datetime

#: a week of traffic over a weekend, a holiday (Monday 26 October, for the test) and the end of
#: daylight saving time in Berlin (Sunday 25 October 2026, 03:00 CEST -> 02:00 CET)
AFTER_DST = int(datetime(2026, 10, 28, 15, tzinfo=UTC).timestamp() * 1000)
SCHEDULED = {
    "version": 1,
    "schedules": {
        "berlin": {
            "timezone": "Europe/Berlin",
            "hours": {"mon-fri": ["08:00-18:00"], "sun": ["00:00-24:00"]},  # Sunday: 25 hours
            "holidays": ["2026-10-26"],
        },
        "nights": {"timezone": "America/New_York", "hours": {"mon-sat": ["20:00-24:00"]}},
    },
    "policies": [
        {"name": "tech", "match": {"team": ["tech"]}, "targets": {"high": {"resolution": "8h"}}},
        {"name": "rest", "schedule": "berlin", "targets": {"high": {"resolution": "8h"}}},
    ],
}
