"""Policies with business hours across a weekend, a holiday and a DST change, and the moment a
trace ending then covers all three: the in-process and end-to-end oracle checks share them."""

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

#: all four SLAs, business hours on some, pauses, two policies (by team), several horizons
LIVE_POLICY = {
    "version": 1,
    "at_risk": 0.5,
    "schedules": {"berlin": SCHEDULED["schedules"]["berlin"]},
    "policies": [
        {
            "name": "tech",
            "match": {"team": ["tech"]},
            "schedule": "berlin",
            "business_hours": ["first_response", "next_reply", "periodic_update"],
            "pause": {
                "next_reply": ["on_hold"],
                "resolution": ["pending", "on_hold"],
                "periodic_update": ["pending"],
            },
            "targets": {
                "urgent": {
                    "first_response": "30m",
                    "next_reply": "1h",
                    "resolution": "8h",
                    "periodic_update": "2h",
                },
                "high": {"first_response": "4h", "next_reply": "4h", "resolution": "2d"},
                "normal": {"first_response": "1d", "resolution": "7d", "periodic_update": "1d"},
            },
        },
        {
            "name": "rest",
            "pause": {"resolution": ["pending"], "next_reply": ["pending"]},
            "targets": {
                "urgent": {"first_response": "1h", "next_reply": "2h", "resolution": "1d"},
                "high": {"first_response": "8h", "next_reply": "8h", "resolution": "3d"},
                "low": {"first_response": "2d", "next_reply": "3d", "resolution": "7d"},
            },
        },
    ],
    "lookahead": {"horizons": ["15m", "1h", "4h", "1d"]},
}
