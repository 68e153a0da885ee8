"""Fixtures that run the real thing: the embedded broker over TCP, workers as processes.

The broker starts once per session, and only when a test asks for it."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from confluent_kafka import Producer

from streams.config import Settings
from streams.runtime.topics import ensure_topics
from tests.support import forensics, oracle, scrape
from tests.support.builders import wall_clock_ms
from tests.support.processes import Broker, Worker
from tests.support.trace import Message, Trace


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    running = Broker.start(tmp_path_factory.mktemp("broker"))
    yield running
    running.stop()


@dataclass
class Stack:
    """One isolated deployment on the shared broker: own topics, app id and workers."""

    broker: Broker
    env: dict[str, str]
    settings: Settings
    logs: Path
    workers: list[Worker] = field(default_factory=list)

    def stop(self) -> None:
        """Stop every worker; keep the logs under ``SUPPORTKPI_KEEP_LOGS`` when it is set."""
        for worker in self.workers:
            worker.stop()
        keep = os.environ.get("SUPPORTKPI_KEEP_LOGS")
        if keep:
            shutil.copytree(self.logs, Path(keep) / self.logs.name, dirs_exist_ok=True)

    def worker(self, **settings: str) -> Worker:
        """Start one more worker; ``settings`` override ``SUPPORTKPI_*`` for it alone."""
        env = dict(self.env, **{f"SUPPORTKPI_{k.upper()}": v for k, v in settings.items()})
        worker = Worker(env, self.logs / f"worker-{len(self.workers)}.log").start()
        self.workers.append(worker)
        return worker

    def publish(self, messages: list[Message]) -> None:
        """Publish like another team's service would: confluent-kafka, keys as they come."""
        producer = Producer({"bootstrap.servers": self.broker.bootstrap, "linger.ms": 5})
        for message in messages:
            producer.produce(
                self.settings.topic_prefix + message.topic, message.value, key=message.key
            )
            producer.poll(0)
        assert producer.flush(30) == 0, "messages left unsent"

    def scrape(self, workers: list[Worker] | None = None) -> dict[scrape.Sample, float]:
        alive = [w for w in (workers or self.workers) if w.proc and w.proc.poll() is None]
        return scrape.total([scrape.parse(w.metrics()) for w in alive])

    def committed(self) -> dict[tuple[str, int], int]:
        """Offsets this deployment's consumer group has committed (absent: none yet)."""
        return forensics.committed_offsets(self.broker.bootstrap, self.settings)

    def owned(self) -> list[int]:
        """Partitions each live worker reports owning."""
        alive = [w for w in self.workers if w.proc and w.proc.poll() is None]
        return [int(scrape.parse(w.metrics())[("support_owned_partitions", ())]) for w in alive]

    def wait_owned(self, workers: int, timeout: float = 90.0) -> list[int]:
        """Wait until every partition has one owner among ``workers`` workers, each owning one."""
        deadline = time.monotonic() + timeout
        owned: list[int] = []
        while time.monotonic() < deadline:
            owned = self.owned()
            if len(owned) == workers and all(owned) and sum(owned) == self.settings.partitions:
                return owned
            time.sleep(0.5)
        raise AssertionError(f"partitions never settled over {workers} workers: {owned}")

    def wait_processed(self, minimum: int, timeout: float = 60.0) -> None:
        """Wait until the workers have processed at least ``minimum`` events."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = scrape.summed(self.scrape(), "support_events_total", outcome="processed")
            if done >= minimum:
                return
            time.sleep(0.3)
        raise AssertionError(f"fewer than {minimum} events processed in {timeout}s")

    def assert_oracle(self, recorded: Trace, timeout: float = 120.0) -> None:
        """The summed scrape of the live workers equals the oracle's KPIs for ``recorded``."""
        problems = self.wait_for(
            lambda: self.expected(recorded.events, wall_clock_ms()),
            oracle.kpi_samples,
            timeout=timeout,
        )
        if problems:
            where = forensics.report(
                self.broker.bootstrap,
                self.settings,
                recorded.events,
                wall_clock_ms() - max(oracle.WINDOWS.values()) - oracle.GRACE,
            )
            raise AssertionError(
                "\n".join([where, f"{len(problems)} differences:", *problems[:30]])
            )

    def expected(self, events: list[tuple[str, dict]], now_ms: int) -> dict[scrape.Sample, float]:
        """The oracle's KPIs for ``events`` under this stack's SLA policy and schedule."""
        policy = oracle.policy_doc(self.settings.sla_policy_path)
        return oracle.expected(events, now_ms, policy, self.settings.schedule or None)

    def wait_for(
        self,
        wanted: Callable[[], dict[scrape.Sample, float]],
        select: Callable[[dict[scrape.Sample, float]], dict[scrape.Sample, float]],
        timeout: float = 90.0,
    ) -> list[str]:
        """Poll until the scrape equals ``wanted()``; return the last differences."""
        deadline = time.monotonic() + timeout
        problems = ["never scraped"]
        while time.monotonic() < deadline:
            problems = oracle.differences(select(self.scrape()), wanted())
            if not problems:
                return []
            time.sleep(1.0)
        return problems


def isolated_env(
    broker: Broker, data_dir: Path, **overrides: str
) -> tuple[dict[str, str], Settings]:
    """Environment of one isolated deployment on the shared broker; its topics exist.
    ``overrides`` set ``SUPPORTKPI_*`` (``partitions="4"``); unset, the defaults hold."""
    prefix = f"t{uuid.uuid4().hex[:8]}-"
    env = dict(
        os.environ,
        SUPPORTKPI_BROKER=f"kafka://{broker.bootstrap}",
        SUPPORTKPI_BROKER_QUIRKS="tansu",
        SUPPORTKPI_TOPIC_PREFIX=prefix,
        SUPPORTKPI_APP_ID=f"{prefix}supportkpi",
        SUPPORTKPI_SESSION_TIMEOUT="3",
        SUPPORTKPI_BATCH_WAIT="0.1",
        SUPPORTKPI_DATA_DIR=str(data_dir),
        SUPPORTKPI_HOUSEKEEPING_INTERVAL="5",
        **{f"SUPPORTKPI_{name.upper()}": value for name, value in overrides.items()},
    )
    settings = Settings.from_env(env)
    ensure_topics(settings)
    return env, settings


@pytest.fixture
def stack(broker: Broker, tmp_path: Path) -> Iterator[Stack]:
    env, settings = isolated_env(broker, tmp_path / "data")
    running = Stack(broker, env, settings, tmp_path)
    yield running
    running.stop()
