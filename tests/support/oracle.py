"""Independent recomputation of every KPI from the raw events of a trace.

Deliberately written from the metrics contract (docs/metrics.md), not from the processor's code:
it imports nothing from ``streams``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from tests.support import oracle_times as times
from tests.support.scrape import Sample

HOUR, DAY = 3_600_000, 86_400_000
WINDOWS = {"1h": HOUR, "24h": DAY, "7d": 7 * DAY, "30d": 30 * DAY}
GRACE = HOUR
BUCKETS_S = [
    60,
    300,
    600,
    900,
    1800,
    3600,
    7200,
    14400,
    28800,
    43200,
    86400,
    172800,
    259200,
    604800,
]
CHANNELS = {"email", "chat", "phone", "social", "web", "in_app"}
PRIORITIES = {"low", "normal", "high", "urgent"}
KPI_FAMILIES = (
    "support_tickets_created",
    "support_tickets_resolved",
    "support_one_touch_resolutions",
    "support_first_response_seconds",
    "support_resolution_seconds",
    "support_survey_responses",
    "support_survey_score_points",
    "support_survey_satisfied",
    "support_open_tickets",
    "support_team_tickets_created",
    "support_team_tickets_resolved",
    "support_team_open_tickets",
    "support_category_tickets_created",
    "support_category_tickets_resolved",
    "support_category_first_response_seconds",
    "support_category_resolution_seconds",
    "support_category_survey_responses",
    "support_category_open_tickets",
    "support_ticket_transfers",
    "support_team_first_response_seconds",
    "support_team_resolution_seconds",
    "support_team_survey_responses",
    "support_surveys_sent",
    "support_survey_method_responses",
    "support_survey_answer_seconds",
    "support_repeat_contacts",
    "support_repeat_contact_customers",
    "support_bot_first_response_seconds",
    "support_contained_resolutions",
    "support_resolution_touches",
    "support_first_response_business_seconds",
    "support_resolution_business_seconds",
    "support_full_resolution_seconds",
    "support_requester_wait_seconds",
    "support_on_hold_seconds",
)
TOUCH_BUCKETS = [0, 1, 2, 3, 5, 10]
FACTS_KEPT = 200  # replies a ticket keeps (docs/metrics.md, "capped"), in arrival order
REPEAT_HORIZON = 7 * DAY
METHODS = {"email", "sms", "in_app", "phone", "social", "web", "chat"}


def policy_doc(path: str | None) -> dict | None:
    """The SLA policy file a worker was started with, as its YAML document (None: no policy)."""
    if not path:
        return None
    import yaml

    with open(path, encoding="utf-8") as handle:
        doc: dict = yaml.safe_load(handle)
    return doc


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def bounded(value: str | None, allowed: set[str]) -> str:
    if value is None:
        return "unknown"
    return value.lower() if value.lower() in allowed else "other"


def known_tickets(  # noqa: C901 -- every fact of a ticket, top to bottom
    events: list[tuple[str, dict]],
    now_ms: int,
    policy: dict | None = None,
    schedule: str | None = None,
) -> dict[str, dict]:
    """The tickets of ``events`` the processor keeps (created, not late), with their facts and
    current labels, under the SLA ``policy`` document and default ``schedule`` name."""
    late_before = now_ms - max(WINDOWS.values()) - GRACE
    tickets: dict[str, dict] = {}
    for topic, e in events:
        if topic in ("survey-answered", "survey-sent"):
            continue
        t = tickets.setdefault(
            e["ticket_id"],
            {
                "replies": [],
                "resolved": None,
                "late": True,
                "resolutions": [],
                "reopens": [],
                "escalations": [],
                "recategorised": [],
                "moves": [],
                "bot_replies": [],
                "human_resolutions": [],
                "statuses": [],
                "customer": [],
            },
        )
        at = ms(e["occurred_at"])
        t["late"] = t["late"] and at < late_before
        if topic == "ticket-created":
            t.update(
                created=at,
                channel=bounded(e["channel"], CHANNELS),
                created_priority=bounded(e["priority"], PRIORITIES),
                created_team=e.get("team"),
                created_category=e.get("category") or "unknown",
                created_category_name=e.get("category"),
            )
            if e.get("status") is not None:
                t["statuses"].append((at, e["status"]))
        elif topic == "ticket-updated":
            if e.get("priority") is not None:
                t["escalations"].append((at, bounded(e["priority"], PRIORITIES)))
            if e.get("category") is not None:
                t["recategorised"].append((at, e["category"]))
            if e.get("team") is not None:
                t["moves"].append((at, e["team"]))
            if e.get("status") is not None:
                t["statuses"].append((at, e["status"]))
        elif topic == "agent-replied":
            if e.get("public", True) and e.get("author", "human") == "human":
                if len(t["replies"]) < FACTS_KEPT:  # past it, replies are "capped"
                    t["replies"].append(at)
            elif e.get("public", True):  # a bot or an automation, in public
                t["bot_replies"].append(at)
        elif topic == "ticket-resolved":
            t["resolved"] = at if t["resolved"] is None else min(t["resolved"], at)
            t["resolutions"].append(at)
            if e.get("resolved_by") == "human":
                t["human_resolutions"].append(at)
        elif topic == "ticket-reopened":
            t["reopens"].append(at)
        elif topic == "customer-replied":
            t["customer"].append(at)
    known = {tid: t for tid, t in tickets.items() if "created" in t and not t["late"]}
    for t in known.values():
        # a ticket's labels carry its current priority: the latest change after its creation
        later = [c for c in t["escalations"] if c[0] > t["created"]]
        t["priority"] = max(later)[1] if later else t["created_priority"]
        # and its current category, the same way (no cap: the traces stay under it, as teams do)
        later = [c for c in t["recategorised"] if c[0] > t["created"]]
        t["category"] = max(later)[1] if later else t["created_category"]
        # and its current team; a move to a team other than the one before is a transfer
        moves = sorted(c for c in t["moves"] if c[0] > t["created"])
        t["team"] = moves[-1][1] if moves else t["created_team"] or "unknown"
        before, t["transfers"] = t["created_team"], []
        for at, team in moves:
            if before is not None and team != before:
                t["transfers"].append(at)
            before = team
        # open: never resolved, or reopened after its last resolution
        t["open"] = not t["resolutions"] or max(t["reopens"], default=-1) > max(t["resolutions"])
        # the category and team as published, for the SLA policy's match
        later = [c for c in t["recategorised"] if c[0] > t["created"]]
        t["category_name"] = max(later)[1] if later else t["created_category_name"]
        t["team_name"] = moves[-1][1] if moves else t["created_team"]
        t["schedule"] = times.schedule_of(t, policy, schedule)

    return known


def expected(  # noqa: C901 -- one recomputation, top to bottom
    events: list[tuple[str, dict]],
    now_ms: int,
    policy: dict | None = None,
    schedule: str | None = None,
) -> dict[Sample, float]:
    """Expected samples of the KPI families (and the oldest-open age) at ``now_ms``, under the
    SLA ``policy`` document (as parsed YAML) and default ``schedule`` name the worker has."""
    surveys: list[tuple[int, str, int, str | None, str | None]] = []
    sent: list[tuple[int, str, str, str | None]] = []  # (at, survey, method, ticket)
    answered: list[tuple[int, str, str | None, str | None]] = []  # (at, survey, method, ticket)
    for topic, e in events:
        if topic == "survey-answered":
            surveys.append(
                (
                    ms(e["occurred_at"]),
                    e["survey"],
                    e["score"],
                    e.get("ticket_id"),
                    e.get("channel"),
                    e.get("scale"),
                )
            )
            method = e.get("method")
            answered.append((ms(e["occurred_at"]), e["survey"], method, e.get("ticket_id")))
            continue
        if topic == "survey-sent":
            method = e["method"] if e["method"] in METHODS else "other"
            sent.append((ms(e["occurred_at"]), e["survey"], method, e.get("ticket_id")))
    known = known_tickets(events, now_ms, policy, schedule)
    out: dict[Sample, float] = {}

    def add(name: str, labels: dict[str, str], value: float = 1.0) -> None:
        key = (name, tuple(sorted(labels.items())))
        out[key] = out.get(key, 0.0) + value

    def observe(name: str, labels: dict[str, str], seconds: float) -> None:
        for le in BUCKETS_S:
            add(name + "_bucket", {**labels, "le": str(le)}, 1.0 if seconds <= le else 0.0)
        add(name + "_bucket", {**labels, "le": "+Inf"})
        add(name + "_gcount", labels)
        add(name + "_gsum", labels, seconds)

    for window, width in WINDOWS.items():

        def inside(at: int, width: int = width) -> bool:
            return now_ms - width < at <= now_ms + 60_000

        for t in known.values():
            dims = {"window": window, "channel": t["channel"], "priority": t["priority"]}
            category = {"window": window, "category": t["category"]}
            team = {"window": window, "team": t["team"]}
            for at in t["transfers"]:
                if inside(at):
                    add("support_ticket_transfers", {"window": window})
            if inside(t["created"]):
                add("support_tickets_created", dims)
                add("support_team_tickets_created", team)
                add("support_category_tickets_created", category)
            replies = sorted(t["replies"])
            if replies and inside(replies[0]):
                first_response = max(0, replies[0] - t["created"]) / 1000
                observe("support_first_response_seconds", dims, first_response)
                observe("support_category_first_response_seconds", category, first_response)
                observe("support_team_first_response_seconds", team, first_response)
            if t["resolved"] is not None and inside(t["resolved"]):
                add("support_tickets_resolved", dims)
                add("support_team_tickets_resolved", team)
                add("support_category_tickets_resolved", category)
                resolution = max(0, t["resolved"] - t["created"]) / 1000
                observe("support_resolution_seconds", dims, resolution)
                observe("support_category_resolution_seconds", category, resolution)
                observe("support_team_resolution_seconds", team, resolution)
                touches = sum(1 for r in replies if r <= t["resolved"])
                if touches == 1:
                    add("support_one_touch_resolutions", dims)
                for le in TOUCH_BUCKETS:
                    add("support_resolution_touches_bucket", {**dims, "le": str(le)}, touches <= le)
                add("support_resolution_touches_bucket", {**dims, "le": "+Inf"})
                add("support_resolution_touches_gcount", dims)
                add("support_resolution_touches_gsum", dims, touches)
                if touches == 0 and t["resolved"] not in t["human_resolutions"]:
                    add(
                        "support_contained_resolutions", {"window": window, "channel": t["channel"]}
                    )
            times.observe_times(t, inside, dims, observe)
            if t["bot_replies"] and inside(min(t["bot_replies"])):
                bot = max(0, min(t["bot_replies"]) - t["created"]) / 1000
                observe(
                    "support_bot_first_response_seconds",
                    {"window": window, "channel": t["channel"]},
                    bot,
                )
        for at, survey, score, ticket_id, channel, scale in surveys:
            if not inside(at):
                continue
            label, points, is_satisfied = _on_scale(survey, score, scale)
            ticket = known.get(ticket_id) if ticket_id else None
            dims = (
                {"channel": ticket["channel"], "priority": ticket["priority"]}
                if ticket
                else {"channel": bounded(channel, CHANNELS), "priority": "unknown"}
            )
            add(
                "support_survey_responses",
                {"window": window, "survey": survey, "score": label, **dims},
            )
            if is_satisfied:
                add("support_survey_satisfied", {"window": window, "survey": survey, **dims})
            add(
                "support_category_survey_responses",
                {
                    "window": window,
                    "category": ticket["category"] if ticket else "unknown",
                    "survey": survey,
                    "score": label,
                },
            )
            add(
                "support_team_survey_responses",
                {
                    "window": window,
                    "team": ticket["team"] if ticket else "unknown",
                    "survey": survey,
                    "score": label,
                },
            )
            if points:
                add(
                    "support_survey_score_points",
                    {"window": window, "survey": survey, **dims},
                    points,
                )
    _surveys_by_method(sent, answered, now_ms, add, observe)
    _repeat_contacts(events, now_ms, add)
    for t in known.values():
        if t["open"]:
            dims = {"channel": t["channel"], "priority": t["priority"]}
            add("support_open_tickets", dims)
            add("support_team_open_tickets", {"team": t["team"]})
            add("support_category_open_tickets", {"category": t["category"]})
            key = ("support_oldest_open_ticket_age_seconds", tuple(sorted(dims.items())))
            out[key] = max(out.get(key, 0.0), (now_ms - t["created"]) / 1000)
    return out


def _on_scale(survey: str, score: int, scale: int | None) -> tuple[str, float, bool]:
    """An answer's ``score`` label (``"8/10"`` off the default scale), its score on the default
    scale (CSAT 5, CES 7, NPS 10; linear, both ends kept; in thousandths), and whether it is a
    satisfied CSAT (4-5 of 5, 8-10 of 10) or an easy CES (5-7 of 7, 4-5 of 5)."""
    default = {"csat": 5, "ces": 7, "nps": 10}[survey]
    low = 0 if survey == "nps" else 1
    scale = scale or default
    label = str(score) if scale == default else f"{score}/{scale}"
    points = round(1000 * (low + (score - low) * (default - low) / (scale - low))) / 1000
    floor = {("csat", 5): 4, ("csat", 10): 8, ("ces", 7): 5, ("ces", 5): 4}.get((survey, scale))
    return label, points, floor is not None and score >= floor


def _surveys_by_method(
    sent: list[tuple[int, str, str, str | None]],
    answered: list[tuple[int, str, str | None, str | None]],
    now_ms: int,
    add: Callable[..., None],
    observe: Callable[..., None],
) -> None:
    """Sends, and answers per method: the answer's own, else the one of the send it answers
    (same ticket and survey: the latest at or before it, else the earliest after), else
    unknown; the answer time runs from that send."""
    for window, width in WINDOWS.items():

        def inside(at: int, width: int = width) -> bool:
            return now_ms - width < at <= now_ms + 60_000

        for at, survey, method, _ in sent:
            if inside(at):
                add("support_surveys_sent", {"window": window, "survey": survey, "method": method})
        for at, survey, own, ticket in answered:
            if not inside(at):
                continue
            sends = sorted(
                (s_at, s_method)
                for s_at, s_survey, s_method, s_ticket in sent
                if ticket is not None and s_ticket == ticket and s_survey == survey
            )
            before = [s for s in sends if s[0] <= at]
            send = before[-1] if before else sends[0] if sends else None
            if own is not None:
                method = own if own in METHODS else "other"
            else:
                method = send[1] if send else "unknown"
            labels = {"window": window, "survey": survey, "method": method}
            add("support_survey_method_responses", labels)
            if send is not None:
                observe("support_survey_answer_seconds", labels, max(0, at - send[0]) / 1000)


def _repeat_contacts(events: list[tuple[str, dict]], now_ms: int, add: Callable[..., None]) -> None:
    """A ticket is a repeat contact when its customer created another ticket within the
    horizon before it, or at the same instant; a customer counts once per window in which it
    has one."""
    created: dict[str, tuple[int, str, str]] = {}  # ticket -> (earliest creation, customer, ch)
    for topic, e in events:
        if topic == "ticket-created" and e.get("customer_id") is not None:
            at = ms(e["occurred_at"])
            if e["ticket_id"] not in created or at < created[e["ticket_id"]][0]:
                channel = bounded(e["channel"], CHANNELS)
                created[e["ticket_id"]] = (at, e["customer_id"], channel)
    by_customer: dict[str, list[tuple[int, str]]] = {}
    for ticket, (at, customer, _) in created.items():
        by_customer.setdefault(customer, []).append((at, ticket))
    repeats = [
        (at, customer, channel)
        for ticket, (at, customer, channel) in created.items()
        if any(t != ticket and at - REPEAT_HORIZON <= a <= at for a, t in by_customer[customer])
    ]
    for window, width in WINDOWS.items():
        inside = [r for r in repeats if now_ms - width < r[0] <= now_ms + 60_000]
        for _, _, channel in inside:
            add("support_repeat_contacts", {"window": window, "channel": channel})
        for _ in {customer for _, customer, _ in inside}:
            add("support_repeat_contact_customers", {"window": window})


def expected_outcomes(
    events: list[tuple[str, dict]],
    invalid: dict[str, int],
    duplicates: dict[str, int],
    now_ms: int,
    prefix: str = "",
) -> dict[Sample, float]:
    """Expected ``support_events_total`` for one delivery of the trace (zero series omitted)."""
    late_before = now_ms - max(WINDOWS.values()) - GRACE
    out: dict[Sample, float] = {}
    for topic, e in events:
        outcome = "late" if ms(e["occurred_at"]) < late_before else "processed"
        key = ("support_events_total", (("outcome", outcome), ("topic", prefix + topic)))
        out[key] = out.get(key, 0.0) + 1
    for outcome, counts in (("invalid", invalid), ("duplicate", duplicates)):
        for topic, n in counts.items():
            key = ("support_events_total", (("outcome", outcome), ("topic", prefix + topic)))
            out[key] = out.get(key, 0.0) + n
    return out


def kpi_samples(scraped: dict[Sample, float]) -> dict[Sample, float]:
    """The part of a scrape the oracle predicts."""
    names = (*KPI_FAMILIES, "support_oldest_open_ticket_age_seconds")
    return {
        k: v
        for k, v in scraped.items()
        if any(k[0] == n or k[0].startswith(n + "_") for n in names)
    }


def differences(
    actual: dict[Sample, float], wanted: dict[Sample, float], age_tolerance_s: float = 120.0
) -> list[str]:
    """Human-readable mismatches; empty when the scrape equals the oracle."""
    problems = []
    for key in sorted(set(actual) | set(wanted)):
        got, want = actual.get(key), wanted.get(key)
        if got is None or want is None:
            if (got or 0.0) == (want or 0.0) == 0.0:
                continue
            problems.append(f"{key}: got {got}, want {want}")
            continue
        tolerance = age_tolerance_s if key[0].endswith("_age_seconds") else 1e-6 * max(1, want)
        if abs(got - want) > tolerance:
            problems.append(f"{key}: got {got}, want {want}")
    return problems
