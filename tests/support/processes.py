"""Real processes for end-to-end tests: the embedded broker and processor workers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from streams.devtools import devbroker


def supportkpi(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """One ``supportkpi`` command run to its end, as an operator or an init container runs it."""
    return subprocess.run(
        [sys.executable, "-m", "streams", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """SIGTERM, and SIGKILL if it has not exited within ``timeout``."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass
class Broker:
    port: int
    proc: subprocess.Popen[bytes]

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @classmethod
    def start(cls, log_dir: Path) -> Broker:
        port = devbroker.free_port()
        return cls(port, devbroker.start(port, log_path=log_dir / "broker.log"))

    def stop(self) -> None:
        stop_process(self.proc, timeout=5)


@dataclass
class Worker:
    """``supportkpi worker`` as a separate process, the way it runs in production."""

    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=devbroker.free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Worker:
        env = dict(self.env, SUPPORTKPI_WEB_PORT=str(self.port), SUPPORTKPI_WEB_HOST="127.0.0.1")
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streams", "worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        return self

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited ({self.proc.returncode}); see {self.log_path}")
            try:
                if self.get("/ready")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"worker not ready within {timeout}s; see {self.log_path}")

    def metrics(self) -> str:
        status, body = self.get("/metrics")
        assert status == 200, body
        return body

    def kill(self) -> None:
        """``kill -9``: no shutdown hooks, no final commit."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, timeout=15)


class IngestServer:
    """``supportkpi ingest`` as a separate process."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = devbroker.free_port()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streams",
                "ingest",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while not devbroker.port_open("127.0.0.1", self.port):
            assert time.monotonic() < deadline and self.proc.poll() is None, log.read_text()
            time.sleep(0.1)

    def post(self, body: object | bytes, token: str | None = None) -> tuple[int, dict]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/events",
            data=data,
            headers={"Content-Type": "application/json"},
        )
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as exc:
            text = exc.read()
            return exc.code, json.loads(text) if text else {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"
