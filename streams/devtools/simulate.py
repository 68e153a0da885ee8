"""Realistic synthetic helpdesk traffic: arrival waves, a finite agent pool, a survey answer mix.

The agent pool is sized for ~85% utilisation at the average arrival rate, so queues (and first
response times) build up at the crest of each wave and drain in its trough. Tickets have
categories (routed to a team), some are transferred or recategorised, some come from returning
customers; most surveys are announced by a ``survey-sent``, and not every send is answered. The
weights and shares are in ``traffic_mix``.

``Simulator`` is a seeded discrete-event model that yields events in event-time order;
``publish`` sends them to Kafka in real time (``supportkpi simulate``), with work durations
compressed by ``speed`` so a demo shows replies and resolutions within seconds.
"""

from __future__ import annotations

import asyncio
import heapq
import math
import random
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

import orjson

from streams.config import Settings
from streams.devtools import traffic_mix as mix
from streams.devtools.traffic_mix import CHANNELS, FIRST_REPLY_MIN, PRIORITIES, PRIORITY_SPEEDUP
from streams.domain.events import Kind

DAY_MS = 86_400_000
EVENTS_PER_TICKET = 6.7  # the mix's average (a unit test measures it): events/s to tickets/s


def rfc3339(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


class RecentTicket(NamedTuple):
    """A ticket a returning customer may have written before."""

    at_ms: int
    customer: str
    category: str


@dataclass
class Simulator:
    """Seeded model of a support floor; times are epoch milliseconds."""

    seed: int = 1
    tickets_per_s: float = 1.0
    agents: int = 0  # 0: staff for ~85% utilisation at the average arrival rate
    speed: float = 60.0  # real-world durations are divided by this
    wave_period_s: float = 600.0  # arrival waves: rate swings by +-60% over this period
    start_ms: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._queue: list[tuple[int, int, str, dict[str, object]]] = []
        self._seq = 0
        if self.agents <= 0:
            self.agents = max(1, math.ceil(self.tickets_per_s * self._mean_work_s() / 0.85))
        # (free from, agent): the heap finds the next free agent in O(log n); a scan was
        # O(agents), and a fast simulated floor needs hundreds of thousands of agents
        self._agent_free = [(self.start_ms, i) for i in range(self.agents)]
        self._next_arrival = self.start_ms
        self._tickets = 0
        self._customers = 0
        self._recent: deque[RecentTicket] = deque(maxlen=256)

    def _mean_work_s(self) -> float:
        """Mean agent time per ticket (first reply plus wrap-up), after speed compression."""
        total_c, total_p = sum(CHANNELS.values()), sum(PRIORITIES.values())
        minutes = (
            sum(
                CHANNELS[c]
                / total_c
                * PRIORITIES[p]
                / total_p
                * FIRST_REPLY_MIN[c]
                / PRIORITY_SPEEDUP[p]
                for c in CHANNELS
                for p in PRIORITIES
            )
            + 2
        )
        return minutes * 60 / self.speed

    def events(self) -> Iterator[tuple[Kind, dict[str, object]]]:
        """Endless event stream in event-time order."""
        while True:
            while not self._queue or self._queue[0][0] > self._next_arrival:
                self._arrive(self._next_arrival)
                self._next_arrival += self._interarrival_ms(self._next_arrival)
            _, _, kind, payload = heapq.heappop(self._queue)
            yield Kind(kind), payload

    def _interarrival_ms(self, at_ms: int) -> int:
        phase = 2 * math.pi * (at_ms - self.start_ms) / 1000 / self.wave_period_s
        rate = self.tickets_per_s * (1 + 0.6 * math.sin(phase))
        return max(1, int(self.rng.expovariate(max(rate, 1e-3)) * 1000))

    def _pick(self, weights: dict) -> object:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def _emit(self, at_ms: int, kind: Kind, **fields: object) -> None:
        payload: dict[str, object] = {
            "event_id": str(uuid.UUID(int=self.rng.getrandbits(128))),
            "occurred_at": rfc3339(at_ms),
            **fields,
        }
        self._seq += 1
        heapq.heappush(self._queue, (at_ms, self._seq, kind.value, payload))

    def _work_ms(self, mean_minutes: float) -> int:
        return max(200, int(self.rng.expovariate(1 / mean_minutes) * 60_000 / self.speed))

    def _arrive(self, at_ms: int) -> None:
        self._tickets += 1
        ticket = f"T-{self.seed}-{self._tickets}"
        channel, priority = str(self._pick(CHANNELS)), str(self._pick(PRIORITIES))
        customer, category = self._customer(at_ms)
        routed = self.rng.random() < mix.ROUTED_SHARE
        team = mix.CATEGORY_TEAM[category] if routed else self.rng.choice(mix.TEAMS)
        self._emit(
            at_ms,
            Kind.CREATED,
            ticket_id=ticket,
            channel=channel,
            priority=priority,
            team=team,
            category=category,
            customer_id=customer,
        )
        if priority != "urgent" and self.rng.random() < 0.04:  # escalated after a while
            self._emit(at_ms + self._work_ms(5), Kind.UPDATED, ticket_id=ticket, priority="urgent")
        if self.rng.random() < mix.CONTAINED_SHARE:  # a bot answers and resolves it, no human
            answered = at_ms + self._work_ms(1)
            self._emit(answered, Kind.REPLIED, ticket_id=ticket, agent_id="bot", author="bot")
            resolved = answered + self._work_ms(3)
            self._emit(resolved, Kind.RESOLVED, ticket_id=ticket, resolved_by="bot")
            self._survey(ticket, customer, resolved)
            return
        # the next free agent answers; the queue in front of it is the agent capacity limit
        free_from, agent = heapq.heappop(self._agent_free)
        mean = FIRST_REPLY_MIN[channel] / PRIORITY_SPEEDUP[priority]
        start = max(at_ms, free_from)
        reply_at = start + self._work_ms(mean)
        heapq.heappush(self._agent_free, (reply_at + self._work_ms(2), agent))
        agent_id = f"A-{agent}"
        if self.rng.random() < mix.TRANSFER_SHARE:  # triage hands it on before the first reply
            other_team = self.rng.choice([t for t in mix.TEAMS if t != team])
            transfer_at = at_ms + (reply_at - at_ms) // 2
            self._emit(transfer_at, Kind.UPDATED, ticket_id=ticket, team=other_team)
        if self.rng.random() < mix.RECATEGORISED_SHARE:  # the first reply finds another cause
            other_category = self.rng.choice([c for c in mix.CATEGORIES if c != category])
            self._emit(reply_at + 50, Kind.UPDATED, ticket_id=ticket, category=other_category)
        if self.rng.random() < 0.3:  # an auto-acknowledgement, which is not a response
            self._emit(at_ms + 100, Kind.REPLIED, ticket_id=ticket, agent_id="bot", author="bot")
        if self.rng.random() < 0.1:
            self._emit(start + 50, Kind.REPLIED, ticket_id=ticket, agent_id=agent_id, public=False)
        self._emit(reply_at, Kind.REPLIED, ticket_id=ticket, agent_id=agent_id)
        last = reply_at
        for _ in range(0 if self.rng.random() < 0.55 else self.rng.randint(1, 3)):
            asked = last + self._work_ms(mean * 2)  # the customer answers, the agent replies
            self._emit(asked, Kind.CUSTOMER_REPLIED, ticket_id=ticket)
            last = asked + self._work_ms(mean)
            self._emit(last, Kind.REPLIED, ticket_id=ticket, agent_id=agent_id)
        if self.rng.random() < 0.2:  # waiting on the customer (pauses the resolution clock),
            # or on a third party (on hold)
            waiting = "pending" if self.rng.random() < 0.75 else "on_hold"
            self._emit(last + 100, Kind.UPDATED, ticket_id=ticket, status=waiting)
            last += self._work_ms(mean * 2)
            self._emit(last, Kind.UPDATED, ticket_id=ticket, status="open")
        if self.rng.random() < 0.9:
            resolved = last + self._work_ms(5)
            self._emit(
                resolved, Kind.RESOLVED, ticket_id=ticket, agent_id=agent_id, resolved_by="human"
            )
            if self.rng.random() < 0.05:  # not fixed after all
                reopened = resolved + self._work_ms(30)
                self._emit(reopened, Kind.REOPENED, ticket_id=ticket)
                resolved = reopened + self._work_ms(mean * 2)
                self._emit(resolved, Kind.RESOLVED, ticket_id=ticket, agent_id=agent_id)
            self._survey(ticket, customer, resolved)

    def _customer(self, at_ms: int) -> tuple[str, str]:
        """The ticket's customer and category: for ``REPEAT_SHARE`` of the tickets a customer
        with another ticket in the last days, often about the same thing; else a new one."""
        recent = self._recent
        while recent and recent[0].at_ms <= at_ms - mix.REPEAT_WITHIN_DAYS * DAY_MS:
            recent.popleft()
        if recent and self.rng.random() < mix.REPEAT_SHARE:
            earlier = self.rng.choice(recent)
            customer = earlier.customer
            same = self.rng.random() < mix.SAME_PROBLEM_SHARE
            category = earlier.category if same else str(self._pick(mix.CATEGORIES))
        else:
            self._customers += 1
            customer = f"C-{self.seed}-{self._customers}"
            category = str(self._pick(mix.CATEGORIES))
        recent.append(RecentTicket(at_ms, customer, category))
        return customer, category

    def _survey(self, ticket: str, customer: str, resolved_ms: int) -> None:
        """A survey-sent (answered or not), or an answer no send announced, or nothing."""
        survey = str(self._pick(mix.SURVEYS))
        if self.rng.random() < mix.SURVEY_SENT_SHARE:
            method = str(self._pick(mix.SURVEY_METHODS))
            sent_ms = resolved_ms + self._work_ms(mix.SEND_DELAY_MIN[method])
            self._emit(
                sent_ms,
                Kind.SURVEY_SENT,
                ticket_id=ticket,
                survey=survey,
                method=method,
                customer_id=customer,
            )
            if self.rng.random() >= mix.RESPONSE_RATE[method]:
                return  # never answered
            answered_ms = sent_ms + self._work_ms(mix.ANSWER_DELAY_MIN[method])
        elif self.rng.random() < mix.UNANNOUNCED_SHARE:
            method = str(self._pick(mix.SURVEY_METHODS))
            answered_ms = resolved_ms + self._work_ms(10)
        else:
            return
        fields: dict[str, object] = {"ticket_id": ticket, "survey": survey}
        fields["score"] = int(str(self._pick(mix.SCORE_MIX[survey])))
        if self.rng.random() < mix.METHOD_ON_ANSWER_SHARE:
            fields["method"] = method
        self._emit(answered_ms, Kind.SURVEY, **fields)


async def publish(
    settings: Settings,
    rate: float,
    seed: int = 1,
    duration: float | None = None,
    limit: int | None = None,
    speed: float = 60.0,
) -> int:
    """Send simulated events in real time at about ``rate`` events/s; return how many were sent."""
    from aiokafka import AIOKafkaProducer

    from streams.runtime.security import client_options

    producer = AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_servers, linger_ms=20, **client_options(settings)
    )
    await producer.start()
    now_ms = int(time.time() * 1000)
    sim = Simulator(seed=seed, tickets_per_s=rate / EVENTS_PER_TICKET, speed=speed, start_ms=now_ms)
    t0, sent = time.monotonic(), 0
    try:
        for kind, payload in sim.events():
            at_ms = _event_ms(payload)
            delay = (at_ms - now_ms) / 1000 - (time.monotonic() - t0)
            if delay > 0:
                await asyncio.sleep(delay)
            if duration is not None and time.monotonic() - t0 > duration:
                break
            if limit is not None and sent >= limit:
                break
            await producer.send(
                settings.topic(kind), orjson.dumps(payload), key=str(payload["ticket_id"]).encode()
            )
            sent += 1
    finally:
        await producer.stop()
    return sent


def _event_ms(payload: dict[str, object]) -> int:
    return int(datetime.fromisoformat(str(payload["occurred_at"])).timestamp() * 1000)
