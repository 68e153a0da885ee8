"""Realistic synthetic helpdesk traffic: arrival waves, a finite agent pool, a survey answer mix.

The agent pool is sized for ~85% utilisation at the average arrival rate, so queues (and first
response times) build up at the crest of each wave and drain in its trough.

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
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from streams.config import Settings
from streams.domain.events import Kind

CHANNELS = {"email": 40, "chat": 25, "web": 15, "phone": 10, "social": 5, "in_app": 5}
PRIORITIES = {"low": 20, "normal": 55, "high": 20, "urgent": 5}
#: mean minutes of agent work before the first reply, per channel
FIRST_REPLY_MIN = {"email": 25, "chat": 2, "web": 20, "phone": 1, "social": 15, "in_app": 10}
PRIORITY_SPEEDUP = {"low": 0.6, "normal": 1.0, "high": 1.8, "urgent": 4.0}
CSAT_MIX = {5: 55, 4: 20, 3: 10, 2: 7, 1: 8}
NPS_MIX = {10: 25, 9: 20, 8: 15, 7: 10, 6: 8, 5: 7, 4: 4, 3: 4, 2: 3, 1: 2, 0: 2}
CES_MIX = {1: 5, 2: 8, 3: 10, 4: 15, 5: 25, 6: 22, 7: 15}


def rfc3339(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


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
        self._emit(
            at_ms,
            Kind.CREATED,
            ticket_id=ticket,
            channel=channel,
            priority=priority,
            team=self.rng.choice(["billing", "tech", "accounts", "enterprise"]),
            customer_id=f"C-{self.rng.randrange(5000)}",
        )
        if priority != "urgent" and self.rng.random() < 0.04:  # escalated after a while
            self._emit(at_ms + self._work_ms(5), Kind.UPDATED, ticket_id=ticket, priority="urgent")
        # the next free agent answers; the queue in front of it is the agent capacity limit
        free_from, agent = heapq.heappop(self._agent_free)
        mean = FIRST_REPLY_MIN[channel] / PRIORITY_SPEEDUP[priority]
        start = max(at_ms, free_from)
        reply_at = start + self._work_ms(mean)
        heapq.heappush(self._agent_free, (reply_at + self._work_ms(2), agent))
        agent_id = f"A-{agent}"
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
        if self.rng.random() < 0.15:  # waiting on the customer pauses the resolution clock
            self._emit(last + 100, Kind.UPDATED, ticket_id=ticket, status="pending")
            last += self._work_ms(mean * 2)
            self._emit(last, Kind.UPDATED, ticket_id=ticket, status="open")
        if self.rng.random() < 0.9:
            resolved = last + self._work_ms(5)
            self._emit(resolved, Kind.RESOLVED, ticket_id=ticket, agent_id=agent_id)
            if self.rng.random() < 0.05:  # not fixed after all
                reopened = resolved + self._work_ms(30)
                self._emit(reopened, Kind.REOPENED, ticket_id=ticket)
                resolved = reopened + self._work_ms(mean * 2)
                self._emit(resolved, Kind.RESOLVED, ticket_id=ticket, agent_id=agent_id)
            if self.rng.random() < 0.5:
                survey = str(self._pick({"csat": 60, "nps": 25, "ces": 15}))
                mix = {"csat": CSAT_MIX, "nps": NPS_MIX, "ces": CES_MIX}[survey]
                self._emit(
                    resolved + self._work_ms(10),
                    Kind.SURVEY,
                    ticket_id=ticket,
                    survey=survey,
                    score=int(str(self._pick(mix))),
                )


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
    sim = Simulator(seed=seed, tickets_per_s=rate / 4.6, speed=speed, start_ms=now_ms)
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
