"""What every benchmark of one run shares: its broker, its topics, its workers, its events.

``Run`` is one ``supportkpi bench`` run (the broker's address, the topic prefix, where logs go,
the results so far); ``preload`` fills its topics with simulator events.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from streams.config import Settings
from streams.devtools.bench.worker import BenchWorker
from streams.devtools.simulate import Simulator
from streams.runtime.topics import create_topics


@dataclass
class Run:
    bootstrap: str
    events: int
    partitions: int
    prefix: str
    quirks: str
    logs: Path
    results: dict[str, list[float]] = field(default_factory=dict)
    final_metrics: str = ""  # the last supportkpi worker's /metrics once it had every event
    published: list[tuple[str, dict]] = field(default_factory=list)  # (topic kind, payload)
    summary: str = ""  # the tables printed at the end

    def worker(
        self,
        app_id: str,
        prefix: str | None = None,
        settings: Mapping[str, str] | None = None,
        source: Path | None = None,
    ) -> BenchWorker:
        """A worker on ``prefix``'s topics; ``settings``: more of its environment."""
        return BenchWorker.start(
            self.bootstrap,
            self.quirks,
            prefix or self.prefix,
            self.partitions,
            app_id,
            self.logs,
            source=source,
            settings=settings,
        )

    @property
    def settings(self) -> Settings:
        return self.settings_for(self.prefix)

    def settings_for(self, prefix: str) -> Settings:
        return Settings.from_env(
            {},
            broker=f"kafka://{self.bootstrap}",
            topic_prefix=prefix,
            partitions=self.partitions,
            app_id=f"{prefix}supportkpi",
        )

    def topics(self) -> list[str]:
        return list(self.settings.source_topics)


async def preload(run: Run, seed: int = 1) -> None:
    """Publish ``run.events`` simulated events (the simulator's mix, keyed by ticket)."""
    from aiokafka import AIOKafkaProducer

    await create_topics(run.settings)
    producer = AIOKafkaProducer(
        bootstrap_servers=run.bootstrap, linger_ms=20, max_batch_size=256 * 1024
    )
    await producer.start()
    try:
        start = int(time.time() * 1000) - 3 * 3_600_000  # three hours of history up to now
        sim = Simulator(seed=seed, tickets_per_s=50.0, speed=1.0, start_ms=start)
        pending = []
        for kind, payload in itertools.islice(sim.events(), run.events):
            run.published.append((kind.value, payload))
            pending.append(
                await producer.send(
                    run.settings.topic(kind),
                    orjson.dumps(payload),
                    key=str(payload["ticket_id"]).encode(),
                )
            )
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
