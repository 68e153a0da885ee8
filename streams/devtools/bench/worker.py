"""One real supportkpi worker process for a benchmark, observed only through its HTTP endpoints."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import orjson

from streams.devtools import devbroker


@dataclass
class BenchWorker:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @classmethod
    def start(
        cls,
        bootstrap: str,
        quirks: str,
        prefix: str,
        partitions: int,
        app_id: str,
        logs: Path,
        name: str | None = None,
        source: Path | None = None,
        settings: Mapping[str, str] | None = None,
    ) -> BenchWorker:
        """``source``: run the worker from that checkout instead (to profile an older commit)."""
        port = devbroker.free_port()
        name = name or app_id
        env = dict(
            os.environ,
            SUPPORTKPI_BROKER=f"kafka://{bootstrap}",
            SUPPORTKPI_BROKER_QUIRKS=quirks,
            SUPPORTKPI_TOPIC_PREFIX=prefix,
            SUPPORTKPI_APP_ID=app_id,
            SUPPORTKPI_PARTITIONS=str(partitions),
            SUPPORTKPI_WEB_PORT=str(port),
            SUPPORTKPI_WEB_HOST="127.0.0.1",
            SUPPORTKPI_SESSION_TIMEOUT="3",
            # per deployment, not per process: a restart finds the snapshots of the one before
            SUPPORTKPI_DATA_DIR=str(logs / f"{app_id}-data"),
        )
        env.update(settings or {})
        if source is not None:
            env["PYTHONPATH"] = str(source)
        log = logs / f"{name}-{port}.log"
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "streams", "worker", "--loglevel", "warning"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=source,
            )
        return cls(proc, port, log)

    def get(self, path: str) -> tuple[int, bytes]:
        """(status, body) of one request; (0, b"") while the server is not up."""
        if self.proc.poll() is not None:
            raise RuntimeError(f"worker exited with {self.proc.returncode}; log: {self.log}")
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.port}{path}", timeout=10
            ) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except OSError:
            return 0, b""

    def metrics(self) -> str:
        return self.get("/metrics")[1].decode()

    def consumed(self) -> int:
        """Events accounted for, from a scrape of ``support_events_total`` alone: frequent polls
        must not load the worker with rendering every KPI (thousands of series)."""
        return consumed(self.get("/metrics?name[]=support_events_total")[1].decode())

    def contacts(self) -> int | None:
        """Contacts applied to the customers' state (None: a checkout without them)."""
        text = self.get("/metrics?name[]=support_customer_contacts_total")[1].decode()
        if "support_customer_contacts_total" not in text:
            return None
        return int(metric_sum(text, "support_customer_contacts_total"))

    def topics(self) -> set[str]:
        """The source topics it reads: ``support_events_total`` has their series from the start."""
        return known_topics(self.get("/metrics?name[]=support_events_total")[1].decode())

    def ready(self) -> list[int] | None:
        """The partitions it owns once ready; None before."""
        status, body = self.get("/ready")
        return list(orjson.loads(body)["partitions"]) if status == 200 else None

    def peak_rss_bytes(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmHWM in /proc")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def consumed(text: str) -> int:
    """Source events accounted for on /metrics: every outcome but ``duplicate`` (an event
    delivered again after a rebalance is counted once)."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith("support_events_total{") and 'outcome="duplicate"' not in line:
            total += float(line.rsplit(" ", 1)[1])
    return int(total)


def known_topics(text: str) -> set[str]:
    """The ``topic`` labels of ``support_events_total`` in a /metrics page."""
    return {
        line.split('topic="', 1)[1].split('"', 1)[0]
        for line in text.splitlines()
        if line.startswith("support_events_total{") and 'topic="' in line
    }


def metric_sum(text: str, name: str, labels: str = "") -> float:
    """Sum of every sample of one metric family in a /metrics page (``labels``: only those
    whose labels start so, e.g. ``stage="read"``)."""
    starts = (f"{name}{{{labels}",) if labels else (name + "{", name + " ")
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(starts)
    )


def wait_until(
    check: Callable[[], bool], what: str, timeout: float = 1800, interval: float = 0.05
) -> float:
    """Poll ``check`` until it holds; return the perf_counter time it first did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return time.perf_counter()
        time.sleep(interval)
    raise TimeoutError(f"timed out waiting for {what}")


def wait_for_total(
    total: Callable[[], int], target: int, what: str, timeout: float = 1800
) -> float:
    """``wait_until(total() >= target)``, polling /metrics sparingly while far from the target.

    Rendering /metrics costs the worker CPU, and a poll every 50 ms through a whole run would
    take a share of its time that Prometheus, scraping every 15 s, never does (see
    docs/benchmarks.md). Coarse polls up to 90% of the target, fine ones for the last stretch
    keep the end time exact to 50 ms.
    """
    deadline = time.monotonic() + timeout
    wait_until(lambda: total() >= 0.9 * target, what, timeout, interval=1.0)
    return wait_until(lambda: total() >= target, what, max(1.0, deadline - time.monotonic()))
